#!/usr/bin/env node
/**
 * The echo servers `npm run bench` compares under the same ghz load, each in its own process:
 * `bare` is grpc-js alone; `kit` is the platform's gRPC server (handler wrapping, request logs at
 * info sampled under load, metrics, tracing context, deadline scope, error mapping), as every
 * service runs it. Both serve foodmesh.edge.v1.AuthService/SignIn answering the request's user id
 * back, bind port 0 and report it over IPC.
 */
import * as grpc from '@grpc/grpc-js';
import { bindService, createLogger, createPlatformMetrics, startGrpcServer } from '@foodmesh/platform';
import { AuthServiceService, Role, type SignInRequest, type SignInResponse } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';

const echo = (req: SignInRequest): SignInResponse => ({
  token: `echo:${req.userId}`,
  user: { userId: req.userId, displayName: req.userId, role: Role.ROLE_CUSTOMER, storeId: '', region: '' },
  expiresAt: new Date(0),
});

async function bare(): Promise<number> {
  const server = new grpc.Server();
  const unused: grpc.handleUnaryCall<unknown, unknown> = (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED });
  server.addService(AuthServiceService, {
    signIn: (call: grpc.ServerUnaryCall<SignInRequest, SignInResponse>, cb: grpc.sendUnaryData<SignInResponse>) => cb(null, echo(call.request)),
    listDemoUsers: unused,
    getCurrentUser: unused,
  });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

async function kit(): Promise<number> {
  const unused = async (): Promise<never> => {
    throw new Error('not part of the echo benchmark');
  };
  const running = await startGrpcServer({
    service: 'bench-echo',
    host: '127.0.0.1',
    port: 0,
    logger: createLogger({ service: 'bench-echo', level: 'info' }),
    metrics: createPlatformMetrics('bench-echo'),
    services: [bindService(AuthServiceService, { signIn: async (req) => echo(req), listDemoUsers: unused, getCurrentUser: unused })],
    protoFiles: ['foodmesh/edge/v1/auth.proto'],
  });
  return running.port;
}

const kinds: Record<string, () => Promise<number>> = { bare, kit };
const start = kinds[process.argv[2] ?? ''];
if (!start) {
  console.error('usage: echo-server.js bare|kit');
  process.exit(2);
}
start().then(
  (port) => process.send?.({ port }),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

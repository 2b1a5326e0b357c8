import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { invalidArgument } from './errors';
import { toServiceError } from './grpc-errors';
import { serviceNameOf, type Handlers, type ServerStreamHandler, type ServiceDef, type UnaryHandler } from './grpc-types';
import { createRequestLog, DEFAULT_REQUEST_LOG_OK_PER_SECOND, type Logger, type RequestLog } from './logger';
import type { PlatformMetrics } from './metrics';
import { guardRequests, RejectedRequest } from './request-guard';
import { CONSUMER, LIVENESS } from './service-health';
import { addressAttributes } from './semconv';
import { startServerCall } from './server-call';

/** The repository's proto/ folder, the same from src/ (tests) and dist/ (built). */
export const PROTO_ROOT = path.resolve(__dirname, '../../../proto');

export interface ServiceRegistration {
  name: string;
  definition: ServiceDef;
  handlers: Record<string, unknown>;
  /** Methods that need no caller identity (identity.ts); every other one refuses a call without. */
  anonymous?: readonly string[];
}

/** Pairs a generated service definition with its handlers, type-checked. */
export function bindService<D extends ServiceDef>(
  definition: D,
  handlers: Handlers<D>,
  opts: { anonymous?: Array<keyof D & string> } = {},
): ServiceRegistration {
  return { name: serviceNameOf(definition), definition, handlers: handlers as Record<string, unknown>, anonymous: opts.anonymous };
}

export interface GrpcServerOptions {
  service: string;
  host?: string;
  port: number;
  logger: Logger;
  metrics: PlatformMetrics;
  services: ServiceRegistration[];
  /** Proto files (relative to proto/) that define the services, for server reflection. */
  protoFiles?: string[];
  /** Serve grpc.reflection (off unless switched on: GRPC_REFLECTION). */
  reflection?: boolean;
  maxConcurrentStreams?: number;
  /** The largest request message accepted (default DEFAULT_MAX_RECEIVE_BYTES). */
  maxReceiveBytes?: number;
  /** Successful calls logged per method and second (createRequestLog); failures always are. */
  requestLogOkPerSecond?: number;
}

/** 64 KiB: many times the largest request any RPC needs (an order of a hundred lines is ~5 KiB). */
export const DEFAULT_MAX_RECEIVE_BYTES = 64 * 1024;

export interface RunningGrpcServer {
  port: number;
  server: grpc.Server;
  health: HealthImplementation;
  /** Marks the server NOT_SERVING, drains in-flight calls, forces after `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

function metadataCarrier(md: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) if (typeof v === 'string') out[k] = v;
  return out;
}

function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): number {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : Infinity;
}

/** Wraps one plain async handler into a grpc-js handler, instrumented by server-call.ts, with abort on cancel. */
function instrument(opts: GrpcServerOptions, requestLog: RequestLog, methodPath: string, kind: 'unary' | 'serverStream', fn: Function) {
  return (call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort(new Error('call cancelled by the client or its deadline')));
    const { ctx, traceId, within, finish } = startServerCall({
      service: opts.service,
      method: methodPath,
      protocol: 'grpc',
      logger: opts.logger,
      metrics: opts.metrics,
      requestLog,
      headers: metadataCarrier(call.metadata),
      metadata: call.metadata,
      deadline: deadlineOf(call),
      signal: abort.signal,
      spanAttributes: { ...addressAttributes('server', call.getHost()), ...addressAttributes('network.peer', call.getPeer()) },
    });

    const run = async () => {
      try {
        if (call.request instanceof RejectedRequest) throw invalidArgument(call.request.reason, 'MALFORMED_REQUEST');
        if (kind === 'unary') {
          const res = await (fn as UnaryHandler<unknown, unknown>)(call.request, ctx);
          callback!(null, res);
          finish(grpc.status.OK);
        } else {
          const stream = call as grpc.ServerWritableStream<unknown, unknown>;
          for await (const msg of (fn as ServerStreamHandler<unknown, unknown>)(call.request, ctx)) {
            if (abort.signal.aborted) break;
            if (!stream.write(msg)) await new Promise((r) => stream.once('drain', r));
          }
          if (abort.signal.aborted) finish(grpc.status.CANCELLED);
          else {
            stream.end();
            finish(grpc.status.OK);
          }
        }
      } catch (err) {
        const se = toServiceError(err, ctx.logger, traceId);
        if (kind === 'unary') callback!(se);
        // grpc-js sends a stream's status from its 'error' listener; destroy() would skip
        // it and leave the client waiting until its deadline.
        else if (!abort.signal.aborted) (call as grpc.ServerWritableStream<unknown, unknown>).emit('error', se);
        finish(abort.signal.aborted ? grpc.status.CANCELLED : se.code, err);
      }
    };
    void within(run);
  };
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_concurrent_streams': opts.maxConcurrentStreams ?? 1000,
    'grpc.keepalive_permit_without_calls': 1,
    // A larger request is RESOURCE_EXHAUSTED before it is read into memory.
    'grpc.max_receive_message_length': opts.maxReceiveBytes ?? DEFAULT_MAX_RECEIVE_BYTES,
  });

  // What each name means: service-health.ts (which keeps them up to date once the server runs).
  const statuses: Record<string, 'SERVING'> = { '': 'SERVING', [LIVENESS]: 'SERVING' };
  const requestLog = createRequestLog(opts.requestLogOkPerSecond ?? DEFAULT_REQUEST_LOG_OK_PER_SECOND);
  for (const reg of opts.services) {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [key, def] of Object.entries(reg.definition)) {
      const fn = reg.handlers[key];
      if (typeof fn !== 'function') throw new Error(`${reg.name}: no handler for ${def.path}`);
      if (def.requestStream) throw new Error(`${def.path}: client streaming is not supported by the platform kit`);
      impl[key] = instrument(opts, requestLog, def.path, def.responseStream ? 'serverStream' : 'unary', fn.bind(reg.handlers)) as grpc.UntypedHandleCall;
    }
    server.addService(guardRequests(reg.definition) as unknown as grpc.ServiceDefinition, impl);
    statuses[reg.name] = 'SERVING';
  }

  const health = new HealthImplementation(statuses);
  health.addToServer(server);

  if (opts.reflection) {
    const protoFiles = [...(opts.protoFiles ?? []).map((f) => path.join(PROTO_ROOT, f)), healthProtoPath];
    const packageDefinition = loadSync(protoFiles, { includeDirs: [PROTO_ROOT], keepCase: true });
    new ReflectionService(packageDefinition).addToServer(server);
  }

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host ?? '0.0.0.0'}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  opts.logger.info({ port, services: opts.services.map((s) => s.name) }, 'gRPC server listening');

  return {
    port,
    server,
    health,
    shutdown: (graceMs) =>
      new Promise<void>((resolve) => {
        for (const name of [...Object.keys(statuses), CONSUMER]) health.setStatus(name, 'NOT_SERVING');
        const force = setTimeout(() => {
          opts.logger.warn({ graceMs }, 'in-flight calls did not finish in time; forcing shutdown');
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

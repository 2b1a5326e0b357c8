import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import type { DescService } from '@bufbuild/protobuf';
import { AuthService } from './gen/foodmesh/edge/v1/auth_pb.js';
import { CustomerService } from './gen/foodmesh/edge/v1/customer_pb.js';
import { NotificationsService } from './gen/foodmesh/edge/v1/notifications_pb.js';
import { OpsService } from './gen/foodmesh/edge/v1/ops_pb.js';
import { OwnerService } from './gen/foodmesh/edge/v1/owner_pb.js';
import { RiderService } from './gen/foodmesh/edge/v1/rider_pb.js';

const TOKEN_KEY = 'foodmesh.token';

let token: string | null = localStorage.getItem(TOKEN_KEY);
let onUnauthenticated: () => void = () => undefined;

export const session = {
  get token() {
    return token;
  },
  set(t: string | null) {
    token = t;
    if (t) localStorage.setItem(TOKEN_KEY, t);
    else localStorage.removeItem(TOKEN_KEY);
  },
  /** Called when the edge says the token is missing, expired or forged. */
  onExpired(fn: () => void) {
    onUnauthenticated = fn;
  },
};

const auth: Interceptor = (next) => async (req) => {
  if (token) req.header.set('authorization', `Bearer ${token}`);
  try {
    return await next(req);
  } catch (err) {
    if (ConnectError.from(err).code === Code.Unauthenticated && req.service.typeName !== AuthService.typeName) onUnauthenticated();
    throw err;
  }
};

// Same origin: the edge serves this app and its API (gRPC-web over HTTP/1.1).
const transport = createGrpcWebTransport({ baseUrl: location.origin, interceptors: [auth], defaultTimeoutMs: 15_000 });

const client = <S extends DescService>(s: S): Client<S> => createClient(s, transport);

export const api = {
  auth: client(AuthService),
  customer: client(CustomerService),
  owner: client(OwnerService),
  rider: client(RiderService),
  notifications: client(NotificationsService),
  ops: client(OpsService),
};

/** Streams have no deadline: they live as long as the screen. */
export const STREAM = { timeoutMs: 0 } as const;

/** A sentence for people from any error of a call. */
export function describeError(err: unknown): string {
  const e = ConnectError.from(err);
  switch (e.code) {
    case Code.Unavailable:
      return `The service is busy right now. ${e.rawMessage ? `(${e.rawMessage})` : ''} Please try again in a moment.`;
    case Code.DeadlineExceeded:
      return 'That took too long. Please try again.';
    case Code.Unauthenticated:
      return 'Your session has ended. Please sign in again.';
    case Code.PermissionDenied:
      return `Not allowed: ${e.rawMessage}`;
    case Code.Internal:
    case Code.Unknown:
      return 'Something went wrong on our side. Please try again.';
    default:
      return e.rawMessage || e.message;
  }
}

export const isAbort = (err: unknown) => ConnectError.from(err).code === Code.Canceled;

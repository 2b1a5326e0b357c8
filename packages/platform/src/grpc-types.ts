import type { Metadata, MethodDefinition } from '@grpc/grpc-js';
import type { Caller } from './identity';
import type { Logger } from './logger';

/** Context given to every handler. */
export interface CallContext {
  /** Full method path, e.g. `/foodmesh.order.v1.OrderService/PlaceOrder`. */
  method: string;
  metadata: Metadata;
  /** Epoch ms; Infinity when the caller set none. */
  deadline: number;
  /** Aborted when the caller cancels or the deadline passes. */
  signal: AbortSignal;
  logger: Logger;
  /** First value of a metadata key, or undefined. */
  header(name: string): string | undefined;
  /** Who is calling, verified before the handler runs (identity.ts); unset only in `anonymous` methods. */
  caller?: Caller;
}

// ts-proto's `outputServices=grpc-js` emits each service as a const object of
// method definitions; these types turn one into handler and client shapes.
type AnyMethod = MethodDefinition<any, any>;
export type RequestOf<M> = M extends MethodDefinition<infer Req, any> ? Req : never;
export type ResponseOf<M> = M extends MethodDefinition<any, infer Res> ? Res : never;
export type ServiceDef = { readonly [method: string]: AnyMethod };

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;
export type ServerStreamHandler<Req, Res> = (request: Req, ctx: CallContext) => AsyncIterable<Res>;

/** Plain async functions, one per RPC: unary returns a promise, server-streaming an async iterable. */
export type Handlers<D extends ServiceDef> = {
  [K in keyof D]: D[K] extends { requestStream: false; responseStream: true }
    ? ServerStreamHandler<RequestOf<D[K]>, ResponseOf<D[K]>>
    : D[K] extends { requestStream: false; responseStream: false }
      ? UnaryHandler<RequestOf<D[K]>, ResponseOf<D[K]>>
      : never;
};

export interface CallOptions {
  /** Overrides the policy timeout (still clamped by the inbound deadline). */
  timeoutMs?: number;
  metadata?: Metadata;
  signal?: AbortSignal;
}

export type PromiseClient<D extends ServiceDef> = {
  [K in keyof D]: D[K] extends { requestStream: false; responseStream: true }
    ? (request: RequestOf<D[K]>, opts?: CallOptions) => AsyncIterable<ResponseOf<D[K]>>
    : D[K] extends { requestStream: false; responseStream: false }
      ? (request: RequestOf<D[K]>, opts?: CallOptions) => Promise<ResponseOf<D[K]>>
      : never;
};

/** `/pkg.Service/Method` → `pkg.Service`. */
export function serviceNameOf(def: ServiceDef): string {
  const first = Object.values(def)[0];
  if (!first) throw new Error('service definition has no methods');
  return first.path.split('/')[1]!;
}

/** `/pkg.Service/Method` → `Method`. */
export function methodNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

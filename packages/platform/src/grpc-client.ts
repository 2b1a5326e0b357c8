import * as grpc from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { currentScope, effectiveDeadline } from './call-scope';
import { statusName } from './grpc-errors';
import { methodNameOf, serviceNameOf, type CallOptions, type PromiseClient, type ServiceDef } from './grpc-types';
import type { WorkloadCredential } from './identity';
import type { Logger } from './logger';
import { localSettings, toGrpcServiceConfig, upstreamPolicy, type MeshPolicy } from './mesh-policy';
import type { PlatformMetrics } from './metrics';
import { createUpstreamResilience, type UpstreamResilience } from './resilience';
import { addressAttributes, GRPC_STATUS_CODE, rpcSpan } from './semconv';
import { getTracer, injectTraceContext } from './telemetry';
import { upstreamTarget } from './upstream-address';

export interface GrpcClientOptions {
  /** host:port of the upstream, or its replicas as ip:port,ip:port (balanced round-robin). */
  address: string;
  /** The upstream's key in mesh/policy.yaml, e.g. `payment`. */
  upstream: string;
  policy: MeshPolicy;
  /** `mesh`: the sidecar retries and ejects, so the app does not. */
  resilienceMode: 'local' | 'mesh';
  /** The calling service, for its spans. */
  caller: string;
  metrics?: PlatformMetrics;
  logger?: Logger;
  /** Proves the calling workload on every call (identity.ts); none in the mesh, where mTLS does. */
  workloadIdentity?: WorkloadCredential;
}

export type GrpcClient<D extends ServiceDef> = PromiseClient<D> & { close(): void; raw: grpc.Client; resilience: UpstreamResilience };

function deadlineExceeded(path: string): grpc.ServiceError {
  return Object.assign(new Error(`${path}: no time left before the caller's deadline`), {
    code: grpc.status.DEADLINE_EXCEEDED,
    details: "no time left before the caller's deadline",
    metadata: new grpc.Metadata(),
  });
}

function callerCancelled(path: string): grpc.ServiceError {
  return Object.assign(new Error(`${path}: the inbound call was cancelled`), {
    code: grpc.status.CANCELLED,
    details: 'the inbound call was cancelled',
    metadata: new grpc.Metadata(),
  });
}

/** What cancels an outbound call: the caller's own signal, and the inbound call it is made for. */
const cancellers = (callOpts?: CallOptions): AbortSignal[] => [callOpts?.signal, currentScope()?.signal].filter((s): s is AbortSignal => s !== undefined);
const onAbort = (signals: AbortSignal[], cancel: () => void) => {
  for (const s of signals) s.addEventListener('abort', cancel, { once: true });
};

/**
 * A promise-based client for one upstream. Every call has a deadline: the
 * policy timeout (or `opts.timeoutMs`), clamped by the inbound call's deadline.
 * Unary calls go through the upstream's resilience (retries with per-try
 * timeouts for idempotent methods, breaker, concurrency cap) in local mode.
 * Trace context and the request id travel in metadata.
 */
export function createGrpcClient<D extends ServiceDef>(definition: D, opts: GrpcClientOptions): GrpcClient<D> {
  const serviceName = serviceNameOf(definition);
  const policy = upstreamPolicy(opts.policy, opts.upstream, serviceName);
  const Ctor = grpc.makeGenericClientConstructor(definition as unknown as grpc.ServiceDefinition, serviceName);
  const parsed = upstreamTarget(opts.address);
  if ('error' in parsed) throw new Error(`${opts.upstream}'s address "${opts.address}" ${parsed.error}`);
  const client = new Ctor(parsed.target, grpc.credentials.createInsecure(), {
    'grpc.service_config': JSON.stringify(
      toGrpcServiceConfig(
        policy,
        Object.values(definition)
          .filter((d) => !d.responseStream)
          .map((d) => methodNameOf(d.path)),
      ),
    ),
    'grpc.enable_retries': 0, // resilience.ts retries (see toGrpcServiceConfig)
    'grpc.keepalive_time_ms': 30_000,
  }) as unknown as grpc.Client & Record<string, Function>;
  const tracer = getTracer(opts.caller);
  const serverAddress = addressAttributes('server', opts.address);
  const resilience = createUpstreamResilience({
    upstream: opts.upstream,
    settings: localSettings(policy, opts.resilienceMode),
    logger: opts.logger,
    metrics: opts.metrics,
  });

  const prepare = (path: string, deadline: number, callOpts: CallOptions = {}) => {
    if (deadline <= Date.now()) throw deadlineExceeded(path);
    if (currentScope()?.signal?.aborted) throw callerCancelled(path);
    const { name, attributes } = rpcSpan(path);
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { ...attributes, ...serverAddress } });
    const metadata = callOpts.metadata?.clone() ?? new grpc.Metadata();
    opts.workloadIdentity?.(metadata);
    for (const [k, v] of Object.entries(injectTraceContext(trace.setSpan(context.active(), span)))) metadata.set(k, v);
    const requestId = currentScope()?.requestId;
    if (requestId && !metadata.get('x-request-id').length) metadata.set('x-request-id', requestId);
    const started = process.hrtime.bigint();
    const done = (code: grpc.status) => {
      opts.metrics?.clientHandled.inc({ method: path, code: statusName(code) });
      opts.metrics?.clientLatency.observe({ method: path }, Number(process.hrtime.bigint() - started) / 1e9);
      if (code !== grpc.status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: statusName(code) });
      span.setAttribute(GRPC_STATUS_CODE, code);
      span.end();
    };
    return { metadata, options: { deadline: Number.isFinite(deadline) ? new Date(deadline) : Infinity } as grpc.CallOptions, done };
  };

  const api: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(definition)) {
    if (def.responseStream) {
      api[key] = (request: unknown, callOpts: CallOptions = {}) => {
        const { metadata, options, done } = prepare(def.path, effectiveDeadline(callOpts.timeoutMs ?? Infinity), callOpts);
        const stream: grpc.ClientReadableStream<unknown> = client[key]!(request, metadata, options);
        onAbort(cancellers(callOpts), () => stream.cancel());
        stream.on('status', (s: grpc.StatusObject) => done(s.code));
        // A caller that stops iterating (break, return, throw) cancels the call, so the
        // server frees what the stream holds (e.g. a status watch) at once.
        return (async function* () {
          try {
            yield* stream;
          } finally {
            stream.cancel();
          }
        })();
      };
    } else {
      const method = methodNameOf(def.path);
      api[key] = (request: unknown, callOpts?: CallOptions) => {
        const deadline = effectiveDeadline(callOpts?.timeoutMs ?? policy.timeoutMs);
        if (deadline <= Date.now()) return Promise.reject(deadlineExceeded(def.path));
        const signals = cancellers(callOpts);
        return resilience.execute(
          method,
          deadline,
          (tryDeadline) =>
            new Promise((resolve, reject) => {
              const { metadata, options, done } = prepare(def.path, tryDeadline, callOpts);
              const call: grpc.ClientUnaryCall = client[key]!(request, metadata, options, (err: grpc.ServiceError | null, res: unknown) => {
                done(err ? err.code : grpc.status.OK);
                if (err) reject(err);
                else resolve(res);
              });
              onAbort(signals, () => call.cancel());
            }),
        );
      };
    }
  }
  return Object.assign(api as PromiseClient<D>, { close: () => client.close(), raw: client, resilience });
}

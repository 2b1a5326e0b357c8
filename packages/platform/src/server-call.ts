import { randomUUID } from 'node:crypto';
import { status as grpcStatus, type Metadata } from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { CallContext } from './grpc-types';
import { statusName } from './grpc-errors';
import { lazyChild, type Logger, type RequestLog } from './logger';
import type { PlatformMetrics } from './metrics';
import { runInScope, type CallScope } from './call-scope';
import { CONNECT_ERROR_CODE, GRPC_STATUS_CODE, rpcSpan } from './semconv';
import { extractTraceContext, getTracer } from './telemetry';

/** What a transport knows of an inbound call before its handler runs. */
export interface InboundCall {
  service: string;
  /** `/package.Service/Method`. */
  method: string;
  /** `grpc` (also gRPC-web) or `connect_rpc` (the Connect protocol), for the span's conventions. */
  protocol: 'grpc' | 'connect_rpc';
  logger: Logger;
  metrics: PlatformMetrics;
  /** The server's request log (createRequestLog): samples successful calls' lines under load. */
  requestLog: RequestLog;
  /** The request's headers (trace context, x-request-id). */
  headers: Record<string, string>;
  metadata: Metadata;
  /** Epoch ms; Infinity when the caller set none. */
  deadline: number;
  signal: AbortSignal;
  /** Server and peer address attributes. */
  spanAttributes?: Attributes;
  /** Extra fields on the call's log lines (e.g. the edge's protocol name). */
  logFields?: Record<string, unknown>;
}

export interface ServerCall {
  ctx: CallContext;
  traceId: string;
  /** Runs `fn` inside the call's span and deadline scope (outbound calls inherit both). */
  within<T>(fn: () => T): T;
  /** Ends the call once: metrics, span status, one log line. */
  finish(code: number, err?: unknown): void;
}

/**
 * The one instrumentation of an inbound RPC, whichever server received it
 * (grpc-server.ts's grpc-js, the edge's Connect routes): a SERVER span child of
 * the caller's trace context, the handler's CallContext, the deadline scope,
 * then on finish the RPC metrics, the span's status and its log line (sampled under load).
 */
export function startServerCall(call: InboundCall): ServerCall {
  const started = process.hrtime.bigint();
  const parent = extractTraceContext(call.headers);
  const { name, attributes } = rpcSpan(call.method, call.protocol);
  const span = getTracer(call.service).startSpan(name, { kind: SpanKind.SERVER, attributes: { ...attributes, ...call.spanAttributes } }, parent);
  const traceId = span.spanContext().traceId;
  const requestId = call.headers['x-request-id'] ?? randomUUID();
  // Aborted when the client cancels (the transport's signal) or the deadline passes, whatever the
  // transport does then, so the work the call started (pg.ts, grpc-client.ts) stops.
  const ended = new AbortController();
  const end = () => ended.abort(new Error('call cancelled by the client or its deadline'));
  if (call.signal.aborted) end();
  else call.signal.addEventListener('abort', end, { once: true });
  const deadlineTimer = Number.isFinite(call.deadline) ? setTimeout(end, Math.max(0, call.deadline - Date.now())) : undefined;
  const signal = ended.signal;
  const ctx: CallContext = lazyChild(
    {
      method: call.method,
      metadata: call.metadata,
      deadline: call.deadline,
      signal,
      header: (name: string) => call.headers[name],
    },
    call.logger,
    () => ({ method: call.method, trace_id: traceId, request_id: requestId, ...call.logFields }),
  );
  const scope: CallScope = { deadline: call.deadline, signal, requestId };
  let finished = false;

  return {
    ctx,
    traceId,
    within: (fn) => context.with(trace.setSpan(parent, span), () => runInScope(scope, fn)),
    finish(code, err) {
      if (finished) return;
      finished = true;
      // Work the handler left running on purpose (fire-and-forget) is no longer the caller's:
      // the call's deadline and cancellation stop bounding it once the call has its answer.
      clearTimeout(deadlineTimer);
      call.signal.removeEventListener('abort', end);
      scope.deadline = Infinity;
      delete scope.signal;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      call.metrics.serverHandled.inc({ method: call.method, code: statusName(code) });
      call.metrics.serverLatency.observe({ method: call.method }, seconds);
      if (call.protocol === 'grpc') span.setAttribute(GRPC_STATUS_CODE, code);
      else if (code !== grpcStatus.OK) span.setAttribute(CONNECT_ERROR_CODE, statusName(code).toLowerCase());
      if (code !== grpcStatus.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: statusName(code) });
      span.end();
      call.requestLog(
        ctx,
        call.method,
        { code: statusName(code), ms: Math.round(seconds * 1000) },
        code === grpcStatus.OK || code === grpcStatus.CANCELLED,
        err,
      );
    },
  };
}

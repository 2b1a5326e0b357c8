import { randomUUID } from 'node:crypto';
import { Metadata, type MethodDefinition } from '@grpc/grpc-js';
import { fromBinary, toBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  addressAttributes,
  CONNECT_ERROR_CODE,
  extractTraceContext,
  GRPC_STATUS_CODE,
  rpcSpan,
  getTracer,
  requestDecoder,
  runInScope,
  statusName,
  toServiceError,
  type CallContext,
  type Logger,
  type PlatformMetrics,
  type ServiceRegistration,
} from '@foodmesh/platform';
import { answerUnparsableRequestsWithInvalidArgument } from './connect-parse-errors';

type Def = MethodDefinition<unknown, unknown>;

/**
 * Serves services written once for the platform's gRPC server (bindService
 * with ts-proto types) through Connect (gRPC-web, Connect protocol) as well.
 * Messages cross between protobuf-es and ts-proto as their binary encoding,
 * which both produce from the same .proto: encode one, decode the other. Each
 * call gets what the platform's server gives a handler: a CallContext, the
 * deadline scope for outbound calls, the one error mapping, metrics, a span
 * and a log line.
 */
export function connectRoutes(opts: {
  service: string;
  logger: Logger;
  metrics: PlatformMetrics;
  services: Array<{ desc: DescService; registration: ServiceRegistration }>;
}) {
  const tracer = getTracer(opts.service);

  const callContext = (path: string, hctx: HandlerContext, requestId: string, traceId: string): CallContext => {
    const metadata = new Metadata();
    hctx.requestHeader.forEach((value, key) => {
      if (!key.endsWith('-bin')) metadata.set(key, value);
    });
    const timeout = hctx.timeoutMs();
    return {
      method: path,
      metadata,
      deadline: timeout === undefined ? Infinity : Date.now() + timeout,
      signal: hctx.signal,
      logger: opts.logger.child({ method: path, trace_id: traceId, request_id: requestId, protocol: hctx.protocolName }),
      header: (name) => hctx.requestHeader.get(name) ?? undefined,
    };
  };

  /** Runs one call: `body` gets the CallContext inside the deadline scope and the call's span. */
  function instrumented(path: string, hctx: HandlerContext) {
    const started = process.hrtime.bigint();
    const carrier: Record<string, string> = {};
    hctx.requestHeader.forEach((v, k) => (carrier[k] = v));
    const parent = extractTraceContext(carrier);
    // gRPC-web is gRPC's protocol over HTTP/1.1; the Connect protocol has conventions of its own.
    const connect = hctx.protocolName === 'connect';
    const { name, attributes } = rpcSpan(path, connect ? 'connect_rpc' : 'grpc');
    const host = addressAttributes('server', hctx.requestHeader.get('host') ?? undefined);
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: { ...attributes, ...host } }, parent);
    const requestId = hctx.requestHeader.get('x-request-id') ?? randomUUID();
    const ctx = callContext(path, hctx, requestId, span.spanContext().traceId);
    const scope = { deadline: ctx.deadline, requestId };
    const within = <T>(fn: () => T): T => context.with(trace.setSpan(parent, span), () => runInScope(scope, fn));

    const finish = (code: number, err?: unknown) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      opts.metrics.serverHandled.inc({ method: path, code: statusName(code) });
      opts.metrics.serverLatency.observe({ method: path }, seconds);
      if (!connect) span.setAttribute(GRPC_STATUS_CODE, code);
      else if (code !== 0) span.setAttribute(CONNECT_ERROR_CODE, statusName(code).toLowerCase());
      if (code !== 0) span.setStatus({ code: SpanStatusCode.ERROR, message: statusName(code) });
      span.end();
      const line = { code: statusName(code), ms: Math.round(seconds * 1000) };
      if (code === 0 || code === Code.Canceled) ctx.logger.info(line, 'rpc');
      else ctx.logger.warn({ ...line, err: err instanceof Error ? err.message : err }, 'rpc failed');
    };
    const fail = (err: unknown): never => {
      if (hctx.signal.aborted && !(err instanceof ConnectError)) {
        finish(Code.Canceled, err);
        throw new ConnectError('the call was cancelled', Code.Canceled);
      }
      const se = toServiceError(err, ctx.logger, span.spanContext().traceId);
      finish(se.code, err);
      const trailers = new Headers();
      for (const [k, v] of Object.entries(se.metadata.getMap())) if (typeof v === 'string') trailers.set(k, v);
      throw new ConnectError(se.details, se.code as number as Code, trailers);
    };
    return { ctx, within, finish, fail };
  }

  // The platform's request guard (UTF-8, NUL, max_length), as on the gRPC port: the message is
  // checked on its binary encoding, which is what protobuf-es and ts-proto have in common.
  const unary = (m: DescMethod, def: Def, fn: Function) => {
    const decode = requestDecoder(def);
    return async (req: never, hctx: HandlerContext) => {
      const call = instrumented(def.path, hctx);
      try {
        const request = decode(Buffer.from(toBinary(m.input, req)));
        const res = await call.within(() => fn(request, call.ctx) as Promise<unknown>);
        const out = fromBinary(m.output, def.responseSerialize(res));
        call.finish(0);
        return out;
      } catch (err) {
        return call.fail(err);
      }
    };
  };

  const serverStream = (m: DescMethod, def: Def, fn: Function) => {
    const decode = requestDecoder(def);
    return async function* (req: never, hctx: HandlerContext) {
      const call = instrumented(def.path, hctx);
      try {
        const request = decode(Buffer.from(toBinary(m.input, req)));
        const it = call.within(() => (fn(request, call.ctx) as AsyncIterable<unknown>)[Symbol.asyncIterator]());
        try {
          for (;;) {
            const next = await call.within(() => it.next());
            if (next.done) break;
            yield fromBinary(m.output, def.responseSerialize(next.value));
          }
        } finally {
          await it.return?.();
        }
        call.finish(hctx.signal.aborted ? Code.Canceled : 0);
      } catch (err) {
        call.fail(err);
      }
    };
  };

  answerUnparsableRequestsWithInvalidArgument();
  return (router: ConnectRouter) => {
    for (const { desc, registration } of opts.services) {
      const defs = Object.entries(registration.definition) as Array<[string, Def & { responseStream: boolean }]>;
      const impl: Record<string, unknown> = {};
      for (const m of desc.methods) {
        const path = `/${desc.typeName}/${m.name}`;
        const found = defs.find(([, d]) => d.path === path);
        if (!found) throw new Error(`${path}: no handler registered for it`);
        const [key, def] = found;
        const fn = (registration.handlers[key] as Function).bind(registration.handlers);
        if (m.methodKind === 'unary') impl[m.localName] = unary(m, def, fn);
        else if (m.methodKind === 'server_streaming') impl[m.localName] = serverStream(m, def, fn);
        else throw new Error(`${path}: only unary and server-streaming methods are served`);
      }
      router.service(desc, impl as never);
    }
  };
}

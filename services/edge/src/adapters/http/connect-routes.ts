import { Metadata, type MethodDefinition } from '@grpc/grpc-js';
import { fromBinary, toBinary, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import {
  addressAttributes,
  createRequestLog,
  requestDecoder,
  startServerCall,
  toServiceError,
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
 * call is instrumented by the platform's one server-call.ts, as on the gRPC
 * port, and errors go through the one error mapping.
 */
export function connectRoutes(opts: {
  service: string;
  logger: Logger;
  metrics: PlatformMetrics;
  services: Array<{ desc: DescService; registration: ServiceRegistration }>;
  /** Successful calls logged per method and second (the platform's createRequestLog). */
  requestLogOkPerSecond: number;
}) {
  const requestLog = createRequestLog(opts.requestLogOkPerSecond);
  /** Runs one call, instrumented as the gRPC port's are (server-call.ts); `fail` answers an error as Connect does. */
  function instrumented(path: string, hctx: HandlerContext) {
    const headers: Record<string, string> = {};
    hctx.requestHeader.forEach((v, k) => (headers[k] = v));
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(headers)) if (!k.endsWith('-bin')) metadata.set(k, v);
    const timeout = hctx.timeoutMs();
    const call = startServerCall({
      service: opts.service,
      method: path,
      // gRPC-web is gRPC's protocol over HTTP/1.1; the Connect protocol has conventions of its own.
      protocol: hctx.protocolName === 'connect' ? 'connect_rpc' : 'grpc',
      logger: opts.logger,
      metrics: opts.metrics,
      requestLog,
      headers,
      metadata,
      deadline: timeout === undefined ? Infinity : Date.now() + timeout,
      signal: hctx.signal,
      spanAttributes: addressAttributes('server', headers.host),
      logFields: { protocol: hctx.protocolName },
    });
    const fail = (err: unknown): never => {
      if (hctx.signal.aborted && !(err instanceof ConnectError)) {
        call.finish(Code.Canceled, err);
        throw new ConnectError('the call was cancelled', Code.Canceled);
      }
      const se = toServiceError(err, call.ctx.logger, call.traceId);
      call.finish(se.code, err);
      const trailers = new Headers();
      for (const [k, v] of Object.entries(se.metadata.getMap())) if (typeof v === 'string') trailers.set(k, v);
      throw new ConnectError(se.details, se.code as number as Code, trailers);
    };
    return { ...call, fail };
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

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { Payment, PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { testClient, testIdentity, testLogger } from '@foodmesh/testkit';
import { baseConfigSchema, bindService, parseConfig, runService } from '../src';

/** What this test reads of an OTLP span (opentelemetry/proto/trace/v1/trace.proto). */
interface OtlpSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string>;
}

/** Field `n` of each length-delimited submessage (or string) in `bytes`, in order. */
function fields(bytes: Uint8Array): Array<[number, Uint8Array]> {
  const r = new BinaryReader(bytes);
  const out: Array<[number, Uint8Array]> = [];
  while (r.pos < r.len) {
    const [no, type] = r.tag();
    if (type === WireType.LengthDelimited) out.push([no, r.bytes()]);
    else if (type === WireType.Varint) out.push([no, Uint8Array.of(Number(r.uint64()))]);
    else r.skip(type, no);
  }
  return out;
}
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** KeyValue { key = 1; AnyValue value = 2 { string_value = 1 } } → [key, string value]. */
const keyValue = (kv: Uint8Array): [string, string] => {
  const f = fields(kv);
  const value = f.find(([n]) => n === 2)?.[1];
  const str = value && fields(value).find(([n]) => n === 1)?.[1];
  return [text(f.find(([n]) => n === 1)![1]), str ? text(str) : ''];
};

/** ExportTraceServiceRequest → resource_spans(1) → { resource(1) → attributes(1), scope_spans(2) → spans(2) }. */
function decodeExport(body: Uint8Array): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (const [, rs] of fields(body).filter(([n]) => n === 1)) {
    const parts = fields(rs);
    const resource = parts.find(([n]) => n === 1)?.[1];
    const resourceAttrs = Object.fromEntries(
      resource
        ? fields(resource)
            .filter(([n]) => n === 1)
            .map(([, kv]) => keyValue(kv))
        : [],
    );
    for (const [, scope] of parts.filter(([n]) => n === 2)) {
      for (const [, span] of fields(scope).filter(([n]) => n === 2)) {
        const f = fields(span);
        const get = (n: number) => f.find(([k]) => k === n)?.[1] ?? new Uint8Array();
        spans.push({
          service: resourceAttrs['service.name'] ?? '',
          traceId: hex(get(1)),
          spanId: hex(get(2)),
          parentSpanId: hex(get(4)),
          name: text(get(5)),
          kind: get(6)[0] ?? 0,
          attributes: Object.fromEntries(f.filter(([n]) => n === 9).map(([, kv]) => keyValue(kv))),
        });
      }
    }
  }
  return spans;
}

/**
 * Spans leave a service the standard way: OTLP/HTTP (protobuf) to OTEL_EXPORTER_OTLP_ENDPOINT,
 * in batches, and whatever is still batched when the service stops is flushed on the way out.
 * The collector here is a plain HTTP server that decodes what it receives.
 */
describe('span export over OTLP', () => {
  const received: OtlpSpan[] = [];
  let collector: http.Server;

  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/x-protobuf') received.push(...decodeExport(Buffer.concat(chunks)));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise((r) => collector.close(r)));

  it('batches spans and flushes them when the service stops, client and server in one trace', async () => {
    const config = parseConfig(baseConfigSchema, {
      SERVICE_NAME: 'otlp-payment',
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      ...testIdentity.serviceEnv(),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      // Longer than the test: only the flush on stop can deliver the spans.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    const service = await runService({
      config,
      logger: testLogger('otlp-payment'),
      protoFiles: ['foodmesh/payment/v1/payment.proto'],
      build: async () => [
        bindService(PaymentServiceService, {
          pay: async () => {
            throw new Error('not used');
          },
          getPayment: async (req) => ({ payment: Payment.fromPartial({ paymentId: req.paymentId }) }),
          listPayments: async () => {
            throw new Error('not used');
          },
        }),
      ],
    });
    const client = testClient(PaymentServiceService, `127.0.0.1:${service.grpcPort}`, testIdentity.workload('order'));
    try {
      await client.getPayment({ paymentId: 'p-1' });
    } finally {
      client.close();
    }
    expect(received).toEqual([]); // batched, not sent span by span
    await service.stop();

    const server = received.find((s) => s.kind === 2 /* SERVER */);
    const caller = received.find((s) => s.kind === 3 /* CLIENT */);
    expect(server).toMatchObject({
      service: 'otlp-payment',
      name: 'foodmesh.payment.v1.PaymentService/GetPayment',
      attributes: { 'rpc.system': 'grpc', 'rpc.service': 'foodmesh.payment.v1.PaymentService', 'rpc.method': 'GetPayment', 'server.address': '127.0.0.1' },
    });
    expect(caller?.name).toBe('foodmesh.payment.v1.PaymentService/GetPayment');
    expect(server!.traceId).toBe(caller!.traceId);
    expect(server!.parentSpanId).toBe(caller!.spanId);
  });
});

import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { startObservability, type Observability, type RunningStack } from '@foodmesh/local-infra';
import { getTracer, initTelemetry, parseConfig, shutdownTelemetry, telemetryConfigSchema } from '@foodmesh/platform';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { CustomerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/customer';
import { eventually, startTestStack, testClient } from '@foodmesh/testkit';
import { connectClients, type Clients } from '../src/clients';
import { Flows } from '../src/flows';
import { checkRecordingRules } from '../src/metrics-report';
import { Report } from '../src/report';

/** A span as Zipkin's API returns it (Zipkin lower-cases span and service names). */
interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  name: string;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

/**
 * `npm run scenario`, as part of the test suite: every service built and run as
 * `npm start -- --observe` runs it (child processes, own databases, spans to Zipkin,
 * Prometheus scraping each), on the test run's PostgreSQL + Kafka, driven through the
 * ten steps and the side paths; and what the trace backend and the recording rules
 * make of it.
 */
describe('end-to-end scenario on the whole stack', () => {
  let observability: Observability;
  let stack: RunningStack;
  let clients: Clients;
  const lines: string[] = [];
  const report = new Report((l) => lines.push(l));

  beforeAll(async () => {
    // The first run on a machine builds Prometheus (minutes) and fetches Zipkin; later ones take seconds.
    observability = await startObservability({ log: (l) => process.stderr.write(`[observe] ${l}\n`) });
    // This test process is a traced client too: its calls are the roots of their traces.
    await initTelemetry({
      settings: { ...parseConfig(telemetryConfigSchema, observability.serviceEnv), SERVICE_NAME: 'scenario-test', SERVICE_VERSION: 'test' },
    });
    ({ stack } = await startTestStack('e2e', { observability }));
    clients = connectClients(Object.fromEntries(stack.services.map((s) => [s.name, s.address])), stack.identity);
  }, 15 * 60_000);

  afterAll(async () => {
    clients?.close();
    await stack?.stop();
    await shutdownTelemetry();
    await observability?.stop();
    // What a person would have seen from `npm run scenario`.
    process.stdout.write(`${lines.join('\n')}\n${report.summary()}\n`);
  });

  const flows = () => new Flows(clients, report);
  // The report is shared (its summary covers the whole run); each test answers for its own steps only.
  let failuresBefore = 0;
  beforeEach(() => {
    failuresBefore = report.failures.length;
  });
  const newFailures = () => report.failures.slice(failuresBefore);

  it('traces one order placed through the edge as one trace, across order, payment, store, orderview and notification', async () => {
    const edge = testClient(CustomerServiceService, stack.services.find((s) => s.name === 'edge')!.address);
    const root = getTracer('scenario-test').startSpan('place one order');
    const traceId = root.spanContext().traceId;
    let orderId: string;
    try {
      const placed = await context.with(trace.setSpan(context.active(), root), () =>
        edge.placeOrder(
          {
            storeId: 'store-gangnam-chicken',
            items: [{ menuItemId: 'chk-fried', quantity: 1 }],
            deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5006, lng: 127.0364 }, text: 'Teheran-ro 212' },
            idempotencyKey: randomUUID(),
            expectedTotal: undefined,
            paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
          },
          stack.identity.asUser({ userId: 'customer-trace', role: 'customer' }),
        ),
      );
      orderId = placed.order!.orderId;
    } finally {
      root.end();
      edge.close();
    }

    const zipkin = async <T>(query: string): Promise<T> => (await fetch(`${observability.zipkinUrl}/api/v2/${query}`)).json() as Promise<T>;
    const consumers = ['notification', 'orderview', 'store'];
    const isOrderPlaced = (sp: ZipkinSpan) => sp.tags?.['foodmesh.event.type'] === 'foodmesh.events.v1.OrderPlaced';
    const place = 'foodmesh.order.v1.orderservice/placeorder';
    const pay = 'foodmesh.payment.v1.paymentservice/pay';

    // Each process sends its spans every second, in batches of its own, and the consumers handle the
    // event after the call returned: the whole trace is checked again until it is all there.
    await eventually(
      async () => {
        const spans = await zipkin<ZipkinSpan[]>(`trace/${traceId}`);
        // One trace: the order's id leads to this trace, and to no other.
        const byOrder = await zipkin<ZipkinSpan[][]>(`traces?annotationQuery=${encodeURIComponent(`foodmesh.order.id=${orderId}`)}&limit=10`);
        expect(byOrder.map((t) => t[0]!.traceId)).toEqual([traceId]);
        const services = new Set(spans.map((sp) => sp.localEndpoint?.serviceName));
        expect(['scenario-test', 'edge', 'order', 'payment', ...consumers].filter((s) => !services.has(s))).toEqual([]);

        // Parent links intact: one root (this test's span), and every other span's parent is in the trace.
        const ids = new Set(spans.map((sp) => sp.id));
        expect(spans.filter((sp) => !sp.parentId).map((sp) => sp.name)).toEqual(['place one order']);
        expect(spans.filter((sp) => sp.parentId && !ids.has(sp.parentId)).map((sp) => sp.name)).toEqual([]);

        const one = (service: string, kind: ZipkinSpan['kind'], name: string, where: (sp: ZipkinSpan) => boolean = () => true) => {
          const matches = spans.filter((sp) => sp.localEndpoint?.serviceName === service && sp.kind === kind && sp.name === name && where(sp));
          expect(matches.map((sp) => `${service} ${kind} ${sp.name}`)).toEqual([`${service} ${kind} ${name}`]);
          return matches[0]!;
        };
        // Across gRPC: each hop's server span is the child of its caller's client span.
        const edgeIn = one('edge', 'SERVER', 'foodmesh.edge.v1.customerservice/placeorder');
        expect(spans.find((sp) => sp.id === edgeIn.parentId)).toMatchObject({ kind: 'CLIENT', localEndpoint: { serviceName: 'scenario-test' } });
        expect(one('edge', 'CLIENT', place).parentId).toBe(edgeIn.id);
        expect(one('order', 'SERVER', place).parentId).toBe(one('edge', 'CLIENT', place).id);
        expect(one('payment', 'SERVER', pay).parentId).toBe(one('order', 'CLIENT', pay).id);
        // Across Kafka: OrderPlaced's creation span (order, inside PlaceOrder) is the parent of every consumer's processing of it.
        const created = one('order', 'PRODUCER', 'create order.events', isOrderPlaced);
        expect(created.parentId).toBe(one('order', 'SERVER', place).id);
        expect(created.tags).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': 'order.events', 'foodmesh.order.id': orderId });
        for (const c of consumers) {
          const processed = one(c, 'CONSUMER', 'process order.events', isOrderPlaced);
          expect(processed.parentId).toBe(created.id);
          expect(processed.tags).toMatchObject({ 'messaging.message.id': created.tags!['messaging.message.id'], 'messaging.consumer.group.name': c });
        }
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  }, 90_000);

  it('walks the ten steps: order, pay, owner, cook, rider, watch, delivered', async () => {
    await flows().tenSteps();
    expect(newFailures()).toEqual([]);
    expect(report.passed).toBe(10);
  }, 120_000);

  it('refunds a paid order the store rejects', async () => {
    await flows().storeRejects();
    expect(newFailures()).toEqual([]);
  }, 60_000);

  it('cancels and refunds before cooking', async () => {
    await flows().cancelBeforeCooking();
    expect(newFailures()).toEqual([]);
  }, 60_000);

  it('refuses a cancel after cooking started', async () => {
    await flows().cancelAfterCooking();
    expect(newFailures()).toEqual([]);
  }, 60_000);

  it('keeps an order when payment is down and takes the payment later', async () => {
    await flows().payLater();
    expect(newFailures()).toEqual([]);
  }, 90_000);

  it("gives the recording rules data: Prometheus over the stack's metrics during the scenario", async () => {
    await checkRecordingRules(report, observability.prometheusUrl);
    expect(newFailures()).toEqual([]);
  }, 90_000);
});

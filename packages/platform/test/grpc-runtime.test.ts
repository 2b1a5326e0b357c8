import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { trace } from '@opentelemetry/api';
import { service as HealthService } from 'grpc-health-check';
import { Order, OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentServiceService, Payment } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { Notification, NotificationServiceService } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import { testIdentity, testLogger } from '@foodmesh/testkit';
import {
  baseConfigSchema,
  bindService,
  createGrpcClient,
  failedPrecondition,
  loadMeshPolicy,
  notFound,
  parseConfig,
  runService,
  type GrpcClient,
  type RunningService,
} from '../src';

const notUsed = async (): Promise<never> => {
  throw new Error('not used in this test');
};
const config = (name: string, extra: Record<string, string> = { GRPC_REFLECTION: 'on' }) =>
  parseConfig(baseConfigSchema, {
    SERVICE_NAME: name,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    SHUTDOWN_GRACE_MS: '3000',
    ...testIdentity.serviceEnv(),
    ...extra,
  });

/** The first answer of grpc.reflection's ListServices, or the error the server gives. */
async function listServices(port: number): Promise<string[]> {
  const protoFile = path.join(path.dirname(require.resolve('@grpc/reflection')), '../proto/grpc/reflection/v1alpha/reflection.proto');
  const def = grpc.loadPackageDefinition(loadSync(protoFile, { keepCase: true })) as any;
  const refl = new def.grpc.reflection.v1alpha.ServerReflection(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = refl.ServerReflectionInfo();
  try {
    return await new Promise<string[]>((resolve, reject) => {
      call.on('data', (res: any) => resolve(res.list_services_response.service.map((s: any) => s.name)));
      call.on('error', reject);
      call.write({ list_services: '' });
    });
  } finally {
    call.end();
    refl.close();
  }
}

describe('gRPC runtime: health, reflection, errors, deadlines, tracing, metrics, shutdown', () => {
  let downstream: RunningService;
  let upstream: RunningService;
  let client: GrpcClient<typeof OrderServiceService>;
  const seenByDownstream: { deadlineLeftMs: number; traceId: string }[] = [];
  let upstreamTraceId = '';

  beforeAll(async () => {
    // "payment": records the deadline and trace it was called with.
    downstream = await runService({
      config: config('kit-payment'),
      logger: testLogger('kit-payment'),
      protoFiles: ['foodmesh/payment/v1/payment.proto'],
      build: async () => [
        bindService(PaymentServiceService, {
          pay: notUsed,
          listPayments: notUsed,
          getPayment: async (req, ctx) => {
            seenByDownstream.push({ deadlineLeftMs: ctx.deadline - Date.now(), traceId: trace.getActiveSpan()?.spanContext().traceId ?? '' });
            return { payment: Payment.fromPartial({ paymentId: req.paymentId }) };
          },
        }),
      ],
    });
    // "order": calls payment with a 2 s policy timeout; fails in the ways the tests need.
    upstream = await runService({
      config: config('kit-order'),
      logger: testLogger('kit-order'),
      protoFiles: ['foodmesh/order/v1/order.proto', 'foodmesh/notification/v1/notification.proto'],
      build: async (rt) => {
        const payments = rt.client(PaymentServiceService, 'payment', `127.0.0.1:${downstream.grpcPort}`);
        return [
          bindService(OrderServiceService, {
            placeOrder: notUsed,
            payOrder: notUsed,
            confirmDelivered: notUsed,
            getOrderOwner: notUsed,
            cancelOrder: async () => {
              throw failedPrecondition('cooking has already started, so the order can no longer be cancelled');
            },
            getOrder: async (req) => {
              if (req.orderId === 'boom') throw new TypeError("Cannot read properties of undefined (reading 'secret')");
              if (req.orderId === 'slow') await new Promise((r) => setTimeout(r, 600));
              if (req.orderId === 'detached') {
                // Work left running on purpose after the answer, past the call's deadline.
                setTimeout(() => void payments.getPayment({ paymentId: 'pay-detached' }).catch(() => undefined), 1200);
                return { order: Order.fromPartial({ orderId: req.orderId }) };
              }
              upstreamTraceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
              const { payment } = await payments.getPayment({ paymentId: `pay-${req.orderId}` }, { timeoutMs: 2000 });
              return { order: Order.fromPartial({ orderId: req.orderId, paymentId: payment!.paymentId }) };
            },
          }),
          // A server stream that outlives the client's unary timeout, or fails.
          bindService(NotificationServiceService, {
            listNotifications: notUsed,
            async *watchNotifications(req) {
              if (req.recipientId === 'nobody') throw notFound('there is no recipient "nobody"');
              for (let i = 0; i < 3; i++) {
                await new Promise((r) => setTimeout(r, 150));
                yield { notification: Notification.fromPartial({ notificationId: `n-${i}`, recipientId: req.recipientId }) };
              }
            },
          }),
        ];
      },
    });
    client = createGrpcClient(OrderServiceService, {
      address: `127.0.0.1:${upstream.grpcPort}`,
      upstream: 'order',
      policy: loadMeshPolicy(),
      resilienceMode: 'local',
      caller: 'test',
      workloadIdentity: testIdentity.workload('test'),
    });
  });

  afterAll(async () => {
    client.close();
    await upstream.stop();
    await downstream.stop();
  });

  it('answers grpc.health.v1 SERVING for the server and each service', async () => {
    const health = createGrpcClient(HealthService as any, {
      address: `127.0.0.1:${upstream.grpcPort}`,
      upstream: 'health',
      policy: loadMeshPolicy(),
      resilienceMode: 'local',
      caller: 'test',
    }) as any;
    await expect(health.Check({ service: '' })).resolves.toEqual({ status: 'SERVING' });
    await expect(health.Check({ service: 'foodmesh.order.v1.OrderService' })).resolves.toEqual({ status: 'SERVING' });
    await expect(health.Check({ service: 'foodmesh.nope.v1.Nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    health.close();
  });

  it('lists its services through server reflection where GRPC_REFLECTION is on, and not by default', async () => {
    expect(await listServices(upstream.grpcPort)).toEqual(expect.arrayContaining(['foodmesh.order.v1.OrderService', 'grpc.health.v1.Health']));
    const plain = await runService({
      config: config('kit-plain', {}),
      logger: testLogger('kit-plain'),
      protoFiles: ['foodmesh/order/v1/order.proto'],
      build: async () => [],
    });
    try {
      await expect(listServices(plain.grpcPort)).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    } finally {
      await plain.stop();
    }
  });

  it('refuses a call that carries no identity before its handler runs', async () => {
    const anonymous = createGrpcClient(OrderServiceService, {
      address: `127.0.0.1:${upstream.grpcPort}`,
      upstream: 'order',
      policy: loadMeshPolicy(),
      resilienceMode: 'local',
      caller: 'test',
    });
    try {
      // The handler always answers FAILED_PRECONDITION: this never reached it.
      await expect(anonymous.cancelOrder({ orderId: 'o-1', reason: 'x' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    } finally {
      anonymous.close();
    }
  });

  it('maps a domain error to its gRPC code with the message a person can act on', async () => {
    await expect(client.cancelOrder({ orderId: 'o-1', reason: 'changed my mind' })).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: 'cooking has already started, so the order can no longer be cancelled',
    });
  });

  it('hides an unexpected error behind INTERNAL without leaking its details', async () => {
    const err = await client.getOrder({ orderId: 'boom' }).catch((e) => e);
    expect(err.code).toBe(grpc.status.INTERNAL);
    expect(err.details).not.toContain('secret');
    expect(err.details).toMatch(/internal error \(ref [0-9a-f]{32}\)/);
  });

  // 1.5 s rather than less: a busy machine may spend a few hundred ms on the two hops.
  it('propagates the deadline: 1.5 s left never becomes a 2 s downstream timeout', async () => {
    seenByDownstream.length = 0;
    await client.getOrder({ orderId: 'o-2' }, { timeoutMs: 1500 });
    expect(seenByDownstream).toHaveLength(1);
    expect(seenByDownstream[0]!.deadlineLeftMs).toBeLessThanOrEqual(1500);
    expect(seenByDownstream[0]!.deadlineLeftMs).toBeGreaterThan(0);
  });

  it('starts no downstream call for a call its client cancelled', async () => {
    seenByDownstream.length = 0;
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    // "slow" waits 600 ms before calling payment: by then its caller is gone.
    await expect(client.getOrder({ orderId: 'slow' }, { timeoutMs: 2000, signal: abort.signal })).rejects.toMatchObject({ code: grpc.status.CANCELLED });
    await new Promise((r) => setTimeout(r, 800));
    expect(seenByDownstream).toHaveLength(0);
  });

  it("leaves work a handler detached on purpose unbounded by the finished call's deadline", async () => {
    seenByDownstream.length = 0;
    await client.getOrder({ orderId: 'detached' }, { timeoutMs: 1000 });
    await new Promise((r) => setTimeout(r, 1800));
    expect(seenByDownstream).toHaveLength(1);
  });

  it('honours a sub-second policy timeout as that time, not nanoseconds', async () => {
    const quick = createGrpcClient(OrderServiceService, {
      address: `127.0.0.1:${upstream.grpcPort}`,
      upstream: 'order',
      policy: { defaults: { timeoutMs: 700 }, upstreams: {} },
      resilienceMode: 'local',
      caller: 'test',
      workloadIdentity: testIdentity.workload('test'),
    });
    await expect(quick.getOrder({ orderId: 'o-quick' })).resolves.toMatchObject({ order: { orderId: 'o-quick' } });
    quick.close();
  });

  it('carries one trace across the hop in gRPC metadata', async () => {
    seenByDownstream.length = 0;
    await client.getOrder({ orderId: 'o-3' });
    expect(upstreamTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(seenByDownstream[0]!.traceId).toBe(upstreamTraceId);
  });

  it('exposes RPC counts by method and code in Prometheus format', async () => {
    const text = await (await fetch(`http://127.0.0.1:${upstream.metricsPort}/metrics`)).text();
    expect(text).toMatch(/grpc_server_handled_total\{[^}]*method="\/foodmesh.order.v1.OrderService\/CancelOrder",code="FAILED_PRECONDITION"[^}]*\} 1/);
    expect(text).toMatch(/grpc_client_handled_total\{[^}]*method="\/foodmesh.payment.v1.PaymentService\/GetPayment",code="OK"/);
    expect(text).toContain('grpc_server_handling_seconds_bucket');
  });

  describe('server streams', () => {
    // A unary timeout of 200 ms: streams must not be cut by it.
    const streams = () =>
      createGrpcClient(NotificationServiceService, {
        address: `127.0.0.1:${upstream.grpcPort}`,
        upstream: 'notification',
        policy: { defaults: { timeoutMs: 200 }, upstreams: {} },
        resilienceMode: 'local',
        caller: 'test',
        workloadIdentity: testIdentity.workload('test'),
      });

    it('outlive the unary timeout of the policy', async () => {
      const c = streams();
      const got: string[] = [];
      for await (const { notification } of c.watchNotifications({ recipientId: 'customer-1', since: undefined })) got.push(notification!.notificationId);
      c.close();
      expect(got).toEqual(['n-0', 'n-1', 'n-2']);
    });

    it("end with the handler's status, not a deadline", async () => {
      const c = streams();
      const err = await (async () => {
        for await (const _ of c.watchNotifications({ recipientId: 'nobody', since: undefined })) void _;
      })().catch((e) => e);
      c.close();
      expect(err.code).toBe(grpc.status.NOT_FOUND);
      expect(err.details).toBe('there is no recipient "nobody"');
    });
  });

  it('drains an in-flight call on shutdown, then refuses new ones', async () => {
    const inFlight = client.getOrder({ orderId: 'slow' });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = upstream.stop();
    await expect(inFlight).resolves.toMatchObject({ order: { orderId: 'slow' } });
    await stopped;
    await expect(client.getOrder({ orderId: 'late' }, { timeoutMs: 500 })).rejects.toMatchObject({
      code: expect.any(Number),
    });
    const err = await client.getOrder({ orderId: 'late' }, { timeoutMs: 500 }).catch((e) => e);
    expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(err.code);
  });
});

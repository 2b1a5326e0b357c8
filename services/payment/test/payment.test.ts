import { status } from '@grpc/grpc-js';
import { newEnvelope, type Pool, type RunningService, type ServiceDef } from '@foodmesh/platform';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { OrderCancelReason } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { PaymentServiceService, PaymentStatus, type PayRequest } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { Faults, PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import {
  eventually,
  freshDatabase,
  orderSaga,
  rpcError,
  serviceFixture,
  testClient,
  testIdentity,
  testLogger,
  testNamespace,
  testServiceEnv,
  uniqueId,
  type ServiceFixture,
  type TestEventBus,
} from '@foodmesh/testkit';
import { loadConfig } from '../src/config';
import { startPaymentService } from '../src/service';

describe('payment service on real PostgreSQL + Kafka', () => {
  let f: ServiceFixture;
  let service: RunningService;
  let bus: TestEventBus;
  let pool: Pool;
  /** The "random" draws error_rate and decline_rate see; tests set it. */
  let draw = 0.99;
  /** A client calling as `workload` (order for payments, ops for the fault knob), or as nobody. */
  // No client retries: each test sees exactly what Pay answered.
  const client = <D extends ServiceDef>(def: D, workload?: string, port = service.grpcPort) =>
    testClient(def, `127.0.0.1:${port}`, workload === undefined ? undefined : testIdentity.workload(workload));
  let payments: ReturnType<typeof client<typeof PaymentServiceService>>;
  let admin: ReturnType<typeof client<typeof PaymentAdminServiceService>>;
  let initialFaults: Faults | undefined;

  beforeAll(async () => {
    f = await serviceFixture({
      service: 'payment',
      extra: { PAYMENT_ADMIN_API: 'on', PAYMENT_FAULT_ERROR_CODE: '8', PAYMENT_FAULT_MAX_CONCURRENT: '50' },
      start: (env, logger) => startPaymentService(loadConfig(env), { logger, random: () => draw }),
    });
    ({ service, bus, pool } = f);
    payments = f.client(PaymentServiceService, 'order');
    admin = f.client(PaymentAdminServiceService, 'ops');
    initialFaults = (await admin.getFaults({})).faults;
  });
  afterAll(() => f?.close());
  afterEach(async () => {
    draw = 0.99;
    await admin.setFaults({ faults: Faults.fromPartial({}) });
  });

  const pay = (changes: Partial<PayRequest> = {}): PayRequest => {
    const orderId = changes.orderId ?? uniqueId('order-');
    return {
      orderId,
      customerId: 'cust-1',
      amount: { currencyCode: 'KRW', units: 40000 },
      method: PaymentMethod.PAYMENT_METHOD_CARD,
      idempotencyKey: `order:${orderId}`,
      payBy: undefined,
      ...changes,
    };
  };
  const count = (sql: string, params: unknown[] = []) => f.count(sql, params);
  const outboxCount = (orderId: string, type: string) =>
    count(`SELECT count(*) AS n FROM outbox WHERE message_key = $1 AND event_type = $2`, [orderId, `foodmesh.events.v1.${type}`]);

  it('approves a charge and publishes PaymentApproved keyed by the order', async () => {
    const req = pay();
    const { payment } = await payments.pay(req);
    expect(payment).toMatchObject({
      orderId: req.orderId,
      status: PaymentStatus.PAYMENT_STATUS_APPROVED,
      amount: { currencyCode: 'KRW', units: 40000 },
      idempotencyKey: req.idempotencyKey,
    });
    const [approved] = await bus.waitFor('paymentApproved', { orderId: req.orderId });
    expect(approved).toMatchObject({ paymentId: payment!.paymentId, customerId: 'cust-1', amount: { units: 40000 } });
    expect((await payments.getPayment({ paymentId: payment!.paymentId })).payment).toEqual(payment);
  });

  it('charges once when the same Pay is sent concurrently', async () => {
    const req = pay();
    const replies = await Promise.all(Array.from({ length: 12 }, () => payments.pay(req)));
    expect(new Set(replies.map((r) => r.payment!.paymentId)).size).toBe(1);
    expect(await count('SELECT count(*) AS n FROM payments WHERE order_id = $1', [req.orderId])).toBe(1);
    expect(await outboxCount(req.orderId, 'PaymentApproved')).toBe(1);
  });

  it("returns the order's one charge to a Pay under another key, and refuses a key reused for a different payment", async () => {
    const req = pay();
    const { payment } = await payments.pay(req);
    expect((await payments.pay({ ...req, idempotencyKey: uniqueId('other-') })).payment!.paymentId).toBe(payment!.paymentId);
    await expect(payments.pay({ ...req, amount: { currencyCode: 'KRW', units: 1 } })).rejects.toMatchObject({
      code: status.ALREADY_EXISTS,
      details: expect.stringMatching(/idempotency key reused for a different payment/),
    });
    await expect(payments.pay({ ...req, orderId: uniqueId('order-') })).rejects.toMatchObject({ code: status.ALREADY_EXISTS });
    expect(await count('SELECT count(*) AS n FROM payments WHERE order_id = $1', [req.orderId])).toBe(1);
  });

  it.each<[string, Partial<PayRequest>, RegExp]>([
    ['another currency', { amount: { currencyCode: 'USD', units: 30 } }, /must be in KRW, not "USD"/],
    ['a zero amount', { amount: { currencyCode: 'KRW', units: 0 } }, /positive/],
    ['no idempotency key', { idempotencyKey: '' }, /idempotency_key is required/],
    ['no method', { method: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED }, /method must be specified/],
  ])('rejects %s with INVALID_ARGUMENT and charges nothing', async (_, change, message) => {
    const req = pay(change);
    await expect(payments.pay(req)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(message) });
    expect(await count('SELECT count(*) AS n FROM payments WHERE order_id = $1', [req.orderId])).toBe(0);
  });

  it('answers NOT_FOUND for an unknown payment', async () => {
    await expect(payments.getPayment({ paymentId: '0190f5a4-0000-7000-8000-00000000dead' })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(payments.getPayment({ paymentId: 'nope' })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('charges only for the order service: a customer, the edge or nobody is refused, and nothing is written', async () => {
    const outboxBefore = await count('SELECT count(*) AS n FROM outbox');
    const anonymous = client(PaymentServiceService);
    const edge = client(PaymentServiceService, 'edge');
    try {
      expect(await rpcError(anonymous.pay(pay()))).toMatchObject({ code: status.UNAUTHENTICATED });
      expect(await rpcError(anonymous.pay(pay(), testIdentity.asUser({ userId: 'cust-1', role: 'customer' })))).toMatchObject({
        code: status.UNAUTHENTICATED,
        details: 'only order may call this, and the call carries no workload identity',
      });
      expect(await rpcError(edge.pay(pay()))).toMatchObject({ code: status.PERMISSION_DENIED, details: 'only order may call this, not edge' });
      expect(await rpcError(client(PaymentAdminServiceService, 'order').getFaults({}))).toMatchObject({
        code: status.PERMISSION_DENIED,
        details: 'only ops may call this, not order',
      });
    } finally {
      anonymous.close();
      edge.close();
    }
    expect(await count('SELECT count(*) AS n FROM outbox')).toBe(outboxBefore);
  });

  it('serves no fault knob unless PAYMENT_ADMIN_API is on', async () => {
    const namespace = await testNamespace();
    const plain = await startPaymentService(loadConfig(testServiceEnv({ service: 'payment', databaseUrl: await freshDatabase('payment'), namespace })), {
      logger: testLogger('payment'),
    });
    const knob = client(PaymentAdminServiceService, 'ops', plain.grpcPort);
    try {
      expect(await rpcError(knob.getFaults({}))).toMatchObject({ code: status.UNIMPLEMENTED });
    } finally {
      knob.close();
      await plain.stop();
    }
    expect(() =>
      loadConfig(
        testServiceEnv({ service: 'payment', namespace, databaseUrl: 'postgres://x/y', extra: { FOODMESH_ENV: 'production', PAYMENT_ADMIN_API: 'on' } }),
      ),
    ).toThrow('PAYMENT_ADMIN_API: must be off when FOODMESH_ENV=production');
  });

  describe('fault knob', () => {
    it('starts with the faults from its configuration', async () => {
      expect(initialFaults).toMatchObject({ errorCode: 8, maxConcurrent: 50, errorRate: 0, latencyMs: 0, declineRate: 0 });
    });

    it('fails the drawn calls with the configured code, charging nothing', async () => {
      await admin.setFaults({ faults: Faults.fromPartial({ errorRate: 0.5 }) });
      draw = 0.2; // below error_rate: fails
      const failed = pay();
      await expect(payments.pay(failed)).rejects.toMatchObject({ code: status.UNAVAILABLE });
      await admin.setFaults({ faults: Faults.fromPartial({ errorRate: 0.5, errorCode: status.INTERNAL }) });
      await expect(payments.pay(failed)).rejects.toMatchObject({ code: status.INTERNAL });
      expect(await count('SELECT count(*) AS n FROM payments WHERE order_id = $1', [failed.orderId])).toBe(0);
      draw = 0.7; // above error_rate: the same key now charges
      expect((await payments.pay(failed)).payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_APPROVED);
    });

    it('declines the drawn calls as a normal reply with PaymentDeclined', async () => {
      await admin.setFaults({ faults: Faults.fromPartial({ declineRate: 0.3 }) });
      draw = 0.1;
      const req = pay();
      const { payment } = await payments.pay(req);
      expect(payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_DECLINED, declineReason: expect.stringMatching(/declined/) });
      await bus.waitFor('paymentDeclined', { orderId: req.orderId });
      // The key keeps its outcome: a retry is the same decline, not a new charge.
      draw = 0.99;
      expect((await payments.pay(req)).payment!.paymentId).toBe(payment!.paymentId);
    });

    it('refuses calls beyond max_concurrent at once with RESOURCE_EXHAUSTED', async () => {
      await admin.setFaults({ faults: Faults.fromPartial({ maxConcurrent: 2, latencyMs: 400 }) });
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          payments.pay(pay()).then(
            () => 'ok',
            (e) => status[e.code],
          ),
        ),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(2);
      expect(results.filter((r) => r === 'RESOURCE_EXHAUSTED')).toHaveLength(3);
    });

    it('rejects impossible faults with INVALID_ARGUMENT and keeps the old ones', async () => {
      await admin.setFaults({ faults: Faults.fromPartial({ latencyMs: 5 }) });
      await expect(admin.setFaults({ faults: Faults.fromPartial({ errorRate: 1.5 }) })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(/error_rate/),
      });
      expect((await admin.getFaults({})).faults!.latencyMs).toBe(5);
    });
  });

  describe('refunds (compensation)', () => {
    it.each([
      ['OrderRejected', (s: ReturnType<typeof orderSaga>) => s.rejected('out of chicken'), 'store rejected the order: out of chicken'],
      ['StoreOrderCancelled', (s: ReturnType<typeof orderSaga>) => s.storeCancelled('ordered by mistake'), 'order cancelled: ordered by mistake'],
    ])('refunds on %s once, however often the event arrives', async (_, event, reason) => {
      const req = pay();
      const { payment } = await payments.pay(req);
      const saga = orderSaga({ orderId: req.orderId, customerId: 'cust-1' });
      const events = [event(saga), event(saga)]; // a redelivery and a duplicate from the store
      await bus.publish([events[0]!, events[0]!, events[1]!]);
      const [refund] = await bus.waitFor('paymentRefunded', { orderId: req.orderId });
      expect(refund).toMatchObject({ paymentId: payment!.paymentId, amount: { units: 40000 }, reason });
      await eventually(async () =>
        expect(await count('SELECT count(*) AS n FROM inbox WHERE event_id = ANY($1::uuid[])', [events.map((e) => e.eventId)])).toBe(2),
      );
      expect(await outboxCount(req.orderId, 'PaymentRefunded')).toBe(1);
      expect((await payments.getPayment({ paymentId: payment!.paymentId })).payment).toMatchObject({
        status: PaymentStatus.PAYMENT_STATUS_REFUNDED,
        refundReason: reason,
      });
      // Paying the order again returns the refunded charge; it is never charged again.
      expect((await payments.pay(req)).payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_REFUNDED);
    });

    it('treats a refund for an order it never charged as a logged no-op', async () => {
      const saga = orderSaga({ orderId: uniqueId('never-paid-') });
      const rejected = saga.rejected();
      await bus.publish([rejected]);
      await eventually(async () => expect(await count('SELECT count(*) AS n FROM inbox WHERE event_id = $1', [rejected.eventId])).toBe(1));
      expect(await count('SELECT count(*) AS n FROM outbox WHERE message_key = $1', [saga.orderId])).toBe(0);
      expect(await count('SELECT count(*) AS n FROM dead_letters')).toBe(0);
    });

    it('voids an order cancelled while unpaid: a charge that slipped through is refunded, a later one declined', async () => {
      const slipped = pay();
      await payments.pay(slipped);
      const late = pay();
      const cancels = [slipped, late].map((r) =>
        newEnvelope({
          orderId: r.orderId,
          aggregateVersion: 1,
          payload: {
            $case: 'orderCancelled',
            value: {
              orderId: r.orderId,
              customerId: 'cust-1',
              storeId: 's',
              reason: 'no time',
              reasonCode: OrderCancelReason.ORDER_CANCEL_REASON_CUSTOMER_REQUEST,
              wasPaid: false,
              paymentId: '',
              refund: undefined,
            },
          },
        }),
      );
      await bus.publish(cancels);
      await bus.waitFor('paymentRefunded', { orderId: slipped.orderId });
      await eventually(async () =>
        expect(await count('SELECT count(*) AS n FROM inbox WHERE event_id = ANY($1::uuid[])', [cancels.map((e) => e.eventId)])).toBe(2),
      );
      const { payment } = await payments.pay(late);
      expect(payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_DECLINED, declineReason: 'the order was cancelled before it was paid' });
    });
  });

  it('makes no charge at or after the pay_by time it is given (PAYMENT_WINDOW_CLOSED, nothing written), but still returns a charge made in time', async () => {
    const late = pay({ payBy: new Date(Date.now() - 1) });
    const refused = await rpcError(payments.pay(late));
    expect(refused).toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringMatching(/nothing was charged/) });
    expect(await count('SELECT count(*) AS n FROM payments WHERE order_id = $1', [late.orderId])).toBe(0);
    expect(await outboxCount(late.orderId, 'PaymentApproved')).toBe(0);

    const inTime = pay({ payBy: new Date(Date.now() + 60_000) });
    const { payment } = await payments.pay(inTime);
    expect(payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_APPROVED);
    // Asked again once the window closed (a retry, a probe): the charge made in time.
    expect((await payments.pay({ ...inTime, payBy: new Date(0) })).payment).toEqual(payment);
  });

  describe('ListPayments: the money side of an order or a customer', () => {
    // The edge lists for the customer it calls for; the order service (and support tools running as it) sees all.
    let edge: ReturnType<typeof client<typeof PaymentServiceService>>;
    beforeAll(() => (edge = client(PaymentServiceService, 'edge')));
    afterAll(() => edge?.close());
    const as = (userId: string, role: 'customer' | 'owner' = 'customer') => testIdentity.asUser({ userId, role });

    it("lists an order's charge and, once given back, its refund: when and why", async () => {
      const customerId = uniqueId('cust-');
      const req = pay({ customerId });
      const { payment } = await payments.pay(req);
      const listed = () => edge.listPayments({ orderId: req.orderId, customerId: '', page: undefined }, as(customerId));
      expect((await listed()).payments).toEqual([payment]);
      expect(payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_APPROVED, amount: { units: 40000 }, refundedAt: undefined, refundReason: '' });

      await bus.publish([orderSaga({ orderId: req.orderId, customerId }).rejected('out of chicken')]);
      await bus.waitFor('paymentRefunded', { orderId: req.orderId });
      const [refunded] = (await listed()).payments;
      expect(refunded).toMatchObject({
        paymentId: payment!.paymentId,
        status: PaymentStatus.PAYMENT_STATUS_REFUNDED,
        amount: { units: 40000 },
        refundReason: 'store rejected the order: out of chicken',
      });
      expect(refunded!.refundedAt!.getTime()).toBeGreaterThanOrEqual(refunded!.createdAt!.getTime());
    });

    it("lists a customer's payments newest first, a page at a time, declined ones included", async () => {
      const customerId = uniqueId('cust-');
      const made = [];
      for (let i = 0; i < 3; i++) made.push((await payments.pay(pay({ customerId }))).payment!);
      draw = 0; // the next one is declined
      await admin.setFaults({ faults: Faults.fromPartial({ declineRate: 0.5 }) });
      made.push((await payments.pay(pay({ customerId }))).payment!);
      expect(made[3]!.status).toBe(PaymentStatus.PAYMENT_STATUS_DECLINED);

      const first = await edge.listPayments({ orderId: '', customerId, page: { pageSize: 3, pageToken: '' } }, as(customerId));
      expect(first.payments.map((p) => p.paymentId)).toEqual(
        made
          .slice(1)
          .reverse()
          .map((p) => p.paymentId),
      );
      const second = await edge.listPayments({ orderId: '', customerId, page: { pageSize: 3, pageToken: first.nextPageToken } }, as(customerId));
      expect(second.payments.map((p) => p.paymentId)).toEqual([made[0]!.paymentId]);
      expect(second.nextPageToken).toBe('');
      // The order service's own call, for no customer in particular, sees the same.
      expect((await payments.listPayments({ orderId: '', customerId, page: { pageSize: 10, pageToken: '' } })).payments).toHaveLength(4);
    });

    it("shows a customer nothing of another customer's order, and refuses other roles and unclear requests", async () => {
      const req = pay({ customerId: uniqueId('cust-') });
      await payments.pay(req);
      expect((await edge.listPayments({ orderId: req.orderId, customerId: '', page: undefined }, as('someone-else'))).payments).toEqual([]);
      expect((await rpcError(edge.listPayments({ orderId: '', customerId: req.customerId, page: undefined }, as('someone-else')))).code).toBe(
        status.PERMISSION_DENIED,
      );
      expect((await rpcError(edge.listPayments({ orderId: req.orderId, customerId: '', page: undefined }, as('owner-1', 'owner')))).code).toBe(
        status.PERMISSION_DENIED,
      );
      expect((await rpcError(edge.listPayments({ orderId: req.orderId, customerId: '', page: undefined }))).code).toBe(status.UNAUTHENTICATED);
      expect((await rpcError(payments.listPayments({ orderId: '', customerId: '', page: undefined }))).code).toBe(status.INVALID_ARGUMENT);
      expect((await rpcError(payments.listPayments({ orderId: req.orderId, customerId: req.customerId, page: undefined }))).code).toBe(status.INVALID_ARGUMENT);
    });
  });
  describe('a call its client abandoned stops its database work (platform: call scope → pg)', () => {
    /** Backends of this database waiting on a lock, other than the test's own. */
    const waitingOnLock = () =>
      count(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );

    /** Runs `abandon` while the test holds the order's payment lock, so Pay's transaction waits on it. */
    const whileLocked = async (abandon: (req: PayRequest) => Promise<void>) => {
      const req = pay();
      const holder = await pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`payment-order:${req.orderId}`]);
        await abandon(req);
        // The service's backend stopped waiting while the lock is still held: nobody is left to serve.
        await eventually(async () => expect(await waitingOnLock()).toBe(0), { timeoutMs: 2_000, intervalMs: 50 });
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
      // Once the lock is free nothing of the abandoned Pay carries on: no charge, no event.
      await new Promise((r) => setTimeout(r, 300));
      expect(await count('SELECT count(*) AS n FROM payments WHERE order_id = $1', [req.orderId])).toBe(0);
      expect(await outboxCount(req.orderId, 'PaymentApproved')).toBe(0);
    };

    it('its deadline passing: the client sees DEADLINE_EXCEEDED, the server cancels the statement, nothing is written', async () => {
      await whileLocked(async (req) => {
        const call = rpcError(payments.pay(req, { timeoutMs: 2_000 }));
        await eventually(async () => expect(await waitingOnLock()).toBe(1), { timeoutMs: 1_800, intervalMs: 20 });
        expect(await call).toMatchObject({ code: status.DEADLINE_EXCEEDED });
      });
    });

    it('its client cancelling before the deadline: the server cancels the statement, nothing is written', async () => {
      await whileLocked(async (req) => {
        const abort = new AbortController();
        const call = rpcError(payments.pay(req, { timeoutMs: 20_000, signal: abort.signal }));
        await eventually(async () => expect(await waitingOnLock()).toBe(1), { timeoutMs: 5_000, intervalMs: 20 });
        abort.abort();
        expect(await call).toMatchObject({ code: status.CANCELLED });
      });
    });
  });
});

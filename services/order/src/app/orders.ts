import { v7 as uuidv7 } from 'uuid';
import { alreadyExists, appendToOutbox, failedPrecondition, newEnvelope, notFound, permissionDenied, withTransaction, type User, type Logger, type Pool, type Tx } from '@foodmesh/platform';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { MenuPublished } from '@foodmesh/proto-gen/foodmesh/events/v1/store_events';
import { menuFromPublished } from '../domain/menu';
import { formatWon, renderMessage, type MessageCode, type MessageParams } from '@foodmesh/platform/customer-text';
import { orderStatusName } from '@foodmesh/platform/order-lifecycle';
import { unpaidOrder, type Order } from '../domain/order';
import type { MenuRepo, OrdersRepo } from './ports';
import { decide, PAYMENT_NOT_COMPLETED, type OrderInput } from '../domain/order-machine';
import { priceOrder, requestFingerprint, validatePlaceOrder, type PlaceOrderInput } from '../domain/place-order';
import type { PaymentGateway, PaymentResult } from './payment-gateway';

export type PaymentOutcomeKind = 'paid' | 'deferred' | 'declined' | 'none';

/** An order and what its payment came to, for PlaceOrder and PayOrder replies. */
export interface PaymentReply {
  order: Order;
  outcome: PaymentOutcomeKind;
  customerMessage: string;
  retryAfterSeconds: number;
}

export interface OrdersDeps {
  pool: Pool;
  repo: OrdersRepo;
  menus: MenuRepo;
  payments: PaymentGateway;
  /** What a deferred customer is told to wait before paying again. */
  retryAfterSeconds: number;
  /** How long after it is saved an order can be paid; unpaid then, it expires. */
  payWithinMs: number;
  /** Told each time payment answers a charge (approved or declined): payment is working. */
  onPaymentAnswered?: () => void;
  logger: Logger;
  now?: () => Date;
}

/** Where an event-driven change came from, for the envelopes it produces. */
export interface Cause {
  correlationId: string;
  causationId: string;
}

const S = OrderStatus;

export function createOrders(deps: OrdersDeps) {
  const { pool, repo, menus, payments, logger } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * Applies one input to one order inside `tx`: lock, decide, save, and the
   * events into the outbox, all or nothing.
   */
  async function transitionIn(tx: Tx, orderId: string, input: OrderInput, cause?: Cause): Promise<Order | undefined> {
    const order = await repo.findOrderForUpdate(tx, orderId);
    if (!order) return undefined;
    const outcome = decide(order, input, now());
    if (outcome.kind === 'ignored') {
      logger.info({ order_id: orderId, input: input.kind, status: orderStatusName(order.status), why: outcome.reason }, 'input ignored');
      return order;
    }
    const next = outcome.order;
    await repo.saveOrder(tx, next);
    await appendToOutbox(
      tx,
      outcome.events.map((payload, i) =>
        newEnvelope({ orderId, aggregateVersion: order.version + i + 1, payload, occurredAt: next.updatedAt, ...(cause ?? { correlationId: orderId }) }),
      ),
    );
    if (next.status !== order.status) logger.info({ order_id: orderId, from: orderStatusName(order.status), to: orderStatusName(next.status), input: input.kind }, 'order status changed');
    return next;
  }

  async function transition(orderId: string, input: OrderInput): Promise<Order> {
    const order = await withTransaction(pool, (tx) => transitionIn(tx, orderId, input));
    if (!order) throw notFound(`no order with id "${orderId}"`, 'ORDER_NOT_FOUND');
    return order;
  }

  const unknownOrder = (orderId: string) => notFound(`no order with id "${orderId}"`, 'ORDER_NOT_FOUND');
  const findOrder = async (orderId: string) => (/^[0-9a-f-]{36}$/i.test(orderId) ? repo.findOrder(pool, orderId) : undefined);

  /** The customer's own order; someone else's is reported as unknown. */
  async function ownOrder(who: User, orderId: string): Promise<Order> {
    const order = await findOrder(orderId);
    if (!order || order.customerId !== who.userId) throw unknownOrder(orderId);
    return order;
  }

  /**
   * Deferred orders due the news that payment works again: not before their customer's retry hint
   * has passed (a deferral and "pay now" a moment later, while payment flaps, would only confuse).
   */
  const unannounced = (limit: number) => {
    const at = now();
    return repo.findDeferredUnannounced(pool, at, new Date(at.getTime() - deps.retryAfterSeconds * 1000), limit);
  };

  /** The reply's sentence for the customer (the API's `customer_message` is English; the web app shows it as is). */
  const say = (code: MessageCode, params?: MessageParams) => renderMessage({ code, params }, 'en').body;

  function reply(order: Order, result?: PaymentResult): PaymentReply {
    const base = { order, retryAfterSeconds: 0 };
    switch (order.status) {
      case S.ORDER_STATUS_AWAITING_PAYMENT:
        return { ...base, outcome: 'deferred', retryAfterSeconds: deps.retryAfterSeconds, customerMessage: say('PAYMENT_DEFERRED', { retryAfterSeconds: deps.retryAfterSeconds }) };
      case S.ORDER_STATUS_PAYMENT_FAILED:
        return { ...base, outcome: 'declined', customerMessage: say('PAYMENT_FAILED', { reason: result?.kind === 'declined' ? result.reason : 'declined' }) };
      case S.ORDER_STATUS_CANCELLED:
        if (!order.paymentId) return { ...base, outcome: 'none', customerMessage: say('CANCELLED_UNPAID') };
        return { ...base, outcome: 'paid', customerMessage: say('CANCELLED_PAID', { refund: formatWon(order.totalUnits) }) };
      default:
        return { ...base, outcome: 'paid', customerMessage: say('ORDER_PAID', { store: order.storeName }) };
    }
  }

  const windowClosed = (order: Order) =>
    failedPrecondition(
      `the time to pay for this order ran out at ${order.payBy.toISOString()}; it is being cancelled, and nothing was charged`,
      'PAYMENT_WINDOW_CLOSED',
    );

  /** Charges an unpaid order and records the outcome; payment trouble leaves it AWAITING_PAYMENT, never lost. */
  async function settlePayment(order: Order, method?: PaymentMethod): Promise<PaymentReply> {
    const result = await payments.charge({
      orderId: order.orderId,
      customerId: order.customerId,
      amountUnits: order.totalUnits,
      method: method || order.paymentMethod,
      payBy: order.payBy,
    });
    // Too late: payment refused to charge; the expiry sweep cancels the order.
    if (result.kind === 'windowClosed') throw windowClosed(order);
    const input: OrderInput =
      result.kind === 'approved'
        ? { kind: 'paymentApproved', paymentId: result.paymentId, method }
        : result.kind === 'declined'
          ? { kind: 'paymentDeclined', paymentId: result.paymentId, reason: result.reason }
          : { kind: 'paymentDeferred', reason: result.reason, retryAfterSeconds: deps.retryAfterSeconds };
    const settled = await transition(order.orderId, input);
    // After the transition: this order, now paid or failed, is not among those told to pay now.
    if (result.kind !== 'unavailable') deps.onPaymentAnswered?.();
    return reply(settled, result);
  }

  /** A repeated checkout: the first call's order, resumed if that call never got to record a payment outcome. */
  async function replay(existing: { order: Order; fingerprint: string }, fingerprint: string): Promise<PaymentReply> {
    if (existing.fingerprint !== fingerprint) {
      throw alreadyExists('idempotency_key was already used for a different order: generate a new key per checkout', 'IDEMPOTENCY_KEY_REUSED');
    }
    const { order } = existing;
    if (order.status === S.ORDER_STATUS_AWAITING_PAYMENT && order.version === 0) return settlePayment(order);
    return reply(order);
  }

  return {
    async placeOrder(who: User, input: PlaceOrderInput): Promise<PaymentReply> {
      const req = { ...input, customerId: input.customerId || who.userId };
      if (req.customerId !== who.userId) throw permissionDenied('customer_id must be your own user id');
      validatePlaceOrder(req);
      const fingerprint = requestFingerprint(req);
      // A repeated checkout is found by the insert's key conflict below, not by a read first: one
      // round trip less for every new order. Only when pricing fails (the menu may have changed
      // since the first call) is the key looked up, so that a repeat still gets its first order.
      let priced: ReturnType<typeof priceOrder>;
      try {
        priced = priceOrder(await menus.findStoreMenu(pool, req.storeId), req);
      } catch (err) {
        const existing = await repo.findByIdempotencyKey(pool, req.customerId, req.idempotencyKey);
        if (existing) return replay(existing, fingerprint);
        throw err;
      }
      const order = unpaidOrder(
        { orderId: uuidv7(), customerId: req.customerId, storeId: req.storeId, ...priced, deliveryAddress: req.deliveryAddress!, paymentMethod: req.paymentMethod },
        now(),
        deps.payWithinMs,
      );
      // Saved before paying, so that no payment outcome (or crash) can lose it.
      if (!(await repo.insertOrder(pool, order, req.idempotencyKey, fingerprint))) {
        const first = await repo.findByIdempotencyKey(pool, req.customerId, req.idempotencyKey);
        if (!first) throw new Error('order insert conflicted, but no order holds its idempotency key');
        return replay(first, fingerprint);
      }
      return settlePayment(order);
    },

    async payOrder(who: User, orderId: string, method?: PaymentMethod): Promise<PaymentReply> {
      const order = await ownOrder(who, orderId);
      if (order.status === S.ORDER_STATUS_AWAITING_PAYMENT) {
        if (now() >= order.payBy) throw windowClosed(order);
        return settlePayment(order, method);
      }
      if (order.status === S.ORDER_STATUS_CANCELLED && order.cancelReason === PAYMENT_NOT_COMPLETED) {
        throw failedPrecondition('the order was not paid in time and was cancelled; nothing was charged; place a new order', 'ORDER_EXPIRED');
      }
      if (order.status === S.ORDER_STATUS_CANCELLED && !order.paymentId) {
        throw failedPrecondition('the order was cancelled before it was paid; place a new order', 'ORDER_CANCELLED');
      }
      return reply(order);
    },

    async cancelOrder(who: User, orderId: string, reason: string): Promise<Order> {
      await ownOrder(who, orderId);
      return transition(orderId, { kind: 'cancel', reason: reason.trim() || 'cancelled by the customer', requestedBy: who.userId });
    },

    async confirmDelivered(who: User, orderId: string): Promise<Order> {
      await ownOrder(who, orderId);
      return transition(orderId, { kind: 'confirmDelivered' });
    },

    getOrder: ownOrder,

    /** Whose an order is (for the edge, which tells a stranger PERMISSION_DENIED rather than NOT_FOUND). */
    async orderOwner(orderId: string): Promise<{ customerId: string; storeId: string }> {
      const order = await findOrder(orderId);
      if (!order) throw unknownOrder(orderId);
      return { customerId: order.customerId, storeId: order.storeId };
    },

    /**
     * Settles orders a crash left without a payment outcome: saved, then the process died
     * before Pay answered. It does what the customer's own retry of PlaceOrder would do:
     * Pay under the order's one key, so a charge that went through is found, not repeated,
     * and payment trouble defers the order (pay later) as usual. Returns how many it settled.
     */
    async settleUnsettled(savedMoreThanMsAgo: number, limit = 50): Promise<number> {
      const unsettled = await repo.findUnsettled(pool, new Date(now().getTime() - savedMoreThanMsAgo), limit);
      for (const order of unsettled) {
        try {
          const { outcome, order: settled } = await settlePayment(order);
          logger.warn({ order_id: order.orderId, outcome, status: orderStatusName(settled.status) }, 'settled an order a crash left without a payment outcome');
        } catch (err) {
          // Past its pay-by time: the expiry sweep ends it instead.
          if ((err as { reason?: string }).reason !== 'PAYMENT_WINDOW_CLOSED') throw err;
        }
      }
      return unsettled.length;
    },

    /**
     * Cancels unpaid orders whose pay-by time passed more than `graceMs` ago (PAYMENT_NOT_COMPLETED).
     * The grace outlasts a payment call begun before the pay-by time, so a charge made in time
     * lands (PAID) before its order could expire; a later one is refused by payment. Returns how
     * many it cancelled.
     */
    async expireUnpaid(graceMs: number, limit = 100): Promise<number> {
      const due = await repo.findExpired(pool, new Date(now().getTime() - graceMs), limit);
      let cancelled = 0;
      for (const order of due) {
        const after = await transition(order.orderId, { kind: 'paymentExpired' });
        if (after.status === S.ORDER_STATUS_CANCELLED && after.version > order.version) cancelled++;
      }
      if (cancelled) logger.info({ cancelled }, 'unpaid orders expired');
      return cancelled;
    },

    /** A deferred order whose customer is due the news that payment works again, if any. */
    async oldestUnannounced(): Promise<Order | undefined> {
      return (await unannounced(1))[0];
    },

    /**
     * Payment works again: tells the customer of each deferred order, once, that they can pay now
     * (OrderPaymentAvailable). Safe on every replica at once: each order's row lock and its
     * `payNowNotifiedAt` make the second attempt a no-op. Returns how many it told.
     */
    async announcePaymentAvailable(limit = 100): Promise<number> {
      let told = 0;
      for (const order of await unannounced(limit)) {
        const after = await transition(order.orderId, { kind: 'paymentAvailable' });
        if (after.version > order.version) told++;
      }
      if (told) logger.info({ told }, 'customers of deferred orders told that payment works again');
      return told;
    },

    /** An event from another service, inside the consumer's inbox transaction. Unknown orders are logged and skipped. */
    async applyEvent(tx: Tx, orderId: string, input: OrderInput, env: EventEnvelope): Promise<void> {
      const order = await transitionIn(tx, orderId, input, { correlationId: env.correlationId || orderId, causationId: env.eventId });
      if (!order) logger.warn({ order_id: orderId, event: env.type, event_id: env.eventId }, 'event for an unknown order ignored');
    },

    async applyMenu(tx: Tx, e: MenuPublished): Promise<void> {
      const stored = await menus.upsertMenuIfNewer(tx, menuFromPublished(e));
      logger.info({ store_id: e.storeId, menu_version: e.menuVersion, stored }, stored ? 'menu replica updated' : 'menu version not newer; ignored');
    },
  };
}
export type Orders = ReturnType<typeof createOrders>;

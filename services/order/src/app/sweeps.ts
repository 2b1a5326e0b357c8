import { orderStatusName } from '@foodmesh/platform/order-lifecycle';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { Order } from '../domain/order';
import { settlePayment } from './checkout';
import type { OrderDeps } from './order-deps';
import { transition } from './order-transition';

/**
 * Settles orders a crash left without a payment outcome: saved, then the process died
 * before Pay answered. It does what the customer's own retry of PlaceOrder would do:
 * Pay under the order's one key, so a charge that went through is found, not repeated,
 * and payment trouble defers the order (pay later) as usual. Returns how many it settled.
 */
export async function settleUnsettled(deps: OrderDeps, savedMoreThanMsAgo: number, limit = 50): Promise<number> {
  const unsettled = await deps.store.findUnsettled(new Date(deps.now().getTime() - savedMoreThanMsAgo), limit);
  for (const order of unsettled) {
    try {
      const { outcome, order: settled } = await settlePayment(deps, order);
      deps.logger.warn(
        { order_id: order.orderId, outcome, status: orderStatusName(settled.status) },
        'settled an order a crash left without a payment outcome',
      );
    } catch (err) {
      // Past its pay-by time: the expiry sweep ends it instead.
      if ((err as { reason?: string }).reason !== 'PAYMENT_WINDOW_CLOSED') throw err;
    }
  }
  return unsettled.length;
}

/**
 * Cancels unpaid orders whose pay-by time passed more than `graceMs` ago (PAYMENT_NOT_COMPLETED).
 * The grace outlasts a payment call begun before the pay-by time, so a charge made in time
 * lands (PAID) before its order could expire; a later one is refused by payment. Returns how
 * many it cancelled.
 */
export async function expireUnpaid(deps: OrderDeps, graceMs: number, limit = 100): Promise<number> {
  const due = await deps.store.findExpired(new Date(deps.now().getTime() - graceMs), limit);
  let cancelled = 0;
  for (const order of due) {
    const after = await transition(deps, order.orderId, { kind: 'paymentExpired' });
    if (after.status === OrderStatus.ORDER_STATUS_CANCELLED && after.version > order.version) cancelled++;
  }
  if (cancelled) deps.logger.info({ cancelled }, 'unpaid orders expired');
  return cancelled;
}

/**
 * Deferred orders due the news that payment works again: not before their customer's retry hint
 * has passed (a deferral and "pay now" a moment later, while payment flaps, would only confuse).
 */
function unannounced(deps: OrderDeps, limit: number): Promise<Order[]> {
  const at = deps.now();
  return deps.store.findDeferredUnannounced(at, new Date(at.getTime() - deps.retryAfterSeconds * 1000), limit);
}

/** A deferred order whose customer is due the news that payment works again, if any. */
export async function oldestUnannounced(deps: OrderDeps): Promise<Order | undefined> {
  return (await unannounced(deps, 1))[0];
}

/**
 * Payment works again: tells the customer of each deferred order, once, that they can pay now
 * (OrderPaymentAvailable). Safe on every replica at once: each order's row lock and its
 * `payNowNotifiedAt` make the second attempt a no-op. Returns how many it told.
 */
export async function announcePaymentAvailable(deps: OrderDeps, limit = 100): Promise<number> {
  let told = 0;
  for (const order of await unannounced(deps, limit)) {
    const after = await transition(deps, order.orderId, { kind: 'paymentAvailable' });
    if (after.version > order.version) told++;
  }
  if (told) deps.logger.info({ told }, 'customers of deferred orders told that payment works again');
  return told;
}

import { v7 as uuidv7 } from 'uuid';
import { alreadyExists, failedPrecondition, permissionDenied, type User } from '@foodmesh/platform';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { unpaidOrder, type Order } from '../domain/order';
import { PAYMENT_NOT_COMPLETED, type OrderInput } from '../domain/order-machine';
import { priceOrder, requestFingerprint, validatePlaceOrder, type PlaceOrderInput } from '../domain/place-order';
import type { OrderDeps } from './order-deps';
import { ownOrder, transition } from './order-transition';
import { reply, windowClosed, type PaymentReply } from './payment-reply';

const S = OrderStatus;

/** Saves the customer's order, then charges it; a repeated checkout (same key) gets the first one's order. */
export async function placeOrder(deps: OrderDeps, who: User, input: PlaceOrderInput): Promise<PaymentReply> {
  const { store } = deps;
  const req = { ...input, customerId: input.customerId || who.userId };
  if (req.customerId !== who.userId) throw permissionDenied('customer_id must be your own user id');
  validatePlaceOrder(req);
  const fingerprint = requestFingerprint(req);
  // A repeated checkout is found by the insert's key conflict below, not by a read first: one
  // round trip less for every new order. Only when pricing fails (the menu may have changed
  // since the first call) is the key looked up, so that a repeat still gets its first order.
  let priced: ReturnType<typeof priceOrder>;
  try {
    priced = priceOrder(await store.findStoreMenu(req.storeId), req);
  } catch (err) {
    const existing = await store.findByIdempotencyKey(req.customerId, req.idempotencyKey);
    if (existing) return replay(deps, existing, fingerprint);
    throw err;
  }
  const order = unpaidOrder(
    { orderId: uuidv7(), customerId: req.customerId, storeId: req.storeId, ...priced, deliveryAddress: req.deliveryAddress!, paymentMethod: req.paymentMethod },
    deps.now(),
    deps.payWithinMs,
  );
  // Saved before paying, so that no payment outcome (or crash) can lose it.
  if (!(await store.insertOrder(order, req.idempotencyKey, fingerprint))) {
    const first = await store.findByIdempotencyKey(req.customerId, req.idempotencyKey);
    if (!first) throw new Error('order insert conflicted, but no order holds its idempotency key');
    return replay(deps, first, fingerprint);
  }
  return settlePayment(deps, order);
}

/** Pays a deferred order now; any other order gets the reply its state warrants. */
export async function payOrder(deps: OrderDeps, who: User, orderId: string, method?: PaymentMethod): Promise<PaymentReply> {
  const order = await ownOrder(deps, who, orderId);
  if (order.status === S.ORDER_STATUS_AWAITING_PAYMENT) {
    if (deps.now() >= order.payBy) throw windowClosed(order);
    return settlePayment(deps, order, method);
  }
  if (order.status === S.ORDER_STATUS_CANCELLED && order.cancelReason === PAYMENT_NOT_COMPLETED) {
    throw failedPrecondition('the order was not paid in time and was cancelled; nothing was charged; place a new order', 'ORDER_EXPIRED');
  }
  if (order.status === S.ORDER_STATUS_CANCELLED && !order.paymentId) {
    throw failedPrecondition('the order was cancelled before it was paid; place a new order', 'ORDER_CANCELLED');
  }
  return reply(deps.retryAfterSeconds, order);
}

/** Charges an unpaid order and records the outcome; payment trouble leaves it AWAITING_PAYMENT, never lost. */
export async function settlePayment(deps: OrderDeps, order: Order, method?: PaymentMethod): Promise<PaymentReply> {
  const result = await deps.payments.charge({
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
  const settled = await transition(deps, order.orderId, input);
  // After the transition: this order, now paid or failed, is not among those told to pay now.
  if (result.kind !== 'unavailable') deps.onPaymentAnswered?.();
  return reply(deps.retryAfterSeconds, settled, result);
}

/** A repeated checkout: the first call's order, resumed if that call never got to record a payment outcome. */
async function replay(deps: OrderDeps, existing: { order: Order; fingerprint: string }, fingerprint: string): Promise<PaymentReply> {
  if (existing.fingerprint !== fingerprint) {
    throw alreadyExists('idempotency_key was already used for a different order: generate a new key per checkout', 'IDEMPOTENCY_KEY_REUSED');
  }
  const { order } = existing;
  if (order.status === S.ORDER_STATUS_AWAITING_PAYMENT && order.version === 0) return settlePayment(deps, order);
  return reply(deps.retryAfterSeconds, order);
}

import { failedPrecondition } from '@foodmesh/platform/errors';
import { canMove, isCancellable, isFinal, isUnderway, orderStatusName, rank } from '@foodmesh/platform/order-lifecycle';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { OrderCancelReason } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';
import { krw } from './money';
import type { Order } from './order';

const S = OrderStatus;

/** The events the order emits: payloads of the envelope's oneof. */
type AnyPayload = NonNullable<EventEnvelope['payload']>;
export type OrderEvent = Extract<
  AnyPayload,
  {
    $case:
      | 'orderPaymentDeferred'
      | 'orderPaymentAvailable'
      | 'orderPlaced'
      | 'orderPaymentFailed'
      | 'orderCancellationRequested'
      | 'orderCancelled'
      | 'orderCompleted'
      | 'orderRefunded';
  }
>;

/** The store and delivery milestones, in the order they happen. */
export type Milestone = 'orderAccepted' | 'cookingStarted' | 'cookingFinished' | 'deliveryPickedUp';
const MILESTONE_STATUS: Record<Milestone, OrderStatus> = {
  orderAccepted: S.ORDER_STATUS_ACCEPTED,
  cookingStarted: S.ORDER_STATUS_COOKING,
  cookingFinished: S.ORDER_STATUS_COOKED,
  deliveryPickedUp: S.ORDER_STATUS_PICKED_UP,
};
/** The reason (and code) an unpaid order expires with. */
export const PAYMENT_NOT_COMPLETED = 'PAYMENT_NOT_COMPLETED';
const CUSTOMER_REQUEST = OrderCancelReason.ORDER_CANCEL_REASON_CUSTOMER_REQUEST;

/** A paid order the store can still reject or cancel (it has the last word before cooking). */
const storeMayStop = (s: OrderStatus) => s === S.ORDER_STATUS_CANCEL_REQUESTED || (isUnderway(s) && isCancellable(s));

/** Everything that can happen to an order: the customer's commands, payment results, other services' events. */
export type OrderInput =
  | { kind: 'paymentApproved'; paymentId: string; method?: PaymentMethod }
  | { kind: 'paymentDeclined'; paymentId: string; reason: string }
  | { kind: 'paymentDeferred'; reason: string; retryAfterSeconds: number }
  | { kind: 'paymentAvailable' }
  | { kind: 'paymentExpired' }
  | { kind: 'cancel'; reason: string; requestedBy: string }
  | { kind: 'confirmDelivered' }
  | { kind: Milestone; deliveryId?: string; riderId?: string }
  | { kind: 'deliveryCompleted' }
  | { kind: 'deliveryDeclined' }
  | { kind: 'orderRejected'; reason: string }
  | { kind: 'storeOrderCancelled'; reason: string }
  | { kind: 'cancellationRejected'; resumedStatus: OrderStatus; reason: string }
  | { kind: 'paymentRefunded'; paymentId: string; units: number; reason: string };
export type OrderInputKind = OrderInput['kind'];

/**
 * What an input does: `applied` (a new order state and the events it emits,
 * possibly none) or `ignored` (a duplicate or stale input; nothing changes).
 * Commands the order's status forbids throw FAILED_PRECONDITION instead;
 * events from other services are never rejected, only applied or ignored.
 */
export type Outcome = { kind: 'applied'; order: Order; events: OrderEvent[] } | { kind: 'ignored'; reason: string };

const ignored = (reason: string): Outcome => ({ kind: 'ignored', reason });

function applied(order: Order, changes: Partial<Order>, events: OrderEvent[], now: Date): Outcome {
  return { kind: 'applied', order: { ...order, ...changes, version: order.version + events.length, updatedAt: now }, events };
}

const who = (o: Order) => ({ orderId: o.orderId, customerId: o.customerId, storeId: o.storeId });
/** What the store and the view need to know of an order, carried by the events that start it. */
const contents = (o: Order) => ({ ...who(o), storeName: o.storeName, items: o.items, total: krw(o.totalUnits), deliveryAddress: o.deliveryAddress });

/** The order's status, or for a CANCEL_REQUESTED order the status it would return to. */
const progressOf = (o: Order) => (o.status === S.ORDER_STATUS_CANCEL_REQUESTED ? o.resumeStatus : o.status);

export function decide(order: Order, input: OrderInput, now: Date): Outcome {
  const status = order.status;
  const final = isFinal(status);

  switch (input.kind) {
    case 'paymentApproved': {
      if (status !== S.ORDER_STATUS_AWAITING_PAYMENT) {
        return ignored(order.paymentId === input.paymentId ? 'payment already applied' : `approval arrived for a ${orderStatusName(status)} order`);
      }
      const method = input.method || order.paymentMethod;
      return applied(
        order,
        { status: S.ORDER_STATUS_PAID, paymentId: input.paymentId, paymentMethod: method },
        [
          {
            $case: 'orderPlaced',
            value: {
              ...contents(order),
              paymentId: input.paymentId,
              paymentMethod: method,
              placedAt: now,
            },
          },
        ],
        now,
      );
    }

    case 'paymentDeclined':
      if (status !== S.ORDER_STATUS_AWAITING_PAYMENT) return ignored(`decline arrived for a ${orderStatusName(status)} order`);
      return applied(
        order,
        { status: S.ORDER_STATUS_PAYMENT_FAILED, paymentId: input.paymentId },
        [{ $case: 'orderPaymentFailed', value: { ...who(order), paymentId: input.paymentId, reason: input.reason } }],
        now,
      );

    case 'paymentDeferred':
      if (status !== S.ORDER_STATUS_AWAITING_PAYMENT) return ignored(`deferral arrived for a ${orderStatusName(status)} order`);
      // Announced once, when the order is first saved unpaid; later failed retries change nothing.
      if (order.version > 0) return ignored('payment already deferred');
      return applied(
        order,
        {},
        [
          {
            $case: 'orderPaymentDeferred',
            value: {
              ...contents(order),
              paymentMethod: order.paymentMethod,
              retryAfterSeconds: input.retryAfterSeconds,
              reason: input.reason,
              payBy: order.payBy,
            },
          },
        ],
        now,
      );

    case 'paymentAvailable':
      // Payment answers again after the outage that deferred this order: its customer may pay now, told once.
      if (status !== S.ORDER_STATUS_AWAITING_PAYMENT) return ignored(`payment available for a ${orderStatusName(status)} order`);
      if (order.version === 0) return ignored('the payment was never deferred (no outcome yet)');
      if (order.payNowNotifiedAt) return ignored('the customer was already told to pay now');
      if (now >= order.payBy) return ignored('too late to pay: the order expires');
      return applied(
        order,
        { payNowNotifiedAt: now },
        [{ $case: 'orderPaymentAvailable', value: { ...who(order), storeName: order.storeName, total: krw(order.totalUnits), payBy: order.payBy } }],
        now,
      );

    case 'paymentExpired':
      if (status !== S.ORDER_STATUS_AWAITING_PAYMENT) return ignored(`expiry of a ${orderStatusName(status)} order`);
      if (now < order.payBy) return ignored('not due yet: the order can still be paid');
      return applied(
        order,
        { status: S.ORDER_STATUS_CANCELLED, cancelReason: PAYMENT_NOT_COMPLETED },
        [
          {
            $case: 'orderCancelled',
            value: {
              ...who(order),
              reason: PAYMENT_NOT_COMPLETED,
              reasonCode: OrderCancelReason.ORDER_CANCEL_REASON_PAYMENT_NOT_COMPLETED,
              wasPaid: false,
              paymentId: '',
              refund: undefined,
            },
          },
        ],
        now,
      );

    case 'cancel':
      return cancel(order, input, now);

    case 'confirmDelivered':
      if (status === S.ORDER_STATUS_PICKED_UP) {
        return applied(
          order,
          { status: S.ORDER_STATUS_COMPLETED },
          [{ $case: 'orderCompleted', value: { ...who(order), deliveryId: order.deliveryId, riderId: order.riderId } }],
          now,
        );
      }
      if (status === S.ORDER_STATUS_COMPLETED) return ignored('already completed');
      throw failedPrecondition(
        `the order cannot be confirmed as delivered: it is ${orderStatusName(status)}, and only a picked-up order can be`,
        'ORDER_NOT_PICKED_UP',
      );

    case 'orderAccepted':
    case 'cookingStarted':
    case 'cookingFinished':
    case 'deliveryPickedUp': {
      const target = MILESTONE_STATUS[input.kind];
      const current = progressOf(order);
      if (final || current === null || !isUnderway(current)) return ignored(`${input.kind} for a ${orderStatusName(status)} order`);
      if (rank(target) === rank(current)) return ignored(`already ${orderStatusName(current)}`);
      if (rank(target) < rank(current)) return ignored(`stale ${input.kind}: the order is already ${orderStatusName(current)}`);
      const delivery = input.kind === 'deliveryPickedUp' ? { deliveryId: input.deliveryId ?? '', riderId: input.riderId ?? '' } : {};
      // A CANCEL_REQUESTED order waits for the store's answer; the progress is remembered for when it resumes.
      const progress = status === S.ORDER_STATUS_CANCEL_REQUESTED ? { resumeStatus: target } : { status: target };
      return applied(order, { ...progress, ...delivery }, [], now);
    }

    case 'deliveryCompleted':
      return ignored('informational: the customer confirms delivery');

    case 'deliveryDeclined':
      // The rider gave the food back: ready for pickup again, by whichever rider takes it next.
      if (status !== S.ORDER_STATUS_PICKED_UP || !canMove(status, S.ORDER_STATUS_COOKED, 'redeliver'))
        return ignored(`delivery given back for a ${orderStatusName(status)} order`);
      return applied(order, { status: S.ORDER_STATUS_COOKED, deliveryId: '', riderId: '' }, [], now);

    case 'orderRejected':
    case 'storeOrderCancelled': {
      const decision = input.kind === 'orderRejected' ? 'rejected' : 'cancelled';
      if (order.storeDecision) return ignored(`the store already ${order.storeDecision.kind} the order`);
      if (!storeMayStop(status)) return ignored(`store ${decision} a ${orderStatusName(status)} order`);
      return settleCompensation(order, { storeDecision: { kind: decision, reason: input.reason } }, now);
    }

    case 'paymentRefunded':
      // Refunds follow a store rejection or cancellation, which only happen before cooking.
      if (!storeMayStop(status)) return ignored(`refund for a ${orderStatusName(status)} order needs nothing`);
      if (order.refund) return ignored('refund already recorded');
      return settleCompensation(order, { refund: { paymentId: input.paymentId, units: input.units, reason: input.reason } }, now);

    case 'cancellationRejected': {
      if (status !== S.ORDER_STATUS_CANCEL_REQUESTED) return ignored(`cancellation rejected for a ${orderStatusName(status)} order`);
      // Resume where the store says, unless events seen meanwhile show the order further along.
      const said = isUnderway(input.resumedStatus) ? input.resumedStatus : order.resumeStatus!;
      const resumed = rank(said) >= rank(order.resumeStatus!) ? said : order.resumeStatus!;
      return applied(order, { status: resumed, resumeStatus: null }, [], now);
    }
  }
}

function cancel(order: Order, input: { reason: string; requestedBy: string }, now: Date): Outcome {
  const status = order.status;
  if (status === S.ORDER_STATUS_AWAITING_PAYMENT) {
    return applied(
      order,
      { status: S.ORDER_STATUS_CANCELLED, cancelReason: input.reason },
      [
        {
          $case: 'orderCancelled',
          value: { ...who(order), reason: input.reason, reasonCode: CUSTOMER_REQUEST, wasPaid: false, paymentId: '', refund: undefined },
        },
      ],
      now,
    );
  }
  if (isCancellable(status) && !order.storeDecision) {
    return applied(
      order,
      { status: S.ORDER_STATUS_CANCEL_REQUESTED, resumeStatus: status, cancelReason: input.reason },
      [
        {
          $case: 'orderCancellationRequested',
          value: { ...who(order), reason: input.reason, requestedBy: input.requestedBy, previousStatus: status },
        },
      ],
      now,
    );
  }
  const why = ((): [string, string] => {
    if (order.storeDecision?.kind === 'rejected') return ['the store rejected this order; the refund is on its way', 'ORDER_REJECTED'];
    switch (status) {
      case S.ORDER_STATUS_CANCEL_REQUESTED:
        return ['cancellation was already requested; the store is deciding', 'CANCEL_ALREADY_REQUESTED'];
      case S.ORDER_STATUS_CANCELLED:
        return ['the order is already cancelled', 'ORDER_ALREADY_CANCELLED'];
      case S.ORDER_STATUS_COOKING:
      case S.ORDER_STATUS_COOKED:
      case S.ORDER_STATUS_PICKED_UP:
        return ['cooking has already started, so the order can no longer be cancelled', 'ORDER_ALREADY_COOKING'];
      case S.ORDER_STATUS_COMPLETED:
        return ['the order was already delivered', 'ORDER_COMPLETED'];
      case S.ORDER_STATUS_REJECTED:
        return ['the store rejected this order and it was refunded', 'ORDER_REJECTED'];
      case S.ORDER_STATUS_PAYMENT_FAILED:
        return ['the payment failed, so there is nothing to cancel', 'ORDER_PAYMENT_FAILED'];
      default:
        return [`a ${orderStatusName(status)} order cannot be cancelled`, 'ORDER_NOT_CANCELLABLE'];
    }
  })();
  throw failedPrecondition(why[0], why[1]);
}

/**
 * A paid order ends REJECTED or CANCELLED only when both the store's decision
 * and the refund are known; they come from different topics, in either order.
 */
function settleCompensation(order: Order, changes: Partial<Order>, now: Date): Outcome {
  const next = { ...order, ...changes };
  const { storeDecision: decision, refund } = next;
  if (!decision || !refund) return applied(order, changes, [], now);
  const refunded = { ...who(order), paymentId: refund.paymentId, refund: krw(refund.units) };
  if (decision.kind === 'rejected') {
    return applied(
      order,
      { ...changes, status: S.ORDER_STATUS_REJECTED, resumeStatus: null },
      [{ $case: 'orderRefunded', value: { ...refunded, reason: decision.reason, finalStatus: S.ORDER_STATUS_REJECTED } }],
      now,
    );
  }
  const reason = order.cancelReason || decision.reason;
  return applied(
    order,
    { ...changes, status: S.ORDER_STATUS_CANCELLED, resumeStatus: null },
    [
      { $case: 'orderRefunded', value: { ...refunded, reason, finalStatus: S.ORDER_STATUS_CANCELLED } },
      { $case: 'orderCancelled', value: { ...refunded, reason, reasonCode: CUSTOMER_REQUEST, wasPaid: true } },
    ],
    now,
  );
}

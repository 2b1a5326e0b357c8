/**
 * The order lifecycle, declared once: which statuses exist, how far along the
 * saga each is, which are final, which the customer may still cancel, and
 * which moves are allowed. The order service decides with it, the order view
 * folds with it, the web app shows buttons with it.
 *
 * Pure (imports only the generated enum, itself import-free, and enum-names), so domain code
 * and the browser bundle may depend on it. Statuses are taken as their proto
 * numbers: the services' ts-proto enum and the browser's protobuf-es enum are
 * two spellings of the same numbers.
 */
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { enumNames } from './enum-names';

const S = OrderStatus;

/**
 * How far along the saga a status is. Every final status outranks the rest.
 * CANCEL_REQUESTED sits between ACCEPTED and COOKING: a paid order can be
 * asked to cancel until cooking starts.
 */
const RANK: Readonly<Record<number, number>> = {
  [S.ORDER_STATUS_AWAITING_PAYMENT]: 1,
  [S.ORDER_STATUS_PAID]: 2,
  [S.ORDER_STATUS_ACCEPTED]: 3,
  [S.ORDER_STATUS_CANCEL_REQUESTED]: 4,
  [S.ORDER_STATUS_COOKING]: 5,
  [S.ORDER_STATUS_COOKED]: 6,
  [S.ORDER_STATUS_PICKED_UP]: 7,
  [S.ORDER_STATUS_COMPLETED]: 8,
  [S.ORDER_STATUS_REJECTED]: 8,
  [S.ORDER_STATUS_CANCELLED]: 8,
  [S.ORDER_STATUS_PAYMENT_FAILED]: 8,
};

const FINAL: ReadonlySet<number> = new Set([S.ORDER_STATUS_COMPLETED, S.ORDER_STATUS_REJECTED, S.ORDER_STATUS_CANCELLED, S.ORDER_STATUS_PAYMENT_FAILED]);

/** Paid and moving towards the customer: the statuses store and delivery milestones advance. */
const UNDERWAY: ReadonlySet<number> = new Set([
  S.ORDER_STATUS_PAID,
  S.ORDER_STATUS_ACCEPTED,
  S.ORDER_STATUS_COOKING,
  S.ORDER_STATUS_COOKED,
  S.ORDER_STATUS_PICKED_UP,
]);

/** Before cooking the customer may still cancel (an unpaid order at once; a paid one if the store agrees). */
const CANCELLABLE: ReadonlySet<number> = new Set([S.ORDER_STATUS_AWAITING_PAYMENT, S.ORDER_STATUS_PAID, S.ORDER_STATUS_ACCEPTED]);

/**
 * The backward moves, each with the one thing that may cause it: the store
 * refused a cancellation (`resume`: back from CANCEL_REQUESTED to where the
 * order was); the rider gave the delivery back (`redeliver`: from PICKED_UP
 * to COOKED, waiting for another rider). Nothing else ever moves an order back.
 */
const BACKWARD_MOVES = {
  resume: { from: S.ORDER_STATUS_CANCEL_REQUESTED, to: UNDERWAY },
  redeliver: { from: S.ORDER_STATUS_PICKED_UP, to: new Set([S.ORDER_STATUS_COOKED]) },
} as const satisfies Record<string, { from: OrderStatus; to: ReadonlySet<number> }>;
export type BackwardMove = keyof typeof BACKWARD_MOVES;

/** A status a real order can have (not UNSPECIFIED, not an unknown number). */
export const isKnownStatus = (s: number): boolean => RANK[s] !== undefined;
/** How far along the saga `s` is (0 for UNSPECIFIED or an unknown number). */
export const rank = (s: number): number => RANK[s] ?? 0;
/** Nothing leaves a final status. */
export const isFinal = (s: number): boolean => FINAL.has(s);
export const isUnderway = (s: number): boolean => UNDERWAY.has(s);
export const isCancellable = (s: number): boolean => CANCELLABLE.has(s);

/**
 * Whether an order may move from `from` to `to`: forward (or sideways at the
 * same rank) out of a non-final status, or, when caused by `backward`, along
 * that declared backward move.
 */
export function canMove(from: number, to: number, backward?: BackwardMove): boolean {
  if (isFinal(from) || !isKnownStatus(to)) return false;
  if (backward && BACKWARD_MOVES[backward].from === from && BACKWARD_MOVES[backward].to.has(to)) return true;
  return rank(to) >= rank(from);
}

const STATUS_NAMES = enumNames<OrderStatus>(OrderStatus, 'ORDER_STATUS_');
/** Short status names for messages and storage: ORDER_STATUS_COOKING → COOKING. */
export const orderStatusName = STATUS_NAMES.name;
export const orderStatusFromName = STATUS_NAMES.value;
/** Every status a column may hold, for its CHECK. */
export const ORDER_STATUS_NAMES = STATUS_NAMES.names;

import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import type { FactFields, ViewFact } from './facts';

const S = OrderStatus;

export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  S.ORDER_STATUS_COMPLETED,
  S.ORDER_STATUS_CANCELLED,
  S.ORDER_STATUS_REJECTED,
  S.ORDER_STATUS_PAYMENT_FAILED,
]);
export const isFinal = (s: OrderStatus) => FINAL_STATUSES.has(s);

/**
 * How far along the saga a status is. An event may only move the view forward
 * (or sideways at the same rank), so an earlier-stage event that arrives late
 * (CookingStarted after DeliveryPickedUp, from another topic) never moves the
 * status back. CANCEL_REQUESTED sits between ACCEPTED and COOKING: a paid order
 * can be asked to cancel until cooking starts. Every final status outranks the
 * rest, and nothing leaves a final status.
 */
const RANK: Record<OrderStatus, number> = {
  [S.ORDER_STATUS_UNSPECIFIED]: 0,
  [S.ORDER_STATUS_AWAITING_PAYMENT]: 1,
  [S.ORDER_STATUS_PAID]: 2,
  [S.ORDER_STATUS_ACCEPTED]: 3,
  [S.ORDER_STATUS_CANCEL_REQUESTED]: 3.5,
  [S.ORDER_STATUS_COOKING]: 4,
  [S.ORDER_STATUS_COOKED]: 5,
  [S.ORDER_STATUS_PICKED_UP]: 6,
  [S.ORDER_STATUS_COMPLETED]: 10,
  [S.ORDER_STATUS_REJECTED]: 10,
  [S.ORDER_STATUS_CANCELLED]: 10,
  [S.ORDER_STATUS_PAYMENT_FAILED]: 10,
  [S.UNRECOGNIZED]: 0,
};

/** Whether a fact proposing `next` may move an order from `current`. */
export function canMove(current: OrderStatus, next: OrderStatus, resumes = false): boolean {
  if (isFinal(current) || next === S.UNRECOGNIZED || next === S.ORDER_STATUS_UNSPECIFIED) return false;
  // The store refused a cancellation: back to where the order was.
  if (resumes && current === S.ORDER_STATUS_CANCEL_REQUESTED) return true;
  return RANK[next] >= RANK[current];
}

export interface TimelineItem {
  eventId: string;
  eventType: string;
  status: OrderStatus;
  occurredAt: string;
  description: string;
  /** The trace that created the event ("" when unknown). */
  traceId?: string;
}

export interface OrderView {
  orderId: string;
  customerId: string;
  storeId: string;
  storeName: string;
  status: OrderStatus;
  itemsSummary: string;
  totalCurrency: string;
  totalUnits: number;
  riderId: string;
  riderName: string;
  estimatedReadyMinutes: number;
  retryAfterSeconds: number;
  /** ISO 8601 while AWAITING_PAYMENT: until when it can be paid; '' otherwise. */
  payBy: string;
  timeline: TimelineItem[];
  /** Highest aggregate_version applied per "<producer>/<aggregate_id>". */
  versions: Record<string, number>;
  /** How many events the view applied to this order. */
  version: number;
  createdAt: string;
  /** The newest occurred_at among the applied events. */
  updatedAt: string;
}

/** The canonical order of an order's events: by time, then by producer's version, then id. */
export function compareFacts(a: ViewFact, b: ViewFact): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  if (a.producer !== b.producer) return a.producer < b.producer ? -1 : 1;
  if (a.aggregateVersion !== b.aggregateVersion) return a.aggregateVersion - b.aggregateVersion;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/**
 * The view of an order from the set of its events. It folds the facts in
 * occurred_at order, so the result depends only on which events were applied,
 * never on the order they arrived in: a late event lands in its place in the
 * timeline, and a rebuild from offset zero ends identical to the live view.
 *
 * Within the fold an event older (by aggregate_version) than one already
 * applied from the same producer's aggregate does not move the status.
 */
export function foldView(orderId: string, facts: readonly ViewFact[]): OrderView {
  const unique = [...new Map(facts.map((f) => [f.eventId, f])).values()].sort(compareFacts);
  const fields: Required<Omit<FactFields, 'createdAt'>> = {
    customerId: '',
    storeId: '',
    storeName: '',
    itemsSummary: '',
    totalCurrency: '',
    totalUnits: 0,
    riderId: '',
    riderName: '',
    estimatedReadyMinutes: 0,
    retryAfterSeconds: 0,
    payBy: '',
  };
  const versions: Record<string, number> = {};
  const timeline: TimelineItem[] = [];
  let status: OrderStatus = S.ORDER_STATUS_UNSPECIFIED;
  let createdAt: string | undefined;

  for (const f of unique) {
    const key = `${f.producer}/${f.aggregateId}`;
    const stale = f.aggregateVersion > 0 && f.aggregateVersion < (versions[key] ?? 0);
    if (!stale) {
      versions[key] = Math.max(versions[key] ?? 0, f.aggregateVersion);
      if (f.status !== undefined && canMove(status, f.status, f.resumes)) status = f.status;
      for (const [k, v] of Object.entries(f.set) as [keyof FactFields, string | number | undefined][]) {
        if (k === 'createdAt' || v === undefined || v === '' || v === 0) continue;
        (fields as Record<string, string | number>)[k] = v;
      }
    }
    if (f.set.createdAt && (!createdAt || f.set.createdAt < createdAt)) createdAt = f.set.createdAt;
    timeline.push({ eventId: f.eventId, eventType: f.eventType, status, occurredAt: f.occurredAt, description: f.description, traceId: f.traceId ?? '' });
  }
  // Events that came before any status-bearing one (PaymentApproved before OrderPlaced) happened
  // on the way to the first status the view knows: they show that one, never UNSPECIFIED, which no
  // order ever had. While no status is known at all, the row is not shown (view-repo's reads).
  const first = timeline.find((t) => t.status !== S.ORDER_STATUS_UNSPECIFIED)?.status;
  if (first !== undefined) for (const t of timeline) if (t.status === S.ORDER_STATUS_UNSPECIFIED) t.status = first;

  return {
    orderId,
    ...fields,
    // Only an order waiting for payment has a retry hint and a time to pay by.
    retryAfterSeconds: status === S.ORDER_STATUS_AWAITING_PAYMENT ? fields.retryAfterSeconds : 0,
    payBy: status === S.ORDER_STATUS_AWAITING_PAYMENT ? fields.payBy : '',
    status,
    timeline,
    versions,
    version: unique.length,
    // Before the order's own first event arrives, the earliest event stands in.
    createdAt: createdAt ?? unique[0]?.occurredAt ?? new Date(0).toISOString(),
    updatedAt: unique[unique.length - 1]?.occurredAt ?? new Date(0).toISOString(),
  };
}

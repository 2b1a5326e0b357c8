import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { StoreMenu } from '../domain/menu';
import type { Order } from '../domain/order';

/** The order service's changes that commit together, inside one transaction (see InTransaction). */
export interface OrderRepository {
  /** The order, its row locked until the transaction ends. */
  lockOrder(orderId: string): Promise<Order | undefined>;
  saveOrder(o: Order): Promise<void>;
  /** False when the replica already has this menu version or a newer one. */
  upsertMenuIfNewer(m: StoreMenu): Promise<boolean>;
  /** Appends events to the outbox: published if and only if the transaction commits. */
  publish(envelopes: EventEnvelope[]): Promise<void>;
}

export type InTransaction = <T>(work: (repo: OrderRepository) => Promise<T>) => Promise<T>;

/** What needs no transaction: reads, and saving a new order (one statement). */
export interface OrderStore {
  findOrder(orderId: string): Promise<Order | undefined>;
  findUnsettled(savedBefore: Date, limit: number): Promise<Order[]>;
  findExpired(dueBefore: Date, limit: number): Promise<Order[]>;
  findDeferredUnannounced(now: Date, savedBefore: Date, limit: number): Promise<Order[]>;
  findByIdempotencyKey(customerId: string, key: string): Promise<{ order: Order; fingerprint: string } | undefined>;
  /** False when the customer's idempotency key is taken. */
  insertOrder(o: Order, idempotencyKey: string, fingerprint: string): Promise<boolean>;
  findStoreMenu(storeId: string): Promise<StoreMenu | undefined>;
}

export interface ChargeOrder {
  orderId: string;
  customerId: string;
  amountUnits: number;
  method: PaymentMethod;
  /** No charge is made at or after this time (the order's pay-by). */
  payBy: Date;
}

/**
 * How a charge attempt ended, as the order saga needs it. `unavailable` covers
 * everything that leaves the outcome unknown or not attempted (down,
 * overloaded, too slow, breaker open, unexpected errors): the order is kept
 * and the customer pays later.
 */
export type PaymentResult =
  | { kind: 'approved'; paymentId: string }
  | { kind: 'declined'; paymentId: string; reason: string }
  | { kind: 'unavailable'; reason: string }
  /** Payment refused to charge: the order's pay-by time has passed (its clock). Nothing was charged. */
  | { kind: 'windowClosed' };

/**
 * The order service's one synchronous dependency. The gRPC adapter is the
 * only production implementation; its client carries the breaker (platform
 * resilience.ts), whose fail-fast answers arrive here as `unavailable`.
 */
export interface PaymentGateway {
  charge(req: ChargeOrder): Promise<PaymentResult>;
  /**
   * Whether Pay works, asked with a Pay for the order that cannot charge (its pay-by time long
   * past): payment refuses it under the order's lock once its fault knob, its database and the
   * client's breaker had their say, or returns the charge it already holds.
   */
  answers(req: Omit<ChargeOrder, 'payBy'>): Promise<boolean>;
}

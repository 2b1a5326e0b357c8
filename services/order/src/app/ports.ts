import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { StoreMenu } from '../domain/menu';
import type { Order } from '../domain/order';

export type { PaymentGateway } from './payment-gateway';

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

import type { Tx } from '@foodmesh/platform';
import type { StoreMenu } from '../domain/menu';
import type { Order } from '../domain/order';

export type { PaymentGateway } from './payment-gateway';

/** A connection or a transaction: reads work on either. */
export type Queryable = Pick<Tx, 'query'>;

/** Where orders are kept (adapters/pg/orders-repo.ts). */
export interface OrdersRepo {
  findOrder(db: Queryable, orderId: string): Promise<Order | undefined>;
  /** The order, its row locked until the transaction ends. */
  findOrderForUpdate(tx: Tx, orderId: string): Promise<Order | undefined>;
  findUnsettled(db: Queryable, savedBefore: Date, limit: number): Promise<Order[]>;
  findExpired(db: Queryable, dueBefore: Date, limit: number): Promise<Order[]>;
  findDeferredUnannounced(db: Queryable, now: Date, savedBefore: Date, limit: number): Promise<Order[]>;
  findByIdempotencyKey(db: Queryable, customerId: string, key: string): Promise<{ order: Order; fingerprint: string } | undefined>;
  /** False when the customer's idempotency key is taken. */
  insertOrder(db: Queryable, o: Order, idempotencyKey: string, fingerprint: string): Promise<boolean>;
  saveOrder(tx: Tx, o: Order): Promise<void>;
}

/** The menu replica (adapters/pg/menu-repo.ts). */
export interface MenuRepo {
  findStoreMenu(db: Queryable, storeId: string): Promise<StoreMenu | undefined>;
  /** False when the replica already has this menu version or a newer one. */
  upsertMenuIfNewer(db: Queryable, m: StoreMenu): Promise<boolean>;
}

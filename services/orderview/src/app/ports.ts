import type { Tx } from '@foodmesh/platform';
import type { ViewFact } from '../domain/facts';
import type { OrderView } from '../domain/order-view';

/** Where the queries read views. */
export interface ViewReads {
  get(orderId: string): Promise<OrderView | undefined>;
  listByCustomer(customerId: string, page: { limit: number; offset: number }): Promise<OrderView[]>;
}

/** Tells a watcher that an order's view may have changed. */
export interface ViewChanges {
  /** Calls `fn` after each committed change of `orderId` (and after any gap in notifications); returns the unsubscribe. */
  subscribe(orderId: string, fn: () => void): () => void;
}

/** Where the projection keeps each order's facts and view (adapters/pg/view-repo.ts). */
export interface ViewStore {
  /** The facts applied so far to an order, its row locked (created empty if new) until the transaction ends. */
  lockFacts(tx: Tx, orderId: string): Promise<ViewFact[]>;
  save(tx: Tx, v: OrderView, facts: ViewFact[]): Promise<void>;
  /** Up to `limit` orders' facts, by order id after `after`: a rebuild merges the live view page by page. */
  factsAfter(tx: Tx, after: string, limit: number): Promise<Array<{ orderId: string; facts: ViewFact[] }>>;
  count(): Promise<number>;
}

/**
 * A rebuild's own table and inbox (adapters/pg/view-repo.ts): `prepare` makes them fresh; `swap`
 * locks the live view against writes (reads go on), runs `merge`, and gives the live view the
 * rebuild table's content in the same transaction; `drop` removes them.
 */
export interface RebuildTables {
  prepare(): Promise<void>;
  swap<T>(merge: (tx: Tx) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

import { orderStatusFromName, orderStatusName, withTransaction, type Page, type Pool, type Tx } from '@foodmesh/platform';
import type { ViewFact } from '../../domain/facts';
import type { OrderView } from '../../domain/order-view';

/** The NOTIFY channel of view changes; the payload is the order id. */
export const VIEW_CHANGED_CHANNEL = 'orderview_changed';

const COLUMNS = `order_id, customer_id, store_id, store_name, status, items_summary, total_currency, total_units,
  rider_id, rider_name, estimated_ready_minutes, retry_after_seconds, pay_by, timeline, versions, version, created_at, updated_at`;

interface Row {
  order_id: string;
  customer_id: string;
  store_id: string;
  store_name: string;
  status: string;
  items_summary: string;
  total_currency: string;
  total_units: number;
  rider_id: string;
  rider_name: string;
  estimated_ready_minutes: number;
  retry_after_seconds: number;
  pay_by: Date | null;
  timeline: OrderView['timeline'];
  versions: Record<string, number>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toView = (r: Row): OrderView => ({
  orderId: r.order_id,
  customerId: r.customer_id,
  storeId: r.store_id,
  storeName: r.store_name,
  status: orderStatusFromName(r.status),
  itemsSummary: r.items_summary,
  totalCurrency: r.total_currency,
  totalUnits: r.total_units,
  riderId: r.rider_id,
  riderName: r.rider_name,
  estimatedReadyMinutes: r.estimated_ready_minutes,
  retryAfterSeconds: r.retry_after_seconds,
  payBy: r.pay_by?.toISOString() ?? '',
  timeline: r.timeline,
  versions: r.versions,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** The view the queries read, and the one a rebuild fills before it swaps the two (same columns and indexes). */
export const LIVE_TABLE = 'order_view';
export const REBUILD_TABLE = 'order_view_rebuild';

/** The view in `table`: the live one (whose changes watchers are told of), or a rebuild's. */
export function createViewRepo(pool: Pool, table: typeof LIVE_TABLE | typeof REBUILD_TABLE = LIVE_TABLE) {
  return {
    /** The facts applied so far to an order, its row locked (created empty if new) until the transaction ends. */
    async lockFacts(tx: Tx, orderId: string): Promise<ViewFact[]> {
      await tx.query(`INSERT INTO ${table} (order_id) VALUES ($1) ON CONFLICT DO NOTHING`, [orderId]);
      const { rows } = await tx.query<{ facts: ViewFact[] }>(`SELECT facts FROM ${table} WHERE order_id = $1 FOR UPDATE`, [orderId]);
      return rows[0]!.facts;
    },

    /** Writes the view and its facts, and tells watchers (on commit) when it is the live view. */
    async save(tx: Tx, v: OrderView, facts: ViewFact[]): Promise<void> {
      await tx.query(
        `UPDATE ${table} SET customer_id = $2, store_id = $3, store_name = $4, status = $5, items_summary = $6,
           total_currency = $7, total_units = $8, rider_id = $9, rider_name = $10, estimated_ready_minutes = $11,
           retry_after_seconds = $12, timeline = $13, facts = $14, versions = $15, version = $16, created_at = $17,
           updated_at = $18, pay_by = $19, applied_at = now()
         WHERE order_id = $1`,
        [
          v.orderId,
          v.customerId,
          v.storeId,
          v.storeName,
          v.status === 0 ? null : orderStatusName(v.status),
          v.itemsSummary,
          v.totalCurrency,
          v.totalUnits,
          v.riderId,
          v.riderName,
          v.estimatedReadyMinutes,
          v.retryAfterSeconds,
          JSON.stringify(v.timeline),
          JSON.stringify(facts),
          JSON.stringify(v.versions),
          v.version,
          v.createdAt,
          v.updatedAt,
          v.payBy || null,
        ],
      );
      if (table === LIVE_TABLE) await tx.query('SELECT pg_notify($1, $2)', [VIEW_CHANGED_CHANNEL, v.orderId]);
    },

    /** One page of every order's facts, by order id after `after` (a rebuild's merge walks the whole view with it). */
    async factsAfter(tx: Tx, after: string, limit: number): Promise<Array<{ orderId: string; facts: ViewFact[] }>> {
      const { rows } = await tx.query<{ order_id: string; facts: ViewFact[] }>(
        `SELECT order_id, facts FROM ${table} WHERE order_id > $1 ORDER BY order_id LIMIT $2`,
        [after, limit],
      );
      return rows.map((r) => ({ orderId: r.order_id, facts: r.facts }));
    },

    /** The order's view, once it knows a status (NULL, UNSPECIFIED in the view: only events that precede one). */
    async get(orderId: string): Promise<OrderView | undefined> {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM ${table} WHERE order_id = $1 AND status IS NOT NULL`, [orderId]);
      return rows[0] && toView(rows[0]);
    },

    /** A customer's orders, newest first; `page.limit + 1` rows so the caller can tell whether a next page exists. */
    async listByCustomer(customerId: string, page: Page): Promise<OrderView[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${table} WHERE customer_id = $1 AND status IS NOT NULL ORDER BY created_at DESC, order_id DESC LIMIT $2 OFFSET $3`,
        [customerId, page.limit + 1, page.offset],
      );
      return rows.map(toView);
    },

    async count(): Promise<number> {
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      return rows[0]!.n;
    },

    /** The newest occurred_at applied and when the view last changed. */
    async freshness(): Promise<{ newestOccurredAt?: Date; lastAppliedAt?: Date }> {
      const { rows } = await pool.query<{ newest: Date | null; last: Date | null }>(`SELECT max(updated_at) AS newest, max(applied_at) AS last FROM ${table}`);
      return { newestOccurredAt: rows[0]?.newest ?? undefined, lastAppliedAt: rows[0]?.last ?? undefined };
    },
  };
}
export type ViewRepo = ReturnType<typeof createViewRepo>;

/**
 * The tables of a rebuild: a fresh rebuild table (and an empty inbox for its replay), then the
 * swap: with the live view locked against writes (reads go on), `merge` completes the rebuild
 * table from the live one, and the live view takes its content in the same transaction.
 */
export function createRebuildTables(pool: Pool, replayInbox: string) {
  return {
    async prepare(): Promise<void> {
      await withTransaction(pool, async (tx) => {
        await tx.query(`DROP TABLE IF EXISTS ${REBUILD_TABLE}`);
        await tx.query(`CREATE TABLE ${REBUILD_TABLE} (LIKE ${LIVE_TABLE} INCLUDING ALL)`);
        await tx.query('DELETE FROM inbox WHERE consumer = $1', [replayInbox]);
      });
    },
    async swap<T>(merge: (tx: Tx) => Promise<T>): Promise<T> {
      return withTransaction(pool, async (tx) => {
        // EXCLUSIVE: the live consumer's writes wait (and resume on the swapped view); readers see the old view until commit.
        await tx.query(`LOCK TABLE ${LIVE_TABLE} IN EXCLUSIVE MODE`);
        const merged = await merge(tx);
        await tx.query(`DELETE FROM ${LIVE_TABLE}`);
        await tx.query(`INSERT INTO ${LIVE_TABLE} SELECT * FROM ${REBUILD_TABLE}`);
        return merged;
      });
    },
    async drop(): Promise<void> {
      await pool.query(`DROP TABLE IF EXISTS ${REBUILD_TABLE}`);
      await pool.query('DELETE FROM inbox WHERE consumer = $1', [replayInbox]);
    },
  };
}
export type RebuildTables = ReturnType<typeof createRebuildTables>;

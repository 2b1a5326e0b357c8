import { withTransaction, type Page, type Pool, type Tx } from '@foodmesh/platform';
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
  status: number;
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
  status: r.status,
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

export function createViewRepo(pool: Pool) {
  return {
    /** The facts applied so far to an order, its row locked (created empty if new) until the transaction ends. */
    async lockFacts(tx: Tx, orderId: string): Promise<ViewFact[]> {
      await tx.query('INSERT INTO order_view (order_id) VALUES ($1) ON CONFLICT DO NOTHING', [orderId]);
      const { rows } = await tx.query<{ facts: ViewFact[] }>('SELECT facts FROM order_view WHERE order_id = $1 FOR UPDATE', [orderId]);
      return rows[0]!.facts;
    },

    /** Writes the view and its facts, and tells watchers (on commit). */
    async save(tx: Tx, v: OrderView, facts: ViewFact[]): Promise<void> {
      await tx.query(
        `UPDATE order_view SET customer_id = $2, store_id = $3, store_name = $4, status = $5, items_summary = $6,
           total_currency = $7, total_units = $8, rider_id = $9, rider_name = $10, estimated_ready_minutes = $11,
           retry_after_seconds = $12, timeline = $13, facts = $14, versions = $15, version = $16, created_at = $17,
           updated_at = $18, pay_by = $19, applied_at = now()
         WHERE order_id = $1`,
        [
          v.orderId, v.customerId, v.storeId, v.storeName, v.status, v.itemsSummary, v.totalCurrency, v.totalUnits,
          v.riderId, v.riderName, v.estimatedReadyMinutes, v.retryAfterSeconds, JSON.stringify(v.timeline),
          JSON.stringify(facts), JSON.stringify(v.versions), v.version, v.createdAt, v.updatedAt, v.payBy || null,
        ],
      );
      await tx.query('SELECT pg_notify($1, $2)', [VIEW_CHANGED_CHANNEL, v.orderId]);
    },

    /** The order's view, once it knows a status (status 0, UNSPECIFIED: only events that precede one). */
    async get(orderId: string): Promise<OrderView | undefined> {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM order_view WHERE order_id = $1 AND status <> 0`, [orderId]);
      return rows[0] && toView(rows[0]);
    },

    /** A customer's orders, newest first; `page.limit + 1` rows so the caller can tell whether a next page exists. */
    async listByCustomer(customerId: string, page: Page): Promise<OrderView[]> {
      const { rows } = await pool.query<Row>(
        `SELECT ${COLUMNS} FROM order_view WHERE customer_id = $1 AND status <> 0 ORDER BY created_at DESC, order_id DESC LIMIT $2 OFFSET $3`,
        [customerId, page.limit + 1, page.offset],
      );
      return rows.map(toView);
    },

    /** Empties the view and this consumer's inbox together, so every event can be applied again. */
    async reset(consumer: string): Promise<void> {
      await withTransaction(pool, async (tx) => {
        await tx.query('TRUNCATE order_view');
        await tx.query('DELETE FROM inbox WHERE consumer = $1', [consumer]);
      });
    },

    async count(): Promise<number> {
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM order_view');
      return rows[0]!.n;
    },

    /** The newest occurred_at applied and when the view last changed. */
    async freshness(): Promise<{ newestOccurredAt?: Date; lastAppliedAt?: Date }> {
      const { rows } = await pool.query<{ newest: Date | null; last: Date | null }>('SELECT max(updated_at) AS newest, max(applied_at) AS last FROM order_view');
      return { newestOccurredAt: rows[0]?.newest ?? undefined, lastAppliedAt: rows[0]?.last ?? undefined };
    },
  };
}
export type ViewRepo = ReturnType<typeof createViewRepo>;

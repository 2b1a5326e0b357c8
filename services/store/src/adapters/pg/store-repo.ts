import { appendToOutbox, withTransaction, type Pool, type Tx } from '@foodmesh/platform';
import type { MenuItem } from '@foodmesh/proto-gen/foodmesh/common/v1/menu_item';
import type { InTransaction, StoreRepository } from '../../app/ports';
import { STORE_COLUMNS, STORE_ORDER_COLUMNS, toStore, toStoreOrder, type StoreOrderRow, type StoreRow } from './rows';

interface MenuItemRow {
  store_id: string;
  menu_item_id: string;
  name: string;
  description: string;
  price_units: number;
  currency_code: string;
  available: boolean;
}

export const toMenuItem = (r: MenuItemRow): MenuItem => ({
  menuItemId: r.menu_item_id,
  name: r.name,
  description: r.description,
  price: { currencyCode: r.currency_code, units: r.price_units },
  available: r.available,
});

export const MENU_ITEM_COLUMNS = 'store_id, menu_item_id, name, description, price_units, currency_code, available';

/** The repository over one open transaction. */
export function pgStoreRepository(tx: Tx): StoreRepository {
  return {
    async findStore(storeId) {
      const { rows } = await tx.query<StoreRow>(`SELECT ${STORE_COLUMNS} FROM stores WHERE store_id = $1`, [storeId]);
      return rows[0] ? toStore(rows[0]) : null;
    },
    async lockStoreOrder(orderId) {
      const { rows } = await tx.query<StoreOrderRow>(`SELECT ${STORE_ORDER_COLUMNS} FROM store_orders WHERE order_id = $1 FOR UPDATE`, [orderId]);
      return rows[0] ? toStoreOrder(rows[0]) : null;
    },
    async insertStoreOrder(o) {
      const res = await tx.query(
        `INSERT INTO store_orders (order_id, store_id, customer_id, items, total_units, currency_code,
           dropoff_region, dropoff_lat, dropoff_lng, dropoff_text, status, estimated_ready_minutes, reason, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (order_id) DO NOTHING`,
        [
          o.orderId,
          o.storeId,
          o.customerId,
          JSON.stringify(o.items),
          o.total.units,
          o.total.currencyCode || 'KRW',
          o.dropoff.region,
          o.dropoff.location?.lat ?? 0,
          o.dropoff.location?.lng ?? 0,
          o.dropoff.text,
          o.status,
          o.estimatedReadyMinutes,
          o.reason,
          o.version,
        ],
      );
      return res.rowCount === 1;
    },
    async saveStoreOrder(o) {
      const { rows } = await tx.query<StoreOrderRow>(
        `UPDATE store_orders
            SET status = $2, estimated_ready_minutes = $3, reason = $4, version = $5,
                updated_at = CASE WHEN status = $2 THEN updated_at ELSE now() END
          WHERE order_id = $1
          RETURNING ${STORE_ORDER_COLUMNS}`,
        [o.orderId, o.status, o.estimatedReadyMinutes, o.reason, o.version],
      );
      if (!rows[0]) throw new Error(`store order ${o.orderId} disappeared inside its own transaction`);
      return toStoreOrder(rows[0]);
    },
    async lockUnpublishedMenus() {
      const { rows } = await tx.query<StoreRow & { menu_version: number }>(
        `SELECT ${STORE_COLUMNS}, menu_version FROM stores WHERE published_menu_version < menu_version ORDER BY store_id FOR UPDATE`,
      );
      if (rows.length === 0) return [];
      const items = await tx.query<MenuItemRow>(`SELECT ${MENU_ITEM_COLUMNS} FROM menu_items WHERE store_id = ANY($1) ORDER BY store_id, position`, [
        rows.map((r) => r.store_id),
      ]);
      return rows.map((r) => ({
        store: toStore(r),
        menuVersion: r.menu_version,
        items: items.rows.filter((i) => i.store_id === r.store_id).map(toMenuItem),
      }));
    },
    async markMenuPublished(storeId, menuVersion) {
      await tx.query('UPDATE stores SET published_menu_version = $2 WHERE store_id = $1', [storeId, menuVersion]);
    },
    publish: (envelopes) => appendToOutbox(tx, envelopes),
  };
}

export const pgTransactor =
  (pool: Pool): InTransaction =>
  (work) =>
    withTransaction(pool, (tx) => work(pgStoreRepository(tx)));

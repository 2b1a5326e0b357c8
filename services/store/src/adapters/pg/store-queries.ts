import type { Page, Pool } from '@foodmesh/platform';
import type { MenuItem } from '@foodmesh/proto-gen/foodmesh/common/v1/menu_item';
import type { StoreOrderRecord, StoreRecord } from '../../app/ports';
import type { StoreOrderStatus } from '../../domain/store-order';
import { STORE_COLUMNS, STORE_ORDER_COLUMNS, toStore, toStoreOrder, type StoreOrderRow, type StoreRow } from './rows';
import { MENU_ITEM_COLUMNS, toMenuItem } from './store-repo';

/** Reads for the RPCs: plain queries, no locks. Each fetches one row more than the page to tell whether another page follows. */
export function storeQueries(pool: Pool) {
  return {
    async findStore(storeId: string): Promise<StoreRecord | null> {
      const { rows } = await pool.query<StoreRow>(`SELECT ${STORE_COLUMNS} FROM stores WHERE store_id = $1`, [storeId]);
      return rows[0] ? toStore(rows[0]) : null;
    },
    async listStores(region: string, page: Page): Promise<StoreRecord[]> {
      const { rows } = await pool.query<StoreRow>(
        `SELECT ${STORE_COLUMNS} FROM stores WHERE ($1 = '' OR region = $1) ORDER BY open DESC, name, store_id LIMIT $2 OFFSET $3`,
        [region, page.limit + 1, page.offset],
      );
      return rows.map(toStore);
    },
    async menuOf(storeId: string): Promise<{ items: MenuItem[]; menuVersion: number }> {
      const [items, version] = await Promise.all([
        pool.query(`SELECT ${MENU_ITEM_COLUMNS} FROM menu_items WHERE store_id = $1 ORDER BY position`, [storeId]),
        pool.query<{ menu_version: number }>('SELECT menu_version FROM stores WHERE store_id = $1', [storeId]),
      ]);
      return { items: items.rows.map(toMenuItem), menuVersion: version.rows[0]?.menu_version ?? 0 };
    },
    async listStoreOrders(storeId: string, status: StoreOrderStatus | undefined, page: Page): Promise<StoreOrderRecord[]> {
      const { rows } = await pool.query<StoreOrderRow>(
        `SELECT ${STORE_ORDER_COLUMNS} FROM store_orders
          WHERE store_id = $1 AND ($2::text IS NULL OR status = $2)
          ORDER BY created_at DESC, order_id DESC LIMIT $3 OFFSET $4`,
        [storeId, status ?? null, page.limit + 1, page.offset],
      );
      return rows.map(toStoreOrder);
    },
  };
}
export type StoreQueries = ReturnType<typeof storeQueries>;

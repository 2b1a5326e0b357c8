import type { Tx } from '@foodmesh/platform';
import type { StoreMenu } from '../../domain/menu';

type Queryable = Pick<Tx, 'query'>;

export async function findStoreMenu(db: Queryable, storeId: string): Promise<StoreMenu | undefined> {
  const { rows } = await db.query(
    `SELECT store_id AS "storeId", store_name AS "storeName", owner_id AS "ownerId", region, lat, lng, address_text AS "addressText",
            open, items, menu_version AS "menuVersion"
     FROM menu_stores WHERE store_id = $1`,
    [storeId],
  );
  return rows[0] as StoreMenu | undefined;
}

/** Stores a published menu unless the replica already holds this version or a newer one; returns whether it did. */
export async function upsertMenuIfNewer(db: Queryable, m: StoreMenu): Promise<boolean> {
  const res = await db.query(
    `INSERT INTO menu_stores (store_id, store_name, owner_id, region, lat, lng, address_text, open, items, menu_version, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
     ON CONFLICT (store_id) DO UPDATE SET
       store_name = EXCLUDED.store_name, owner_id = EXCLUDED.owner_id, region = EXCLUDED.region, lat = EXCLUDED.lat, lng = EXCLUDED.lng,
       address_text = EXCLUDED.address_text, open = EXCLUDED.open, items = EXCLUDED.items, menu_version = EXCLUDED.menu_version, updated_at = now()
     WHERE menu_stores.menu_version < EXCLUDED.menu_version`,
    [m.storeId, m.storeName, m.ownerId, m.region, m.lat, m.lng, m.addressText, m.open, JSON.stringify(m.items), m.menuVersion],
  );
  return res.rowCount === 1;
}

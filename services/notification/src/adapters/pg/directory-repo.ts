import type { Tx } from '@foodmesh/platform';

/** Who owns a store and which riders serve a region. */
export const directoryRepo = {
  async ownerOf(tx: Tx, storeId: string): Promise<string | undefined> {
    const { rows } = await tx.query<{ owner_id: string }>('SELECT owner_id FROM store_owners WHERE store_id = $1', [storeId]);
    return rows[0]?.owner_id;
  },
  async ridersIn(tx: Tx, region: string): Promise<string[]> {
    const { rows } = await tx.query<{ rider_id: string }>('SELECT rider_id FROM riders WHERE region = $1 ORDER BY rider_id', [region]);
    return rows.map((r) => r.rider_id);
  },
  /** MenuPublished carries the owner: keep the directory current. */
  async upsertStore(tx: Tx, s: { storeId: string; ownerId: string; storeName: string; region: string }): Promise<void> {
    await tx.query(
      `INSERT INTO store_owners (store_id, owner_id, store_name, region) VALUES ($1, $2, $3, $4)
       ON CONFLICT (store_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, store_name = EXCLUDED.store_name, region = EXCLUDED.region`,
      [s.storeId, s.ownerId, s.storeName, s.region],
    );
  },
};
export type DirectoryRepo = typeof directoryRepo;

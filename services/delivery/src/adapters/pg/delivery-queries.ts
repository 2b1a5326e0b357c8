import type { Page, Pool } from '@foodmesh/platform';
import type { DeliveryRecord, RiderRecord } from '../../app/ports';
import { DELIVERY_COLUMNS, isUuid, toDelivery, toRider, type DeliveryRow, type RiderRow } from './rows';

/** Reads for the RPCs: plain queries, no locks. */
export function deliveryQueries(pool: Pool) {
  return {
    async findRider(riderId: string): Promise<RiderRecord | null> {
      const { rows } = await pool.query<RiderRow>('SELECT rider_id, name, region FROM riders WHERE rider_id = $1', [riderId]);
      return rows[0] ? toRider(rows[0]) : null;
    },
    async findDelivery(deliveryId: string): Promise<DeliveryRecord | null> {
      if (!isUuid(deliveryId)) return null;
      const { rows } = await pool.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE delivery_id = $1`, [deliveryId]);
      return rows[0] ? toDelivery(rows[0]) : null;
    },
    /** Every AVAILABLE delivery of a region, oldest first; ranking by distance happens in the domain. */
    async availableIn(region: string): Promise<DeliveryRecord[]> {
      const { rows } = await pool.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE region = $1 AND status = 'AVAILABLE' ORDER BY created_at, delivery_id`,
        [region],
      );
      return rows.map(toDelivery);
    },
    /** A rider's deliveries, newest pickup first; one row more than the page says whether another follows. */
    async ofRider(riderId: string, page: Page): Promise<DeliveryRecord[]> {
      const { rows } = await pool.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE rider_id = $1 ORDER BY picked_up_at DESC NULLS LAST, delivery_id DESC LIMIT $2 OFFSET $3`,
        [riderId, page.limit + 1, page.offset],
      );
      return rows.map(toDelivery);
    },
  };
}
export type DeliveryQueries = ReturnType<typeof deliveryQueries>;

import { appendToOutbox, withTransaction, type Pool, type Tx } from '@foodmesh/platform';
import type { DeliveryRepository, InTransaction } from '../../app/ports';
import { DELIVERY_COLUMNS, isUuid, toDelivery, toRider, type DeliveryRow, type RiderRow } from './rows';

/** The repository over one open transaction. */
export function pgDeliveryRepository(tx: Tx): DeliveryRepository {
  const lockWhere = async (where: string, value: string) => {
    const { rows } = await tx.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE ${where} = $1 FOR UPDATE`, [value]);
    return rows[0] ? toDelivery(rows[0]) : null;
  };
  return {
    async findRider(riderId) {
      const { rows } = await tx.query<RiderRow>('SELECT rider_id, name, region FROM riders WHERE rider_id = $1', [riderId]);
      return rows[0] ? toRider(rows[0]) : null;
    },
    async insertDelivery(d) {
      const res = await tx.query(
        `INSERT INTO deliveries (delivery_id, order_id, store_id, store_name, customer_id, region,
           pickup_region, pickup_lat, pickup_lng, pickup_text, dropoff_region, dropoff_lat, dropoff_lng, dropoff_text,
           status, rider_id, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (order_id) DO NOTHING`,
        [
          d.deliveryId,
          d.orderId,
          d.storeId,
          d.storeName,
          d.customerId,
          d.region,
          d.pickup.region,
          d.pickup.location?.lat ?? 0,
          d.pickup.location?.lng ?? 0,
          d.pickup.text,
          d.dropoff.region,
          d.dropoff.location?.lat ?? 0,
          d.dropoff.location?.lng ?? 0,
          d.dropoff.text,
          d.status,
          d.riderId,
          d.version,
        ],
      );
      return res.rowCount === 1;
    },
    lockDelivery: (deliveryId) => (isUuid(deliveryId) ? lockWhere('delivery_id', deliveryId) : Promise.resolve(null)),
    lockDeliveryOfOrder: (orderId) => lockWhere('order_id', orderId),
    async saveDelivery(d, from) {
      const { rows } = await tx.query<DeliveryRow>(
        `UPDATE deliveries
            SET status = $2, rider_id = $3, version = $4,
                picked_up_at = CASE WHEN $2 = 'PICKED_UP' THEN now() WHEN $2 = 'AVAILABLE' THEN NULL ELSE picked_up_at END,
                completed_at = CASE WHEN $2 = 'COMPLETED' THEN now() ELSE completed_at END,
                withdrawn_at = CASE WHEN $2 = 'WITHDRAWN' THEN now() ELSE withdrawn_at END
          WHERE delivery_id = $1 AND status = $5
          RETURNING ${DELIVERY_COLUMNS}`,
        [d.deliveryId, d.status, d.riderId, d.version, from],
      );
      if (!rows[0]) throw new Error(`delivery ${d.deliveryId} changed under its own row lock`);
      return toDelivery(rows[0]);
    },
    publish: (envelopes) => appendToOutbox(tx, envelopes),
  };
}

export const pgTransactor =
  (pool: Pool): InTransaction =>
  (work) =>
    withTransaction(pool, (tx) => work(pgDeliveryRepository(tx)));

import type { DeliveryRecord, RiderRecord } from '../../app/ports';
import type { DeliveryStatus } from '../../domain/delivery';

export const DELIVERY_COLUMNS =
  'delivery_id, order_id, store_id, store_name, customer_id, region, pickup_region, pickup_lat, pickup_lng, pickup_text, ' +
  'dropoff_region, dropoff_lat, dropoff_lng, dropoff_text, status, rider_id, version, created_at, picked_up_at, completed_at';

export interface DeliveryRow {
  delivery_id: string;
  order_id: string;
  store_id: string;
  store_name: string;
  customer_id: string;
  region: string;
  pickup_region: string;
  pickup_lat: number;
  pickup_lng: number;
  pickup_text: string;
  dropoff_region: string;
  dropoff_lat: number;
  dropoff_lng: number;
  dropoff_text: string;
  status: DeliveryStatus;
  rider_id: string;
  version: number;
  created_at: Date;
  picked_up_at: Date | null;
  completed_at: Date | null;
}

export interface RiderRow {
  rider_id: string;
  name: string;
  region: string;
}

export const toRider = (r: RiderRow): RiderRecord => ({ riderId: r.rider_id, name: r.name, region: r.region });

export const toDelivery = (r: DeliveryRow): DeliveryRecord => ({
  deliveryId: r.delivery_id,
  orderId: r.order_id,
  storeId: r.store_id,
  storeName: r.store_name,
  customerId: r.customer_id,
  region: r.region,
  pickup: { region: r.pickup_region, location: { lat: r.pickup_lat, lng: r.pickup_lng }, text: r.pickup_text },
  dropoff: { region: r.dropoff_region, location: { lat: r.dropoff_lat, lng: r.dropoff_lng }, text: r.dropoff_text },
  status: r.status,
  riderId: r.rider_id,
  version: r.version,
  createdAt: r.created_at,
  pickedUpAt: r.picked_up_at ?? undefined,
  completedAt: r.completed_at ?? undefined,
});

/** Delivery ids are UUIDs; anything else cannot name one (and must not reach a uuid column). */
export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

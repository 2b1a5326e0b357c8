import type { OrderItem } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
import type { StoreOrderRecord, StoreRecord } from '../../app/ports';
import type { StoreOrderStatus } from '../../domain/store-order';

/** Column lists and row → record mapping shared by the repository and the queries. */
export const STORE_COLUMNS = 'store_id, name, region, owner_id, lat, lng, address_text, open';
export const STORE_ORDER_COLUMNS =
  'order_id, store_id, customer_id, items, total_units, currency_code, dropoff_region, dropoff_lat, dropoff_lng, dropoff_text, ' +
  'status, estimated_ready_minutes, reason, version, created_at, updated_at';

export interface StoreRow {
  store_id: string;
  name: string;
  region: string;
  owner_id: string;
  lat: number;
  lng: number;
  address_text: string;
  open: boolean;
}

export interface StoreOrderRow {
  order_id: string;
  store_id: string;
  customer_id: string;
  items: OrderItem[];
  total_units: number;
  currency_code: string;
  dropoff_region: string;
  dropoff_lat: number;
  dropoff_lng: number;
  dropoff_text: string;
  status: StoreOrderStatus;
  estimated_ready_minutes: number;
  reason: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const toStore = (r: StoreRow): StoreRecord => ({
  storeId: r.store_id,
  name: r.name,
  region: r.region,
  ownerId: r.owner_id,
  location: { lat: r.lat, lng: r.lng },
  addressText: r.address_text,
  open: r.open,
});

export const toStoreOrder = (r: StoreOrderRow): StoreOrderRecord => ({
  orderId: r.order_id,
  storeId: r.store_id,
  customerId: r.customer_id,
  items: r.items,
  total: { currencyCode: r.currency_code, units: r.total_units },
  dropoff: { region: r.dropoff_region, location: { lat: r.dropoff_lat, lng: r.dropoff_lng }, text: r.dropoff_text },
  status: r.status,
  estimatedReadyMinutes: r.estimated_ready_minutes,
  reason: r.reason,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { formatMoney } from '@foodmesh/platform/customer-text';
import type { Money } from './gen/foodmesh/common/v1/money_pb.js';
import { OrderStatus } from './gen/foodmesh/common/v1/order_status_pb.js';
import { StoreOrderStatus } from './gen/foodmesh/store/v1/store_pb.js';
import { DeliveryStatus } from './gen/foodmesh/delivery/v1/delivery_pb.js';

export { formatWon as won } from '@foodmesh/platform/customer-text';
export const money = (m?: Money) => (m ? formatMoney(m) : '—');

export const time = (t?: Timestamp) => (t ? timestampDate(t).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '');
export const dateTime = (t?: Timestamp) =>
  t ? timestampDate(t).toLocaleString('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '';

export const REGIONS: Record<string, { label: string; address: string; lat: number; lng: number }> = {
  'seoul-gangnam': { label: 'Gangnam', address: 'Teheran-ro 212, Gangnam-gu, Seoul', lat: 37.5006, lng: 127.0364 },
  'seoul-mapo': { label: 'Mapo', address: 'Yanghwa-ro 188, Mapo-gu, Seoul', lat: 37.5575, lng: 126.9245 },
  'seoul-songpa': { label: 'Songpa', address: 'Olympic-ro 300, Songpa-gu, Seoul', lat: 37.5126, lng: 127.1025 },
};
export const regionLabel = (r: string) => REGIONS[r]?.label ?? r;

export const ORDER_STATUS: Record<OrderStatus, { label: string; tone: 'wait' | 'go' | 'done' | 'bad'; icon: string }> = {
  [OrderStatus.UNSPECIFIED]: { label: 'Placing…', tone: 'wait', icon: '⏳' },
  [OrderStatus.AWAITING_PAYMENT]: { label: 'Waiting for payment', tone: 'wait', icon: '💳' },
  [OrderStatus.PAID]: { label: 'Paid — waiting for the store', tone: 'wait', icon: '🧾' },
  [OrderStatus.ACCEPTED]: { label: 'Accepted by the store', tone: 'go', icon: '👍' },
  [OrderStatus.COOKING]: { label: 'Cooking', tone: 'go', icon: '🍳' },
  [OrderStatus.COOKED]: { label: 'Ready for pickup', tone: 'go', icon: '🥡' },
  [OrderStatus.PICKED_UP]: { label: 'On the way', tone: 'go', icon: '🛵' },
  [OrderStatus.COMPLETED]: { label: 'Delivered', tone: 'done', icon: '🎉' },
  [OrderStatus.REJECTED]: { label: 'Rejected by the store', tone: 'bad', icon: '✋' },
  [OrderStatus.CANCEL_REQUESTED]: { label: 'Cancelling…', tone: 'wait', icon: '↩️' },
  [OrderStatus.CANCELLED]: { label: 'Cancelled', tone: 'bad', icon: '✖️' },
  [OrderStatus.PAYMENT_FAILED]: { label: 'Payment declined', tone: 'bad', icon: '⚠️' },
};

export const STORE_ORDER_STATUS: Record<StoreOrderStatus, string> = {
  [StoreOrderStatus.UNSPECIFIED]: 'Unknown',
  [StoreOrderStatus.REQUESTED]: 'New',
  [StoreOrderStatus.ACCEPTED]: 'Accepted',
  [StoreOrderStatus.REJECTED]: 'Rejected',
  [StoreOrderStatus.COOKING]: 'Cooking',
  [StoreOrderStatus.COOKED]: 'Ready for pickup',
  [StoreOrderStatus.CANCELLED]: 'Cancelled',
};

export const DELIVERY_STATUS: Record<DeliveryStatus, string> = {
  [DeliveryStatus.UNSPECIFIED]: 'Unknown',
  [DeliveryStatus.AVAILABLE]: 'Waiting for a rider',
  [DeliveryStatus.PICKED_UP]: 'On the way',
  [DeliveryStatus.COMPLETED]: 'Delivered',
  [DeliveryStatus.WITHDRAWN]: 'Withdrawn',
};

/** A v4 UUID (crypto.randomUUID needs a secure context; a phone on the LAN over http has none). */
export function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

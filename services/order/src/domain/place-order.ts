import { createHash } from 'node:crypto';
import { formatWon } from '@foodmesh/platform/customer-text';
import { failedPrecondition, invalidArgument, notFound } from '@foodmesh/platform/errors';
import type { Address } from '@foodmesh/proto-gen/foodmesh/common/v1/geo';
import type { Money } from '@foodmesh/proto-gen/foodmesh/common/v1/money';
import type { OrderItem, OrderLine } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import type { StoreMenu } from './menu';
import { krw, krwUnits } from './money';

export const MAX_QUANTITY = 50;
export const MAX_LINES = 50;

/** A customer's order as it arrives, before validation. */
export interface PlaceOrderInput {
  customerId: string;
  storeId: string;
  items: OrderLine[];
  deliveryAddress?: Address;
  idempotencyKey: string;
  expectedTotal?: Money;
  paymentMethod: PaymentMethod;
}

/**
 * Checks what can be checked without the menu. Each problem is
 * INVALID_ARGUMENT with a message that says what to fix.
 */
export function validatePlaceOrder(input: PlaceOrderInput): void {
  if (!input.idempotencyKey.trim()) throw invalidArgument('idempotency_key is required: generate one per checkout so a retried request does not order twice');
  if (!input.customerId.trim()) throw invalidArgument('customer_id is required');
  if (!input.storeId.trim()) throw invalidArgument('store_id is required');
  if (input.items.length === 0) throw invalidArgument('items is empty: add at least one menu item');
  if (input.items.length > MAX_LINES) throw invalidArgument(`an order has at most ${MAX_LINES} lines, not ${input.items.length}`);
  const seen = new Set<string>();
  for (const line of input.items) {
    if (!line.menuItemId.trim()) throw invalidArgument('every item needs a menu_item_id');
    if (seen.has(line.menuItemId)) throw invalidArgument(`menu item "${line.menuItemId}" is listed twice: list each item once with its quantity`);
    seen.add(line.menuItemId);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      throw invalidArgument(`quantity of "${line.menuItemId}" must be between 1 and ${MAX_QUANTITY}, not ${line.quantity}`);
    }
  }
  validateAddress(input.deliveryAddress);
  if (!(input.paymentMethod > 0 && input.paymentMethod in PaymentMethod)) {
    throw invalidArgument('payment_method must be specified (card, kakao pay, toss pay or naver pay)');
  }
  if (input.expectedTotal) krwUnits(input.expectedTotal, 'expected_total');
}

function validateAddress(a: Address | undefined): void {
  if (!a) throw invalidArgument('delivery_address is required');
  if (!a.region.trim()) throw invalidArgument('delivery_address.region is required, for example "seoul-gangnam"');
  const loc = a.location;
  // proto3 cannot tell 0 from unset; (0, 0) is in the Gulf of Guinea, not a delivery address.
  if (!loc || (loc.lat === 0 && loc.lng === 0)) throw invalidArgument('delivery_address.location (lat, lng) is required');
  if (!(loc.lat >= -90 && loc.lat <= 90)) throw invalidArgument(`delivery_address.location.lat must be between -90 and 90, not ${loc.lat}`);
  if (!(loc.lng >= -180 && loc.lng <= 180)) throw invalidArgument(`delivery_address.location.lng must be between -180 and 180, not ${loc.lng}`);
}

export interface PricedOrder {
  storeName: string;
  items: OrderItem[];
  totalUnits: number;
}

/**
 * Prices the lines from the menu replica. Unknown store or item: NOT_FOUND;
 * closed store, sold-out item or a total other than the one the customer saw:
 * FAILED_PRECONDITION.
 */
export function priceOrder(menu: StoreMenu | undefined, input: PlaceOrderInput): PricedOrder {
  if (!menu) throw notFound(`no store with id "${input.storeId}"`, 'STORE_NOT_FOUND');
  if (!menu.open) throw failedPrecondition(`${menu.storeName} is not taking orders right now`, 'STORE_CLOSED');
  const byId = new Map(menu.items.map((i) => [i.menuItemId, i]));
  const items = input.items.map((line): OrderItem => {
    const entry = byId.get(line.menuItemId);
    if (!entry) throw notFound(`menu item "${line.menuItemId}" is not on the menu of ${menu.storeName}`, 'MENU_ITEM_NOT_FOUND');
    if (!entry.available) throw failedPrecondition(`"${entry.name}" (${entry.menuItemId}) is sold out right now`, 'MENU_ITEM_UNAVAILABLE');
    return { menuItemId: entry.menuItemId, name: entry.name, quantity: line.quantity, unitPrice: krw(entry.priceUnits) };
  });
  const totalUnits = items.reduce((sum, i) => sum + i.unitPrice!.units * i.quantity, 0);
  if (input.expectedTotal) {
    const expected = krwUnits(input.expectedTotal, 'expected_total');
    if (expected !== totalUnits) {
      throw failedPrecondition(
        `prices changed: expected ${formatWon(expected)}, now ${formatWon(totalUnits)}; review the order and try again`,
        'PRICES_CHANGED',
      );
    }
  }
  return { storeName: menu.storeName, items, totalUnits };
}

/**
 * What makes two PlaceOrder calls "the same request" for idempotency: store,
 * lines (in any order), address and method. A key reused with a different
 * fingerprint is ALREADY_EXISTS.
 */
export function requestFingerprint(input: PlaceOrderInput): string {
  const lines = [...input.items].sort((a, b) => a.menuItemId.localeCompare(b.menuItemId)).map((l) => [l.menuItemId, l.quantity]);
  const a = input.deliveryAddress;
  const canonical = JSON.stringify([input.storeId, lines, a?.region, a?.location?.lat, a?.location?.lng, a?.text, input.paymentMethod]);
  return createHash('sha256').update(canonical).digest('hex');
}

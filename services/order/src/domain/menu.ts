import type { MenuPublished } from '@foodmesh/proto-gen/foodmesh/events/v1/store_events';
import { CURRENCY } from './money';

/** One dish of the order service's menu replica. */
export interface MenuEntry {
  menuItemId: string;
  name: string;
  priceUnits: number;
  available: boolean;
}

/** A store and its menu as the order service last heard of them (MenuPublished, or the seed). */
export interface StoreMenu {
  storeId: string;
  storeName: string;
  ownerId: string;
  region: string;
  lat: number;
  lng: number;
  addressText: string;
  open: boolean;
  items: MenuEntry[];
  menuVersion: number;
}

/** The replica's view of a published menu. A price in another currency cannot be charged, so that item is unavailable. */
export function menuFromPublished(e: MenuPublished): StoreMenu {
  return {
    storeId: e.storeId,
    storeName: e.storeName,
    ownerId: e.ownerId,
    region: e.region,
    lat: e.location?.lat ?? 0,
    lng: e.location?.lng ?? 0,
    addressText: e.addressText,
    open: e.open,
    items: e.items.map((i) => ({
      menuItemId: i.menuItemId,
      name: i.name,
      priceUnits: i.price?.units ?? 0,
      available: i.available && i.price?.currencyCode === CURRENCY && (i.price?.units ?? 0) > 0,
    })),
    menuVersion: e.menuVersion,
  };
}

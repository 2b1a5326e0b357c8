import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { Address, GeoPoint } from '@foodmesh/proto-gen/foodmesh/common/v1/geo';
import type { MenuItem } from '@foodmesh/proto-gen/foodmesh/common/v1/menu_item';
import type { Money } from '@foodmesh/proto-gen/foodmesh/common/v1/money';
import type { OrderItem } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
import type { StoreOrderState } from '../domain/store-order';

export interface StoreRecord {
  storeId: string;
  name: string;
  region: string;
  ownerId: string;
  location: GeoPoint;
  addressText: string;
  open: boolean;
}

export interface StoreOrderRecord extends StoreOrderState {
  orderId: string;
  storeId: string;
  customerId: string;
  items: OrderItem[];
  total: Money;
  /** The customer's address, from OrderPlaced; personal data, never logged. */
  dropoff: Address;
  /** How many events this store order has published (the envelope's aggregate_version). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type NewStoreOrder = Omit<StoreOrderRecord, 'createdAt' | 'updatedAt'>;

export interface PendingMenu {
  store: StoreRecord;
  menuVersion: number;
  items: MenuItem[];
}

/** The store service's writes, all inside one transaction (see InTransaction). */
export interface StoreRepository {
  findStore(storeId: string): Promise<StoreRecord | null>;
  /** The store order, locked until the transaction ends: commands on one order run one at a time. */
  lockStoreOrder(orderId: string): Promise<StoreOrderRecord | null>;
  /** Inserts unless the order is already known; says whether it did. */
  insertStoreOrder(order: NewStoreOrder): Promise<boolean>;
  saveStoreOrder(order: StoreOrderRecord): Promise<StoreOrderRecord>;
  /** Stores whose menu changed since it was last published, locked. */
  lockUnpublishedMenus(): Promise<PendingMenu[]>;
  markMenuPublished(storeId: string, menuVersion: number): Promise<void>;
  /** Appends events to the outbox: published if and only if the transaction commits. */
  publish(envelopes: EventEnvelope[]): Promise<void>;
}

export type InTransaction = <T>(work: (repo: StoreRepository) => Promise<T>) => Promise<T>;

import type { Address } from '@foodmesh/proto-gen/foodmesh/common/v1/geo';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { DeliveryState } from '../domain/delivery';

export interface RiderRecord {
  riderId: string;
  name: string;
  region: string;
}

export interface DeliveryRecord extends DeliveryState {
  deliveryId: string;
  orderId: string;
  storeId: string;
  storeName: string;
  customerId: string;
  region: string;
  pickup: Address;
  /** The customer's address; personal data, never logged. */
  dropoff: Address;
  /** How many events this delivery has published (the envelope's aggregate_version). */
  version: number;
  createdAt: Date;
  pickedUpAt?: Date;
  completedAt?: Date;
}

export type NewDelivery = Omit<DeliveryRecord, 'createdAt' | 'pickedUpAt' | 'completedAt'>;

/** The delivery service's writes, all inside one transaction (see InTransaction). */
export interface DeliveryRepository {
  findRider(riderId: string): Promise<RiderRecord | null>;
  /** Inserts unless the order already has a delivery; says whether it did. */
  insertDelivery(d: NewDelivery): Promise<boolean>;
  /** The delivery, locked until the transaction ends. */
  lockDelivery(deliveryId: string): Promise<DeliveryRecord | null>;
  lockDeliveryOfOrder(orderId: string): Promise<DeliveryRecord | null>;
  /** Writes the new state only if the stored status is still `from` (the first rider wins). */
  saveDelivery(d: DeliveryRecord, from: DeliveryRecord['status']): Promise<DeliveryRecord>;
  /** Appends events to the outbox: published if and only if the transaction commits. */
  publish(envelopes: EventEnvelope[]): Promise<void>;
}

export type InTransaction = <T>(work: (repo: DeliveryRepository) => Promise<T>) => Promise<T>;

import type { Page } from '@foodmesh/platform';
import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';

export type PaymentStatusName = 'APPROVED' | 'DECLINED' | 'REFUNDED';

/** A row of `payments`, as the service uses it. */
export interface PaymentRecord {
  paymentId: string;
  orderId: string;
  customerId: string;
  amountUnits: number;
  method: PaymentMethod;
  status: PaymentStatusName;
  idempotencyKey: string;
  declineReason: string;
  refundReason: string;
  version: number;
  createdAt: Date;
  refundedAt: Date | null;
}

/** The payment service's writes, all inside one transaction (see InTransaction). */
export interface PaymentRepository {
  /** Serialises everything done for one order until the transaction ends. */
  lockOrder(orderId: string): Promise<void>;
  findByKey(key: string): Promise<PaymentRecord | undefined>;
  /** The order's approved or refunded payment, if any. */
  findCharge(orderId: string): Promise<PaymentRecord | undefined>;
  /** False when the key or the order's one charge is taken. */
  insertPayment(p: PaymentRecord): Promise<boolean>;
  markRefunded(p: PaymentRecord): Promise<void>;
  /** False when the order was already voided. */
  voidOrder(orderId: string, reason: string): Promise<boolean>;
  isVoided(orderId: string): Promise<boolean>;
  /** Appends events to the outbox: published if and only if the transaction commits. */
  publish(envelopes: EventEnvelope[]): Promise<void>;
}

export type InTransaction = <T>(work: (repo: PaymentRepository) => Promise<T>) => Promise<T>;

/** Reads that need no transaction. */
export interface PaymentQueries {
  findById(paymentId: string): Promise<PaymentRecord | undefined>;
  /** Newest first; `page.limit + 1` rows so the caller can tell whether a next page exists. */
  listPayments(of: { orderId?: string; customerId?: string }, page: Page): Promise<PaymentRecord[]>;
}

import type { Page, Tx } from '@foodmesh/platform';
import type { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';

/** A connection or a transaction: reads work on either. */
export type Queryable = Pick<Tx, 'query'>;

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

/** Where payments are kept (adapters/pg/payments-repo.ts). */
export interface PaymentsRepo {
  /** Serialises everything done for one order until the transaction ends. */
  lockOrder(tx: Tx, orderId: string): Promise<void>;
  findByKey(db: Queryable, key: string): Promise<PaymentRecord | undefined>;
  findById(db: Queryable, paymentId: string): Promise<PaymentRecord | undefined>;
  /** The order's approved or refunded payment, if any. */
  findCharge(db: Queryable, orderId: string): Promise<PaymentRecord | undefined>;
  /** False when the key or the order's one charge is taken. */
  insertPayment(tx: Tx, p: PaymentRecord): Promise<boolean>;
  markRefunded(tx: Tx, p: PaymentRecord): Promise<void>;
  /** False when the order was already voided. */
  voidOrder(tx: Tx, orderId: string, reason: string): Promise<boolean>;
  isVoided(db: Queryable, orderId: string): Promise<boolean>;
  listPayments(db: Queryable, of: { orderId?: string; customerId?: string }, page: Page): Promise<PaymentRecord[]>;
}

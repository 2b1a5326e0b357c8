import { appendToOutbox, withTransaction, type Pool, type Tx } from '@foodmesh/platform';
import { paymentMethodFromJSON, paymentMethodToJSON } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import type { InTransaction, PaymentQueries, PaymentRecord, PaymentRepository, PaymentStatusName } from '../../app/ports';

interface Row {
  payment_id: string;
  order_id: string;
  customer_id: string;
  amount_units: number;
  method: string;
  status: PaymentStatusName;
  idempotency_key: string;
  decline_reason: string;
  refund_reason: string;
  version: number;
  created_at: Date;
  refunded_at: Date | null;
}

/** Named, not `*`, so that these reads are prepared statements (platform pg.ts says why `*` is not). */
const COLUMNS =
  'payment_id, order_id, customer_id, amount_units, method, status, idempotency_key, decline_reason, refund_reason, version, created_at, refunded_at';

const fromRow = (r: Row): PaymentRecord => ({
  paymentId: r.payment_id,
  orderId: r.order_id,
  customerId: r.customer_id,
  amountUnits: r.amount_units,
  method: paymentMethodFromJSON(r.method),
  status: r.status,
  idempotencyKey: r.idempotency_key,
  declineReason: r.decline_reason,
  refundReason: r.refund_reason,
  version: r.version,
  createdAt: r.created_at,
  refundedAt: r.refunded_at,
});

type Queryable = Pick<Tx, 'query'>;

const findBy = async (db: Queryable, where: string, value: string): Promise<PaymentRecord | undefined> => {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM payments WHERE ${where}`, [value]);
  return rows[0] && fromRow(rows[0]);
};

/** The repository over one open transaction. */
export function pgPaymentRepository(tx: Tx): PaymentRepository {
  return {
    async lockOrder(orderId) {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`payment-order:${orderId}`]);
    },
    findByKey: (key) => findBy(tx, 'idempotency_key = $1', key),
    findCharge: (orderId) => findBy(tx, `order_id = $1 AND status IN ('APPROVED', 'REFUNDED')`, orderId),
    async insertPayment(p) {
      const res = await tx.query(
        `INSERT INTO payments (payment_id, order_id, customer_id, amount_units, currency_code, method, status, idempotency_key, decline_reason, version, created_at)
         VALUES ($1, $2, $3, $4, 'KRW', $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
        [
          p.paymentId,
          p.orderId,
          p.customerId,
          p.amountUnits,
          paymentMethodToJSON(p.method),
          p.status,
          p.idempotencyKey,
          p.declineReason,
          p.version,
          p.createdAt,
        ],
      );
      return res.rowCount === 1;
    },
    async markRefunded(p) {
      await tx.query(`UPDATE payments SET status = 'REFUNDED', refund_reason = $2, refunded_at = $3, version = $4 WHERE payment_id = $1`, [
        p.paymentId,
        p.refundReason,
        p.refundedAt,
        p.version,
      ]);
    },
    async voidOrder(orderId, reason) {
      const res = await tx.query('INSERT INTO voided_orders (order_id, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING', [orderId, reason]);
      return res.rowCount === 1;
    },
    async isVoided(orderId) {
      const { rows } = await tx.query('SELECT 1 FROM voided_orders WHERE order_id = $1', [orderId]);
      return rows.length > 0;
    },
    publish: (envelopes) => appendToOutbox(tx, envelopes),
  };
}

export const pgTransactor =
  (pool: Pool): InTransaction =>
  (work) =>
    withTransaction(pool, (tx) => work(pgPaymentRepository(tx)));

export const pgPaymentQueries = (pool: Pool): PaymentQueries => ({
  findById: (paymentId) => findBy(pool, 'payment_id = $1', paymentId),
  async listPayments(of, page) {
    const { rows } = await pool.query<Row>(
      `SELECT ${COLUMNS} FROM payments WHERE ($1::text IS NULL OR order_id = $1) AND ($2::text IS NULL OR customer_id = $2)
       ORDER BY created_at DESC, payment_id DESC LIMIT $3 OFFSET $4`,
      [of.orderId ?? null, of.customerId ?? null, page.limit + 1, page.offset],
    );
    return rows.map(fromRow);
  },
});

import { appendToOutbox, withTransaction, type Pool, type Tx } from '@foodmesh/platform';
import { Address } from '@foodmesh/proto-gen/foodmesh/common/v1/geo';
import { OrderItem } from '@foodmesh/proto-gen/foodmesh/common/v1/order_item';
import { paymentMethodFromJSON, paymentMethodToJSON } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { orderStatusFromName, orderStatusName } from '@foodmesh/platform/order-lifecycle';
import type { InTransaction, OrderRepository, OrderStore } from '../../app/ports';
import type { Order } from '../../domain/order';
import { findStoreMenu, upsertMenuIfNewer } from './menu-repo';

type Queryable = Pick<Tx, 'query'>;

interface Row {
  order_id: string;
  customer_id: string;
  request_fingerprint: string;
  store_id: string;
  store_name: string;
  items: unknown[];
  total_units: number;
  delivery_address: unknown;
  payment_method: string;
  status: string;
  payment_id: string;
  version: number;
  resume_status: string | null;
  cancel_reason: string;
  store_decision: Order['storeDecision'];
  refund: Order['refund'];
  delivery_id: string;
  rider_id: string;
  created_at: Date;
  updated_at: Date;
  pay_by: Date;
  pay_now_notified_at: Date | null;
}

/**
 * Named, not `*`: a prepared statement (pg.ts) refuses to return a row of another shape, so a
 * `SELECT *` would fail on every connection of a running replica once a migration adds a column.
 */
const COLUMNS = `order_id, customer_id, request_fingerprint, store_id, store_name, items, total_units, delivery_address, payment_method,
  status, payment_id, version, resume_status, cancel_reason, store_decision, refund, delivery_id, rider_id, created_at, updated_at, pay_by,
  pay_now_notified_at`;

const fromRow = (r: Row): Order => ({
  orderId: r.order_id,
  customerId: r.customer_id,
  storeId: r.store_id,
  storeName: r.store_name,
  items: r.items.map((i) => OrderItem.fromJSON(i)),
  totalUnits: r.total_units,
  deliveryAddress: Address.fromJSON(r.delivery_address),
  paymentMethod: paymentMethodFromJSON(r.payment_method),
  status: orderStatusFromName(r.status),
  paymentId: r.payment_id,
  version: r.version,
  resumeStatus: r.resume_status === null ? null : orderStatusFromName(r.resume_status),
  cancelReason: r.cancel_reason,
  storeDecision: r.store_decision,
  refund: r.refund,
  deliveryId: r.delivery_id,
  riderId: r.rider_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  payBy: r.pay_by,
  payNowNotifiedAt: r.pay_now_notified_at,
});

async function findOrder(db: Queryable, orderId: string): Promise<Order | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM orders WHERE order_id = $1`, [orderId]);
  return rows[0] && fromRow(rows[0]);
}

/** Locks the order's row until the transaction ends: its changes, and so its events, happen one at a time. */
async function findOrderForUpdate(tx: Tx, orderId: string): Promise<Order | undefined> {
  const { rows } = await tx.query<Row>(`SELECT ${COLUMNS} FROM orders WHERE order_id = $1 FOR UPDATE`, [orderId]);
  return rows[0] && fromRow(rows[0]);
}

/** Orders saved before `savedBefore` that never got a payment outcome (no event yet), oldest first. */
async function findUnsettled(db: Queryable, savedBefore: Date, limit: number): Promise<Order[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM orders WHERE version = 0 AND created_at < $1 ORDER BY created_at LIMIT $2`, [
    savedBefore,
    limit,
  ]);
  return rows.map(fromRow);
}

/** Unpaid orders whose pay-by time is before `dueBefore`, soonest due first. */
async function findExpired(db: Queryable, dueBefore: Date, limit: number): Promise<Order[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM orders WHERE status = 'AWAITING_PAYMENT' AND pay_by < $1 ORDER BY pay_by LIMIT $2`, [
    dueBefore,
    limit,
  ]);
  return rows.map(fromRow);
}

/**
 * Deferred orders (their deferral published, saved before `savedBefore`) still payable at `now`
 * whose customer was not yet told to pay now, oldest first.
 */
async function findDeferredUnannounced(db: Queryable, now: Date, savedBefore: Date, limit: number): Promise<Order[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM orders WHERE status = 'AWAITING_PAYMENT' AND version > 0 AND pay_now_notified_at IS NULL AND pay_by > $1 AND created_at <= $2
     ORDER BY pay_by LIMIT $3`,
    [now, savedBefore, limit],
  );
  return rows.map(fromRow);
}

async function findByIdempotencyKey(db: Queryable, customerId: string, key: string): Promise<{ order: Order; fingerprint: string } | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM orders WHERE customer_id = $1 AND idempotency_key = $2`, [customerId, key]);
  return rows[0] && { order: fromRow(rows[0]), fingerprint: rows[0].request_fingerprint };
}

/** Inserts a new order unless the customer already used the key; returns whether it did. */
export async function insertOrder(db: Queryable, o: Order, idempotencyKey: string, fingerprint: string): Promise<boolean> {
  const res = await db.query(
    `INSERT INTO orders (order_id, customer_id, idempotency_key, request_fingerprint, store_id, store_name, items, total_units,
                         delivery_address, payment_method, status, version, created_at, updated_at, pay_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (customer_id, idempotency_key) DO NOTHING`,
    [
      o.orderId,
      o.customerId,
      idempotencyKey,
      fingerprint,
      o.storeId,
      o.storeName,
      JSON.stringify(o.items.map((i) => OrderItem.toJSON(i))),
      o.totalUnits,
      JSON.stringify(Address.toJSON(o.deliveryAddress)),
      paymentMethodToJSON(o.paymentMethod),
      orderStatusName(o.status),
      o.version,
      o.createdAt,
      o.updatedAt,
      o.payBy,
    ],
  );
  return res.rowCount === 1;
}

/** Writes the mutable part of an order (the rest never changes after placing). */
async function saveOrder(tx: Tx, o: Order): Promise<void> {
  await tx.query(
    `UPDATE orders SET status = $2, payment_id = $3, payment_method = $4, version = $5, resume_status = $6, cancel_reason = $7,
                       store_decision = $8, refund = $9, delivery_id = $10, rider_id = $11, updated_at = $12, pay_now_notified_at = $13
     WHERE order_id = $1`,
    [
      o.orderId,
      orderStatusName(o.status),
      o.paymentId,
      paymentMethodToJSON(o.paymentMethod),
      o.version,
      o.resumeStatus === null ? null : orderStatusName(o.resumeStatus),
      o.cancelReason,
      o.storeDecision && JSON.stringify(o.storeDecision),
      o.refund && JSON.stringify(o.refund),
      o.deliveryId,
      o.riderId,
      o.updatedAt,
      o.payNowNotifiedAt,
    ],
  );
}

/** The repository over one open transaction. */
export const pgOrderRepository = (tx: Tx): OrderRepository => ({
  lockOrder: (orderId) => findOrderForUpdate(tx, orderId),
  saveOrder: (o) => saveOrder(tx, o),
  upsertMenuIfNewer: (m) => upsertMenuIfNewer(tx, m),
  publish: (envelopes) => appendToOutbox(tx, envelopes),
});

export const pgTransactor =
  (pool: Pool): InTransaction =>
  (work) =>
    withTransaction(pool, (tx) => work(pgOrderRepository(tx)));

export const pgOrderStore = (pool: Pool): OrderStore => ({
  findOrder: (orderId) => findOrder(pool, orderId),
  findUnsettled: (savedBefore, limit) => findUnsettled(pool, savedBefore, limit),
  findExpired: (dueBefore, limit) => findExpired(pool, dueBefore, limit),
  findDeferredUnannounced: (now, savedBefore, limit) => findDeferredUnannounced(pool, now, savedBefore, limit),
  findByIdempotencyKey: (customerId, key) => findByIdempotencyKey(pool, customerId, key),
  insertOrder: (o, idempotencyKey, fingerprint) => insertOrder(pool, o, idempotencyKey, fingerprint),
  findStoreMenu: (storeId) => findStoreMenu(pool, storeId),
});

-- Up Migration
-- One row per charge attempt. The idempotency key makes a retried Pay find the
-- first attempt; the partial unique index makes a second approved charge of
-- the same order impossible, whatever keys the callers use.
CREATE TABLE payments (
  payment_id      uuid        PRIMARY KEY,
  order_id        text        NOT NULL,
  customer_id     text        NOT NULL,
  amount_units    bigint      NOT NULL CHECK (amount_units > 0),
  currency_code   text        NOT NULL,
  method          text        NOT NULL,
  status          text        NOT NULL CHECK (status IN ('APPROVED', 'DECLINED', 'REFUNDED')),
  idempotency_key text        NOT NULL UNIQUE,
  decline_reason  text        NOT NULL DEFAULT '',
  refund_reason   text        NOT NULL DEFAULT '',
  version         integer     NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  refunded_at     timestamptz
);
-- A refunded payment keeps its place: an order is charged at most once, ever.
CREATE UNIQUE INDEX payments_one_charge_per_order ON payments (order_id) WHERE status IN ('APPROVED', 'REFUNDED');
CREATE INDEX payments_by_order ON payments (order_id);

-- Orders cancelled while unpaid: a Pay for one of them that arrives later (a
-- timed-out call the order service already gave up on) is declined.
CREATE TABLE voided_orders (
  order_id   text        PRIMARY KEY,
  reason     text        NOT NULL,
  voided_at  timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE voided_orders;
DROP TABLE payments;

-- Up Migration
-- Pay-later orders end: `pay_by` is when an unpaid order expires (CANCELLED,
-- PAYMENT_NOT_COMPLETED); `pay_now_notified_at` records that its customer was
-- told, once, that payment works again. Orders saved before this migration get
-- the default 15 minutes.
ALTER TABLE orders ADD COLUMN pay_by timestamptz, ADD COLUMN pay_now_notified_at timestamptz;
UPDATE orders SET pay_by = created_at + interval '15 minutes';
ALTER TABLE orders ALTER COLUMN pay_by SET NOT NULL;
-- The expiry sweep and the pay-now announcement read only orders still waiting for payment.
CREATE INDEX orders_awaiting_payment ON orders (pay_by) WHERE status = 'AWAITING_PAYMENT';

-- Down Migration
DROP INDEX orders_awaiting_payment;
ALTER TABLE orders DROP COLUMN pay_now_notified_at, DROP COLUMN pay_by;

-- Up Migration
-- The view's status by its short name under a CHECK, as every service stores a status
-- (docs/architecture.md, "Statuses in the database"); NULL while the order's events so far
-- precede any status (it was 0, UNSPECIFIED). Every number the proto declares is renamed; any
-- other would keep its digits and fail the CHECK, so the migration cannot lose a row's status.
ALTER TABLE order_view ALTER COLUMN status DROP DEFAULT, ALTER COLUMN status DROP NOT NULL;
ALTER TABLE order_view ALTER COLUMN status TYPE text USING (CASE status
  WHEN 0 THEN NULL
  WHEN 1 THEN 'AWAITING_PAYMENT'
  WHEN 2 THEN 'PAID'
  WHEN 3 THEN 'ACCEPTED'
  WHEN 4 THEN 'COOKING'
  WHEN 5 THEN 'COOKED'
  WHEN 6 THEN 'PICKED_UP'
  WHEN 7 THEN 'COMPLETED'
  WHEN 8 THEN 'REJECTED'
  WHEN 9 THEN 'CANCEL_REQUESTED'
  WHEN 10 THEN 'CANCELLED'
  WHEN 11 THEN 'PAYMENT_FAILED'
  ELSE status::text END);
ALTER TABLE order_view ADD CONSTRAINT order_view_status_known CHECK (status IN (
  'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'COMPLETED', 'REJECTED',
  'CANCEL_REQUESTED', 'CANCELLED', 'PAYMENT_FAILED'));

-- Down Migration
ALTER TABLE order_view DROP CONSTRAINT order_view_status_known;
ALTER TABLE order_view ALTER COLUMN status TYPE smallint USING (CASE status
  WHEN 'AWAITING_PAYMENT' THEN 1 WHEN 'PAID' THEN 2 WHEN 'ACCEPTED' THEN 3 WHEN 'COOKING' THEN 4
  WHEN 'COOKED' THEN 5 WHEN 'PICKED_UP' THEN 6 WHEN 'COMPLETED' THEN 7 WHEN 'REJECTED' THEN 8
  WHEN 'CANCEL_REQUESTED' THEN 9 WHEN 'CANCELLED' THEN 10 WHEN 'PAYMENT_FAILED' THEN 11 ELSE 0 END);
ALTER TABLE order_view ALTER COLUMN status SET DEFAULT 0, ALTER COLUMN status SET NOT NULL;

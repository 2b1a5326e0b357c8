-- Up Migration
-- While an order waits for payment: until when it can be paid (from OrderPaymentDeferred).
ALTER TABLE order_view ADD COLUMN pay_by timestamptz;

-- Down Migration
ALTER TABLE order_view DROP COLUMN pay_by;

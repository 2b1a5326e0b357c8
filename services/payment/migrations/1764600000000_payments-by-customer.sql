-- Up Migration
-- ListPayments by customer, newest first.
CREATE INDEX payments_by_customer ON payments (customer_id, created_at DESC, payment_id DESC);

-- Down Migration
DROP INDEX payments_by_customer;

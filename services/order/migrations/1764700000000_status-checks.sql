-- Up Migration
-- A status is stored by its short name under a CHECK listing the names, as in every
-- service (docs/architecture.md, "Statuses in the database"): the database refuses a status
-- the code does not know. Adding a status to the lifecycle adds it here, in a new migration.
ALTER TABLE orders
  ADD CONSTRAINT orders_status_known CHECK (status IN (
    'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'COMPLETED', 'REJECTED',
    'CANCEL_REQUESTED', 'CANCELLED', 'PAYMENT_FAILED')),
  ADD CONSTRAINT orders_resume_status_known CHECK (resume_status IN (
    'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'COOKING', 'COOKED', 'PICKED_UP', 'COMPLETED', 'REJECTED',
    'CANCEL_REQUESTED', 'CANCELLED', 'PAYMENT_FAILED'));

-- Down Migration
ALTER TABLE orders DROP CONSTRAINT orders_resume_status_known, DROP CONSTRAINT orders_status_known;

-- Up Migration
-- Orders saved but never given a payment outcome (a crash between saving and
-- paying): the unsettled-order sweeper finds them by age. Partial, so it stays
-- as small as the handful of such orders.
CREATE INDEX orders_unsettled ON orders (created_at) WHERE version = 0;

-- Down Migration
DROP INDEX orders_unsettled;

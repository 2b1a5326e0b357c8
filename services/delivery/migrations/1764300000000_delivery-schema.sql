-- Up Migration
CREATE TABLE riders (
  rider_id text PRIMARY KEY,
  name     text NOT NULL,
  region   text NOT NULL
);

-- One delivery per order (created from CookingFinished). The pickup is the
-- store's address, the drop-off the customer's (personal data, never logged).
-- version counts the events published for this delivery.
CREATE TABLE deliveries (
  delivery_id    uuid PRIMARY KEY,
  order_id       text NOT NULL UNIQUE,
  store_id       text NOT NULL,
  store_name     text NOT NULL,
  customer_id    text NOT NULL,
  region         text NOT NULL,
  pickup_region  text NOT NULL,
  pickup_lat     double precision NOT NULL,
  pickup_lng     double precision NOT NULL,
  pickup_text    text NOT NULL,
  dropoff_region text NOT NULL,
  dropoff_lat    double precision NOT NULL,
  dropoff_lng    double precision NOT NULL,
  dropoff_text   text NOT NULL,
  status         text NOT NULL CHECK (status IN ('AVAILABLE', 'PICKED_UP', 'COMPLETED', 'WITHDRAWN')),
  rider_id       text NOT NULL DEFAULT '',
  version        bigint NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  picked_up_at   timestamptz,
  completed_at   timestamptz,
  withdrawn_at   timestamptz
);
CREATE INDEX deliveries_available ON deliveries (region, created_at, delivery_id) WHERE status = 'AVAILABLE';
CREATE INDEX deliveries_by_rider ON deliveries (rider_id, picked_up_at DESC) WHERE rider_id <> '';

-- Down Migration
DROP TABLE deliveries;
DROP TABLE riders;

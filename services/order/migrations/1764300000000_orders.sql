-- Up Migration
-- The order aggregate. `version` counts the events the order emitted; the row
-- lock (SELECT … FOR UPDATE) orders its transactions, hence its events.
CREATE TABLE orders (
  order_id            uuid        PRIMARY KEY,
  customer_id         text        NOT NULL,
  idempotency_key     text        NOT NULL,
  request_fingerprint text        NOT NULL,
  store_id            text        NOT NULL,
  store_name          text        NOT NULL,
  items               jsonb       NOT NULL,
  total_units         bigint      NOT NULL CHECK (total_units > 0),
  delivery_address    jsonb       NOT NULL,
  payment_method      text        NOT NULL,
  status              text        NOT NULL,
  payment_id          text        NOT NULL DEFAULT '',
  version             integer     NOT NULL DEFAULT 0,
  resume_status       text,
  cancel_reason       text        NOT NULL DEFAULT '',
  -- Compensation in progress: the store's decision and the refund arrive on different topics, in either order.
  store_decision      jsonb,
  refund              jsonb,
  delivery_id         text        NOT NULL DEFAULT '',
  rider_id            text        NOT NULL DEFAULT '',
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  -- The same checkout retried by the same customer finds its first order.
  UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX orders_by_customer ON orders (customer_id, created_at DESC);

-- The menu replica: each store's latest MenuPublished. Orders are validated and
-- priced from here, never by calling the store service.
CREATE TABLE menu_stores (
  store_id      text        PRIMARY KEY,
  store_name    text        NOT NULL,
  owner_id      text        NOT NULL,
  region        text        NOT NULL,
  lat           double precision NOT NULL,
  lng           double precision NOT NULL,
  address_text  text        NOT NULL DEFAULT '',
  open          boolean     NOT NULL,
  -- [{menuItemId, name, priceUnits, available}]
  items         jsonb       NOT NULL,
  menu_version  bigint      NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE menu_stores;
DROP TABLE orders;

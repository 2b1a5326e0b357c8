-- Up Migration
-- Stores and their menus. menu_version bumps with every menu change;
-- published_menu_version is the last version sent as MenuPublished, so a start
-- publishes exactly the changes not yet published.
CREATE TABLE stores (
  store_id               text PRIMARY KEY,
  name                   text NOT NULL,
  region                 text NOT NULL,
  owner_id               text NOT NULL,
  lat                    double precision NOT NULL,
  lng                    double precision NOT NULL,
  address_text           text NOT NULL,
  open                   boolean NOT NULL DEFAULT true,
  menu_version           bigint NOT NULL DEFAULT 1,
  published_menu_version bigint NOT NULL DEFAULT 0
);
CREATE INDEX stores_by_region ON stores (region);

CREATE TABLE menu_items (
  store_id      text NOT NULL REFERENCES stores (store_id),
  menu_item_id  text NOT NULL,
  position      integer NOT NULL,
  name          text NOT NULL,
  description   text NOT NULL DEFAULT '',
  price_units   bigint NOT NULL CHECK (price_units >= 0),
  currency_code text NOT NULL DEFAULT 'KRW',
  available     boolean NOT NULL DEFAULT true,
  PRIMARY KEY (store_id, menu_item_id)
);

-- An order as its store sees it, created from OrderPlaced. Items and the
-- drop-off are frozen copies from the event (the drop-off goes into
-- CookingFinished). version counts the events published for this store order.
CREATE TABLE store_orders (
  order_id                text PRIMARY KEY,
  store_id                text NOT NULL,
  customer_id             text NOT NULL,
  items                   jsonb NOT NULL,
  total_units             bigint NOT NULL,
  currency_code           text NOT NULL,
  dropoff_region          text NOT NULL,
  dropoff_lat             double precision NOT NULL,
  dropoff_lng             double precision NOT NULL,
  dropoff_text            text NOT NULL,
  status                  text NOT NULL CHECK (status IN ('REQUESTED', 'ACCEPTED', 'REJECTED', 'COOKING', 'COOKED', 'CANCELLED')),
  estimated_ready_minutes integer NOT NULL DEFAULT 0,
  reason                  text NOT NULL DEFAULT '',
  version                 bigint NOT NULL DEFAULT 0,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX store_orders_by_store ON store_orders (store_id, created_at DESC, order_id DESC);

-- Down Migration
DROP TABLE store_orders;
DROP TABLE menu_items;
DROP TABLE stores;

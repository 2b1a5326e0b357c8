-- Up Migration
-- The order view: one row per order, a pure function of the events applied to
-- it. `facts` keeps what each applied event contributed (the projection's
-- input); every other column is derived from it by the domain's fold, so the
-- row does not depend on the order in which events arrived, and a rebuild from
-- offset zero ends identical.
CREATE TABLE order_view (
  order_id                text        PRIMARY KEY,
  customer_id             text        NOT NULL DEFAULT '',
  store_id                text        NOT NULL DEFAULT '',
  store_name              text        NOT NULL DEFAULT '',
  status                  smallint    NOT NULL DEFAULT 0,
  items_summary           text        NOT NULL DEFAULT '',
  total_currency          text        NOT NULL DEFAULT '',
  total_units             bigint      NOT NULL DEFAULT 0,
  rider_id                text        NOT NULL DEFAULT '',
  rider_name              text        NOT NULL DEFAULT '',
  estimated_ready_minutes integer     NOT NULL DEFAULT 0,
  retry_after_seconds     integer     NOT NULL DEFAULT 0,
  timeline                jsonb       NOT NULL DEFAULT '[]'::jsonb,
  facts                   jsonb       NOT NULL DEFAULT '[]'::jsonb,
  -- per "<producer>/<aggregate_id>": the highest aggregate_version applied
  versions                jsonb       NOT NULL DEFAULT '{}'::jsonb,
  version                 bigint      NOT NULL DEFAULT 0,
  created_at              timestamptz NOT NULL DEFAULT now(),
  -- the newest occurred_at among the applied events
  updated_at              timestamptz NOT NULL DEFAULT now(),
  -- wall-clock bookkeeping for GetViewLag; the only column a rebuild changes
  applied_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_view_by_customer ON order_view (customer_id, created_at DESC, order_id DESC);
CREATE INDEX order_view_by_updated ON order_view (updated_at);
CREATE INDEX order_view_by_applied ON order_view (applied_at);

-- Down Migration
DROP TABLE order_view;

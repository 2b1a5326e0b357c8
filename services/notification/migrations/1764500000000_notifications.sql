-- Up Migration
-- Who owns which store (kept current from MenuPublished; seeded with the demo stores).
CREATE TABLE store_owners (
  store_id   text PRIMARY KEY,
  owner_id   text NOT NULL,
  store_name text NOT NULL DEFAULT '',
  region     text NOT NULL DEFAULT ''
);
INSERT INTO store_owners (store_id, owner_id, store_name, region) VALUES
  ('store-gangnam-chicken', 'owner-1', 'Gangnam Fried Chicken', 'seoul-gangnam'),
  ('store-hongdae-bibimbap', 'owner-2', 'Hongdae Bibimbap', 'seoul-mapo'),
  ('store-jamsil-pizza', 'owner-3', 'Jamsil Pizza', 'seoul-songpa');

-- Riders by delivery region (no event announces riders; the demo riders are seeded).
CREATE TABLE riders (
  rider_id text PRIMARY KEY,
  name     text NOT NULL,
  region   text NOT NULL
);
CREATE INDEX riders_by_region ON riders (region);
INSERT INTO riders (rider_id, name, region) VALUES
  ('rider-1', 'Kim Minjun', 'seoul-gangnam'),
  ('rider-2', 'Lee Seoyeon', 'seoul-gangnam'),
  ('rider-3', 'Park Jihoon', 'seoul-mapo'),
  ('rider-4', 'Choi Yuna', 'seoul-songpa');

-- One row per (event, recipient, channel): the UNIQUE constraint is what makes
-- a redelivered or replayed event notify no one twice. Enums hold the
-- foodmesh.notification.v1 numbers.
CREATE TABLE notifications (
  notification_id uuid        PRIMARY KEY,
  recipient_id    text        NOT NULL,
  recipient_kind  smallint    NOT NULL,
  channel         smallint    NOT NULL,
  locale          text        NOT NULL,
  title           text        NOT NULL,
  body            text        NOT NULL,
  order_id        text        NOT NULL,
  event_id        uuid        NOT NULL,
  event_type      text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivery_status smallint    NOT NULL,
  delivered_at    timestamptz,
  attempts        integer     NOT NULL DEFAULT 0,
  -- when the dispatcher may (re)try; also its lease while a send is in flight
  next_attempt_at timestamptz,
  last_error      text,
  UNIQUE (event_id, recipient_id, channel)
);
CREATE INDEX notifications_by_recipient ON notifications (recipient_id, created_at DESC, notification_id DESC);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- Every send to an external channel, for operators and tests.
CREATE TABLE notification_attempts (
  notification_id uuid        NOT NULL REFERENCES notifications,
  attempt         integer     NOT NULL,
  attempted_at    timestamptz NOT NULL DEFAULT now(),
  delivered       boolean     NOT NULL,
  http_status     integer,
  error           text,
  PRIMARY KEY (notification_id, attempt)
);

-- Down Migration
DROP TABLE notification_attempts;
DROP TABLE notifications;
DROP TABLE riders;
DROP TABLE store_owners;

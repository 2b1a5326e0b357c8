-- Up Migration
-- Transactional outbox: a state change and the events it causes commit together;
-- the relay publishes rows in id order and marks them published.
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  event_id      uuid        NOT NULL UNIQUE,
  topic         text        NOT NULL,
  message_key   text        NOT NULL,
  event_type    text        NOT NULL,
  payload       bytea       NOT NULL,
  headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Inbox: one row per (consumer, event) applied, written in the same transaction
-- as the consumer's state change, so a redelivered event is applied once.
CREATE TABLE inbox (
  consumer      text        NOT NULL,
  event_id      uuid        NOT NULL,
  event_type    text        NOT NULL,
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Messages a consumer could not apply (undecodable, unknown type, rejected by
-- the domain): parked here for a person to look at, never blocking the partition.
CREATE TABLE dead_letters (
  id            bigserial PRIMARY KEY,
  consumer      text        NOT NULL,
  topic         text        NOT NULL,
  kafka_partition integer   NOT NULL,
  kafka_offset  bigint      NOT NULL,
  message_key   text,
  payload       bytea,
  headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  error         text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (consumer, topic, kafka_partition, kafka_offset)
);

-- Down Migration
DROP TABLE dead_letters;
DROP TABLE inbox;
DROP TABLE outbox;

-- Up Migration
-- Dead letters can be replayed (npm run dead-letters, DeadLetterAdminService): a replay that
-- applies (or finds the event already applied) resolves the row, which stays for the record.
ALTER TABLE dead_letters
  ADD COLUMN event_id         uuid,
  ADD COLUMN event_type       text,
  ADD COLUMN replays          integer     NOT NULL DEFAULT 0,
  ADD COLUMN last_replayed_at timestamptz,
  ADD COLUMN resolved_at      timestamptz,
  ADD COLUMN resolution       text;
CREATE INDEX dead_letters_unresolved ON dead_letters (id) WHERE resolved_at IS NULL;

-- An outbox row Kafka refuses for good (too large, invalid) is set aside instead of blocking
-- every later event; the relay skips it and counts it (outbox_set_aside).
ALTER TABLE outbox
  ADD COLUMN set_aside_at timestamptz,
  ADD COLUMN set_aside_reason text;
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL AND set_aside_at IS NULL;
CREATE INDEX outbox_set_aside ON outbox (id) WHERE set_aside_at IS NOT NULL;

-- Down Migration
DROP INDEX outbox_set_aside;
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
ALTER TABLE outbox DROP COLUMN set_aside_reason, DROP COLUMN set_aside_at;
DROP INDEX dead_letters_unresolved;
ALTER TABLE dead_letters
  DROP COLUMN resolution, DROP COLUMN resolved_at, DROP COLUMN last_replayed_at,
  DROP COLUMN replays, DROP COLUMN event_type, DROP COLUMN event_id;

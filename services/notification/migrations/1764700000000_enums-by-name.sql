-- Up Migration
-- Recipient kind, channel and delivery status by their short names under CHECKs, as every
-- service stores a status (docs/architecture.md, "Statuses in the database"); they held the
-- foodmesh.notification.v1 numbers. Every number the proto declares is renamed; any other
-- would keep its digits and fail the CHECK, so the migration cannot lose a value.
ALTER TABLE notifications
  ALTER COLUMN recipient_kind TYPE text USING (CASE recipient_kind
    WHEN 1 THEN 'CUSTOMER' WHEN 2 THEN 'OWNER' WHEN 3 THEN 'RIDER' ELSE recipient_kind::text END),
  ALTER COLUMN channel TYPE text USING (CASE channel
    WHEN 1 THEN 'IN_APP' WHEN 2 THEN 'KAKAO_WEBHOOK' ELSE channel::text END),
  ALTER COLUMN delivery_status TYPE text USING (CASE delivery_status
    WHEN 1 THEN 'PENDING' WHEN 2 THEN 'DELIVERED' WHEN 3 THEN 'FAILED' ELSE delivery_status::text END),
  ADD CONSTRAINT notifications_recipient_kind_known CHECK (recipient_kind IN ('CUSTOMER', 'OWNER', 'RIDER')),
  ADD CONSTRAINT notifications_channel_known CHECK (channel IN ('IN_APP', 'KAKAO_WEBHOOK')),
  ADD CONSTRAINT notifications_delivery_status_known CHECK (delivery_status IN ('PENDING', 'DELIVERED', 'FAILED'));

-- Down Migration
ALTER TABLE notifications
  DROP CONSTRAINT notifications_recipient_kind_known,
  DROP CONSTRAINT notifications_channel_known,
  DROP CONSTRAINT notifications_delivery_status_known;
ALTER TABLE notifications
  ALTER COLUMN recipient_kind TYPE smallint USING (CASE recipient_kind WHEN 'CUSTOMER' THEN 1 WHEN 'OWNER' THEN 2 WHEN 'RIDER' THEN 3 ELSE 0 END),
  ALTER COLUMN channel TYPE smallint USING (CASE channel WHEN 'IN_APP' THEN 1 WHEN 'KAKAO_WEBHOOK' THEN 2 ELSE 0 END),
  ALTER COLUMN delivery_status TYPE smallint USING (CASE delivery_status WHEN 'PENDING' THEN 1 WHEN 'DELIVERED' THEN 2 WHEN 'FAILED' THEN 3 ELSE 0 END);

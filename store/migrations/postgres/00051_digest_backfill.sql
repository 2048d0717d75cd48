-- +goose Up
-- A new subscription's first digest covers one period of its schedule before it was made (a day
-- for a daily digest), so it is not empty on day one. NULL once the first digest is built.
ALTER TABLE digest_subscriptions ADD COLUMN backfill_from TIMESTAMPTZ;

-- +goose Down
ALTER TABLE digest_subscriptions DROP COLUMN backfill_from;

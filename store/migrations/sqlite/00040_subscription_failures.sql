-- +goose Up
-- A subscription whose runs keep failing to build (a stored filter the database refuses, a time
-- zone that no longer exists) is paused after a few tries in a row and its creator told once:
-- build_failures counts the failures in a row, paused_reason says why it was paused.
ALTER TABLE digest_subscriptions ADD COLUMN build_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE digest_subscriptions ADD COLUMN paused_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE digest_subscriptions DROP COLUMN paused_reason;
ALTER TABLE digest_subscriptions DROP COLUMN build_failures;

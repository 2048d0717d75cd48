-- +goose Up
-- An account's signals in the order every card and list shows them (newest first, undated last:
-- SQLite sorts NULL lowest; then newest id), so "the latest 5" reads 5 rows from the index.
DROP INDEX signals_account_idx;
CREATE INDEX signals_account_idx ON signals (account_id, occurred_at DESC, id DESC);

-- +goose Down
DROP INDEX signals_account_idx;
CREATE INDEX signals_account_idx ON signals (account_id, occurred_at DESC);

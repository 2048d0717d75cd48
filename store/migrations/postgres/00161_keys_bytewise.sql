-- +goose Up
-- Keys compared byte by byte: an account's key and domain and a signal's dedupe key are
-- machine-made (folded names, lower-case host names, URLs), only ever matched for equality, and
-- their unique indexes are searched for every imported row. Under a libc collation each
-- comparison went through strcoll (in PostgreSQL 15 even "C.UTF-8"); "C" compares with memcmp.
-- Equality is the same under both, and nothing orders by these columns.
ALTER TABLE accounts ALTER COLUMN key TYPE text COLLATE "C";
ALTER TABLE accounts ALTER COLUMN domain TYPE text COLLATE "C";
ALTER TABLE signals ALTER COLUMN dedupe_key TYPE text COLLATE "C";

-- +goose Down
ALTER TABLE accounts ALTER COLUMN key TYPE text COLLATE "default";
ALTER TABLE accounts ALTER COLUMN domain TYPE text COLLATE "default";
ALTER TABLE signals ALTER COLUMN dedupe_key TYPE text COLLATE "default";

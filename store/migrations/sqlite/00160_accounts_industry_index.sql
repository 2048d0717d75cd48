-- +goose Up
-- No query can use accounts_industry_idx: every industry filter compares LOWER(industry), and the
-- list of industries reads the whole table (EXPLAIN: a sequential scan and a hash aggregate with
-- or without it). It only cost writes: one of five indexes maintained for every imported account.
DROP INDEX accounts_industry_idx;

-- +goose Down
CREATE INDEX accounts_industry_idx ON accounts (industry);

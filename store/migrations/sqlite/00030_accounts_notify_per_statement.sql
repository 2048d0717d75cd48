-- +goose Up
-- PostgreSQL only: account change notifications per statement (SQLite runs one process and
-- has no NOTIFY). Kept so both dialects share version numbers.
SELECT 1;

-- +goose Down
SELECT 1;

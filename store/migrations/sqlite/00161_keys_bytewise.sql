-- +goose Up
-- PostgreSQL compares keys byte by byte from here on (see the PostgreSQL migration); SQLite
-- always has (BINARY is its default collation), so there is nothing to change.
SELECT 1;

-- +goose Down
SELECT 1;

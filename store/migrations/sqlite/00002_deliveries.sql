-- +goose Up
CREATE TABLE deliveries (
    key     TEXT PRIMARY KEY,
    seen_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX deliveries_seen_idx ON deliveries (seen_at);

-- +goose Down
DROP TABLE deliveries;

-- +goose Up
-- Envelopes already acted on, so a redelivery is not acted on twice by any replica. Unlogged:
-- no WAL and no fsync on the hot path; after a crash the table is empty, which only reopens the
-- last few seconds' redelivery window.
CREATE UNLOGGED TABLE deliveries (
    key     TEXT PRIMARY KEY,
    seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_seen_idx ON deliveries (seen_at);

-- +goose Down
DROP TABLE deliveries;

-- +goose Up
-- What a signal's text was found to mention: accounts and pain points, with the phrase that
-- matched, so every detection can be explained and audited.
CREATE TABLE signal_mentions (
    signal_id BIGINT NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('account', 'pain')),
    ref_id    BIGINT NOT NULL,
    phrase    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (signal_id, kind, ref_id)
);
CREATE INDEX signal_mentions_ref_idx ON signal_mentions (kind, ref_id);

-- +goose Down
DROP TABLE signal_mentions;

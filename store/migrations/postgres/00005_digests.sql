-- +goose Up
-- Signals saved by hand carry who saved them and why. txid is the transaction that stored the
-- signal: a digest asks for signals whose transaction is at or after the oldest transaction
-- still running when the previous digest looked (pg_snapshot_xmin), which finds every signal
-- committed since, however out of order concurrent inserts commit (store/digest.go).
ALTER TABLE signals ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE signals ADD COLUMN added_by TEXT NOT NULL DEFAULT '';
ALTER TABLE signals ADD COLUMN txid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX signals_txid_idx ON signals (txid);

-- A standing order for digests: where (a channel, or a user id for a personal digest of the
-- accounts that user owns), when (a cron expression read in a time zone) and what (filters).
-- cursor and alert_cursor say where the last digest and the last alert check stopped reading.
CREATE TABLE digest_subscriptions (
    id              BIGSERIAL PRIMARY KEY,
    channel_id      TEXT NOT NULL,
    owner_user_id   TEXT NOT NULL DEFAULT '',
    schedule        TEXT NOT NULL,
    schedule_label  TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    filters         TEXT NOT NULL DEFAULT '{}',
    alert_threshold INTEGER NOT NULL DEFAULT 0,
    alert_cap       INTEGER NOT NULL DEFAULT 3,
    all_quiet       BOOLEAN NOT NULL DEFAULT FALSE,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    cursor          BIGINT NOT NULL DEFAULT 0,
    alert_cursor    BIGINT NOT NULL DEFAULT 0,
    last_tick       TIMESTAMPTZ NOT NULL,
    last_success_at TIMESTAMPTZ
);
CREATE INDEX digest_subscriptions_channel_idx ON digest_subscriptions (channel_id) WHERE active;

-- One row per digest or alert run, like alertmanager's notification log: which subscription and
-- tick it answers (one run per tick, whichever replica gets there first), the window it covers,
-- its state and the message it became. A run is built in one transaction with its items and
-- pages; posting then moves each page from nothing to placed (ts) to posted.
CREATE TABLE digest_runs (
    id              BIGSERIAL PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES digest_subscriptions (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual', 'alert')),
    tick            TIMESTAMPTZ NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('posting', 'done', 'empty', 'failed')),
    channel_id      TEXT NOT NULL,
    cursor_from     BIGINT NOT NULL DEFAULT 0,
    cursor_to       BIGINT NOT NULL DEFAULT 0,
    window_start    TIMESTAMPTZ,
    window_end      TIMESTAMPTZ NOT NULL,
    missed_ticks    INTEGER NOT NULL DEFAULT 0,
    items           INTEGER NOT NULL DEFAULT 0,
    pages           INTEGER NOT NULL DEFAULT 0,
    message_ts      TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    error           TEXT NOT NULL DEFAULT '',
    requested_by    TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    UNIQUE (subscription_id, kind, tick)
);
CREATE INDEX digest_runs_open_idx ON digest_runs (subscription_id, id) WHERE state = 'posting';
CREATE INDEX digest_runs_created_idx ON digest_runs (created_at);

-- The messages of a run: page 0 is the channel message, pages 1.. are replies in its thread.
CREATE TABLE digest_pages (
    run_id BIGINT NOT NULL REFERENCES digest_runs (id) ON DELETE CASCADE,
    page   INTEGER NOT NULL,
    ts     TEXT NOT NULL DEFAULT '',
    posted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (run_id, page)
);

-- What each subscription has been given: a signal goes to a subscription once, in a digest or
-- an alert, whichever claims it first. Written only by the transaction that records the run, in
-- bulk; it has no foreign keys on purpose: a digest of 10,000 signals would otherwise run 30,000
-- constraint triggers and lock every signal row it names. A deleted signal simply drops out of
-- the run's messages (they join signals).
CREATE TABLE digest_items (
    subscription_id BIGINT NOT NULL,
    signal_id       BIGINT NOT NULL,
    run_id          BIGINT NOT NULL,
    page            INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    score           INTEGER NOT NULL,
    why             TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (subscription_id, signal_id)
);
CREATE INDEX digest_items_run_idx ON digest_items (run_id, position);

-- Useful / Noise votes on signals; kind and source are copied so scores can weigh them per kind
-- and source without a join.
CREATE TABLE signal_votes (
    signal_id BIGINT NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    vote      SMALLINT NOT NULL CHECK (vote IN (-1, 1)),
    kind      TEXT NOT NULL,
    source    TEXT NOT NULL DEFAULT '',
    voted_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (signal_id, user_id)
);
CREATE INDEX signal_votes_kind_source_idx ON signal_votes (kind, source);

-- +goose Down
DROP TABLE signal_votes, digest_items, digest_pages, digest_runs, digest_subscriptions;
DROP INDEX signals_txid_idx;
ALTER TABLE signals DROP COLUMN txid, DROP COLUMN added_by, DROP COLUMN note;

-- +goose Up
-- Signals saved by hand carry who saved them and why. SQLite has one writer at a time, so signal
-- ids commit in order and a digest reads "new" as id > the last id it saw (store/digest.go).
ALTER TABLE signals ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE signals ADD COLUMN added_by TEXT NOT NULL DEFAULT '';

-- A standing order for digests: where (a channel, or a user id for a personal digest of the
-- accounts that user owns), when (a cron expression read in a time zone) and what (filters).
CREATE TABLE digest_subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id      TEXT NOT NULL,
    owner_user_id   TEXT NOT NULL DEFAULT '',
    schedule        TEXT NOT NULL,
    schedule_label  TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    filters         TEXT NOT NULL DEFAULT '{}',
    alert_threshold INTEGER NOT NULL DEFAULT 0,
    alert_cap       INTEGER NOT NULL DEFAULT 3,
    all_quiet       BOOLEAN NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT 1,
    cursor          BIGINT NOT NULL DEFAULT 0,
    alert_cursor    BIGINT NOT NULL DEFAULT 0,
    last_tick       DATETIME NOT NULL,
    last_success_at DATETIME
);
CREATE INDEX digest_subscriptions_channel_idx ON digest_subscriptions (channel_id) WHERE active = 1;

-- One row per digest or alert run (see the PostgreSQL migration for the full story).
CREATE TABLE digest_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id BIGINT NOT NULL REFERENCES digest_subscriptions (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual', 'alert')),
    tick            DATETIME NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('posting', 'done', 'empty', 'failed')),
    channel_id      TEXT NOT NULL,
    cursor_from     BIGINT NOT NULL DEFAULT 0,
    cursor_to       BIGINT NOT NULL DEFAULT 0,
    window_start    DATETIME,
    window_end      DATETIME NOT NULL,
    missed_ticks    INTEGER NOT NULL DEFAULT 0,
    items           INTEGER NOT NULL DEFAULT 0,
    pages           INTEGER NOT NULL DEFAULT 0,
    message_ts      TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME,
    error           TEXT NOT NULL DEFAULT '',
    requested_by    TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    finished_at     DATETIME,
    UNIQUE (subscription_id, kind, tick)
);
CREATE INDEX digest_runs_open_idx ON digest_runs (subscription_id, id) WHERE state = 'posting';
CREATE INDEX digest_runs_created_idx ON digest_runs (created_at);

CREATE TABLE digest_pages (
    run_id INTEGER NOT NULL REFERENCES digest_runs (id) ON DELETE CASCADE,
    page   INTEGER NOT NULL,
    ts     TEXT NOT NULL DEFAULT '',
    posted BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, page)
);

-- No foreign keys on purpose (see the PostgreSQL migration).
CREATE TABLE digest_items (
    subscription_id INTEGER NOT NULL,
    signal_id       INTEGER NOT NULL,
    run_id          INTEGER NOT NULL,
    page            INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    score           INTEGER NOT NULL,
    why             TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (subscription_id, signal_id)
);
CREATE INDEX digest_items_run_idx ON digest_items (run_id, position);

CREATE TABLE signal_votes (
    signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    vote      INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    kind      TEXT NOT NULL,
    source    TEXT NOT NULL DEFAULT '',
    voted_at  DATETIME NOT NULL,
    PRIMARY KEY (signal_id, user_id)
);
CREATE INDEX signal_votes_kind_source_idx ON signal_votes (kind, source);

-- +goose Down
DROP TABLE signal_votes; DROP TABLE digest_items; DROP TABLE digest_pages; DROP TABLE digest_runs;
DROP TABLE digest_subscriptions;
ALTER TABLE signals DROP COLUMN added_by; ALTER TABLE signals DROP COLUMN note;

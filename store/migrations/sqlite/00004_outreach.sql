-- +goose Up
-- Team outreach templates: every save is a new version; the highest version of a name is live.
CREATE TABLE outreach_templates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version > 0),
    source      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    author      TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (name, version)
);

-- Drafts as they stand now: who wrote to whom, with which template, and whether it was sent and
-- answered. contact_name keeps the name when the contact row goes; basis (JSON) keeps what the
-- draft was written from (signal, pain point, peer) as it was then.
CREATE TABLE outreach_drafts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id       BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    contact_name     TEXT NOT NULL DEFAULT '',
    signal_id        BIGINT REFERENCES signals (id) ON DELETE SET NULL,
    pain_key         TEXT NOT NULL DEFAULT '',
    basis            TEXT NOT NULL DEFAULT '{}',
    template         TEXT NOT NULL,
    template_version INTEGER NOT NULL DEFAULT 0,
    channel          TEXT NOT NULL,
    subject          TEXT NOT NULL DEFAULT '',
    body             TEXT NOT NULL,
    char_limit       INTEGER NOT NULL,
    status           TEXT NOT NULL DEFAULT 'drafted' CHECK (status IN ('drafted', 'sent', 'replied')),
    author           TEXT NOT NULL,
    slack_channel    TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    sent_at          DATETIME,
    sent_by          TEXT NOT NULL DEFAULT '',
    replied_at       DATETIME,
    replied_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outreach_drafts_contact_idx ON outreach_drafts (contact_id, sent_at DESC) WHERE sent_at IS NOT NULL;
CREATE INDEX outreach_drafts_account_idx ON outreach_drafts (account_id, sent_at DESC) WHERE sent_at IS NOT NULL;
CREATE INDEX outreach_drafts_template_idx ON outreach_drafts (template);

-- The outreach log: every draft, edit, send, reply and share, with who did it and when.
CREATE TABLE outreach_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    draft_id   BIGINT NOT NULL REFERENCES outreach_drafts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('drafted', 'edited', 'sent', 'replied', 'shared')),
    account_id BIGINT NOT NULL,
    contact_id BIGINT,
    template   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    at         DATETIME NOT NULL
);
CREATE INDEX outreach_events_draft_idx ON outreach_events (draft_id, id);
CREATE INDEX outreach_events_account_idx ON outreach_events (account_id, at DESC);

-- +goose Down
DROP TABLE outreach_events; DROP TABLE outreach_drafts; DROP TABLE outreach_templates;

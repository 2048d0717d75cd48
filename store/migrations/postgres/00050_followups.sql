-- +goose Up
-- Follow-ups of sent drafts that got no reply: step 1 is due some business days after the send,
-- step 2 some business days after step 1 was done. due_on is a calendar date (YYYY-MM-DD) in the
-- rep's time zone, so "Thursday" stays Thursday across a DST change.
CREATE TABLE followups (
    id         BIGSERIAL PRIMARY KEY,
    draft_id   BIGINT NOT NULL REFERENCES outreach_drafts (id) ON DELETE CASCADE,
    step       INTEGER NOT NULL CHECK (step > 0),
    user_id    TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    due_on     TEXT NOT NULL,
    timezone   TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'replied', 'stopped')),
    nudged_at  TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    closed_at  TIMESTAMPTZ,
    UNIQUE (draft_id, step)
);
CREATE INDEX followups_user_idx ON followups (user_id, status, due_on);

-- One nudge a rep a day: the row is claimed before the DM is posted, by whichever replica gets
-- there first.
CREATE TABLE followup_nudges (
    user_id   TEXT NOT NULL,
    day       TEXT NOT NULL,
    followups INTEGER NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- +goose Down
DROP TABLE followup_nudges, followups;

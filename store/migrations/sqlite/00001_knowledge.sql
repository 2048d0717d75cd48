-- +goose Up
CREATE TABLE sources (
    key   TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    url   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    key            TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    aliases        TEXT NOT NULL DEFAULT '[]',
    domain         TEXT NOT NULL DEFAULT '',
    industry       TEXT NOT NULL DEFAULT '',
    employees      INTEGER NOT NULL DEFAULT 0,
    region         TEXT NOT NULL DEFAULT '',
    hq             TEXT NOT NULL DEFAULT '',
    stage          TEXT NOT NULL DEFAULT 'none',
    adoption_notes TEXT NOT NULL DEFAULT '',
    owner_user_id  TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX accounts_domain_key ON accounts (domain) WHERE domain <> '';
CREATE INDEX accounts_industry_idx ON accounts (industry);

CREATE TABLE facts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_type TEXT NOT NULL,
    subject_id   BIGINT NOT NULL DEFAULT 0,
    text         TEXT NOT NULL,
    figure       TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    position     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (subject_type, subject_id, text)
);

CREATE TABLE decision_roles (
    title   TEXT PRIMARY KEY,
    rank    INTEGER NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    why     TEXT NOT NULL DEFAULT '',
    source  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE contacts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    decision_rank  INTEGER NOT NULL DEFAULT 99,
    handles        TEXT NOT NULL DEFAULT '[]',
    spoke_at       TEXT NOT NULL DEFAULT '[]',
    email          TEXT NOT NULL DEFAULT '',
    do_not_contact BOOLEAN NOT NULL DEFAULT 0,
    dnc_reason     TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    UNIQUE (account_id, name)
);

CREATE TABLE pain_points (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    key            TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    keywords       TEXT NOT NULL DEFAULT '[]',
    summary        TEXT NOT NULL DEFAULT '',
    talking_points TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE account_pains (
    account_id    BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    pain_point_id BIGINT NOT NULL REFERENCES pain_points (id) ON DELETE CASCADE,
    evidence      TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, pain_point_id)
);
CREATE INDEX account_pains_pain_idx ON account_pains (pain_point_id);

CREATE TABLE signals (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    url           TEXT NOT NULL DEFAULT '',
    person        TEXT NOT NULL DEFAULT '',
    occurred_at   DATETIME,
    discovered_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    source        TEXT NOT NULL DEFAULT '',
    dedupe_key    TEXT NOT NULL UNIQUE
);
CREATE INDEX signals_account_idx ON signals (account_id, occurred_at DESC);
CREATE INDEX signals_discovered_idx ON signals (discovered_at, id);

CREATE TABLE competitors (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    name    TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT '[]',
    domain  TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    source  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE account_competitors (
    account_id    BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    competitor_id BIGINT NOT NULL REFERENCES competitors (id) ON DELETE CASCADE,
    source        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, competitor_id)
);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    year       INTEGER NOT NULL DEFAULT 0,
    location   TEXT NOT NULL DEFAULT '',
    attendance TEXT NOT NULL DEFAULT '',
    companies  TEXT NOT NULL DEFAULT '[]',
    notes      TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE communities (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL DEFAULT '',
    members  TEXT NOT NULL DEFAULT '',
    notes    TEXT NOT NULL DEFAULT '',
    source   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE guidance (
    kind   TEXT NOT NULL,
    key    TEXT NOT NULL,
    name   TEXT NOT NULL DEFAULT '',
    text   TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, key)
);

-- +goose Down
DROP TABLE guidance; DROP TABLE communities; DROP TABLE events; DROP TABLE account_competitors; DROP TABLE competitors; DROP TABLE signals;
DROP TABLE account_pains; DROP TABLE pain_points; DROP TABLE contacts; DROP TABLE decision_roles; DROP TABLE facts; DROP TABLE accounts; DROP TABLE sources;

-- +goose Up
-- Watched public sources (feeds, a GitHub repository, ADOPTERS.md, job boards): what to fetch, on
-- which cron schedule, and what the last run found. The table is named watch_sources because
-- "sources" already holds the citation keys of facts.
CREATE TABLE watch_sources (
    key              TEXT PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('feed', 'github', 'adopters', 'greenhouse', 'lever')),
    target           TEXT NOT NULL,
    account          TEXT NOT NULL DEFAULT '',
    schedule         TEXT NOT NULL DEFAULT '@hourly',
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    added_by         TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_run_at      TIMESTAMPTZ,
    last_ok_at       TIMESTAMPTZ,
    last_duration_ms BIGINT NOT NULL DEFAULT 0,
    items_seen       INTEGER NOT NULL DEFAULT 0,
    items_found      INTEGER NOT NULL DEFAULT 0,
    total_found      BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    failures         INTEGER NOT NULL DEFAULT 0,
    next_run_at      TIMESTAMPTZ,
    lease_until      TIMESTAMPTZ,
    etag             TEXT NOT NULL DEFAULT '',
    last_modified    TEXT NOT NULL DEFAULT '',
    cursor           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX watch_sources_due_idx ON watch_sources (next_run_at) WHERE enabled;

-- The defaults the report's evidence comes from; admins add and remove more with /sources.
INSERT INTO watch_sources (key, kind, target, account, schedule) VALUES
    ('github-backstage', 'github', 'backstage/backstage', '', '*/30 * * * *'),
    ('adopters-md', 'adopters', 'https://raw.githubusercontent.com/backstage/backstage/master/ADOPTERS.md', '', '17 6 * * *'),
    ('backstage-blog', 'feed', 'https://backstage.io/blog/rss.xml', '', '5 * * * *'),
    ('spotify-engineering', 'feed', 'https://engineering.atspotify.com/feed/', 'Spotify', '35 * * * *');

-- +goose Down
DROP TABLE watch_sources;

-- +goose Up
-- The App Home last published to each user: its page and a digest of its blocks. After anything
-- a person does through the bot, the bot lays their Home out again and publishes it only when the
-- digest differs, whichever replica published the last one.
CREATE TABLE home_views (
    user_id      TEXT PRIMARY KEY,
    page         INTEGER NOT NULL DEFAULT 0,
    digest       TEXT NOT NULL,
    published_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE home_views;

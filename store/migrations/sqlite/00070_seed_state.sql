-- +goose Up
-- Which knowledge file the store was last seeded from (a digest of its bytes). A start whose
-- embedded knowledge differs seeds again, idempotently, so a store created before the file gained
-- organizations or roles (the competitors, Red Hat as a vendor) gets them without `outreachbot
-- seed`. One row at most.
CREATE TABLE seed_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    knowledge_digest TEXT NOT NULL,
    seeded_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE seed_state;

-- +goose Up
-- What an organization is to the team (a prospect unless someone said otherwise), where its
-- Backstage stage came from, and what was inferred from the public record, with the evidence.
ALTER TABLE accounts ADD COLUMN role TEXT NOT NULL DEFAULT 'prospect'
    CHECK (role IN ('prospect', 'customer', 'competitor', 'vendor', 'partner'));
-- role_source: who set the role ("report", "user", "csv"); a user's or a file's choice is kept
-- by later seeds and imports.
ALTER TABLE accounts ADD COLUMN role_source TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN stage_source TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN stage_evidence TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN engineers INTEGER NOT NULL DEFAULT 0;
-- inferred: field name → the evidence it was inferred from, as JSON ({} when nothing was).
ALTER TABLE accounts ADD COLUMN inferred TEXT NOT NULL DEFAULT '{}';
CREATE INDEX accounts_role_idx ON accounts (role);

-- The organization behind a competing product (Port, Roadie; Spotify for Spotify Portal).
ALTER TABLE competitors ADD COLUMN account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;

-- A baseline signal was already true when the bot first looked (seed, first import): known, not news.
ALTER TABLE signals ADD COLUMN baseline BOOLEAN NOT NULL DEFAULT 0;

-- Existing stores: an organization listed on ADOPTERS.md uses Backstage, whatever "none" said;
-- every stage names where it came from; what the first lists and the seed held is known, not news.
UPDATE accounts SET stage = 'adopted', stage_source = 'adopters-md',
    stage_evidence = CASE WHEN adoption_notes <> '' THEN adoption_notes ELSE 'Listed in ADOPTERS.md without a description.' END
WHERE stage = 'none' AND EXISTS (SELECT 1 FROM signals s WHERE s.account_id = accounts.id AND s.kind = 'adopters_entry');
UPDATE accounts SET stage_source = source, stage_evidence = adoption_notes WHERE stage_source = '' AND stage <> 'none';
UPDATE signals SET baseline = 1 WHERE source = 'report'
    OR (kind = 'adopters_entry' AND discovered_at = (SELECT MIN(discovered_at) FROM signals WHERE kind = 'adopters_entry'));

-- +goose Down
ALTER TABLE signals DROP COLUMN baseline;
ALTER TABLE competitors DROP COLUMN account_id;
DROP INDEX accounts_role_idx;
ALTER TABLE accounts DROP COLUMN inferred;
ALTER TABLE accounts DROP COLUMN engineers;
ALTER TABLE accounts DROP COLUMN country;
ALTER TABLE accounts DROP COLUMN stage_evidence;
ALTER TABLE accounts DROP COLUMN stage_source;
ALTER TABLE accounts DROP COLUMN role_source;
ALTER TABLE accounts DROP COLUMN role;

-- +goose Up
-- Account changes are announced once per statement instead of once per row: an import that
-- writes 100,000 accounts sends one "*" (reload everything) instead of 100,000 notifications,
-- and small writes send their ids, comma-separated.
DROP TRIGGER accounts_notify ON accounts;

-- +goose StatementBegin
CREATE FUNCTION notify_accounts_changed() RETURNS trigger AS $$
DECLARE
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM changed_rows;
    IF n = 0 THEN
        RETURN NULL;
    ELSIF n > 300 THEN
        PERFORM pg_notify('outreachbot_accounts', '*');
    ELSE
        PERFORM pg_notify('outreachbot_accounts', string_agg(id::text, ',')) FROM changed_rows;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER accounts_notify_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_accounts_changed();
CREATE TRIGGER accounts_notify_update AFTER UPDATE ON accounts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_accounts_changed();
CREATE TRIGGER accounts_notify_delete AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_accounts_changed();

-- +goose Down
DROP TRIGGER accounts_notify_insert ON accounts;
DROP TRIGGER accounts_notify_update ON accounts;
DROP TRIGGER accounts_notify_delete ON accounts;
DROP FUNCTION notify_accounts_changed();
CREATE TRIGGER accounts_notify AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION notify_account_change();

-- Gateways cache who is live and with which role (gateway/src/auth/accounts.rs).
-- Any change to an account's role or deletion tells them, in the changing
-- transaction: NOTIFY is delivered at commit, and not at all on rollback.
CREATE FUNCTION notify_account_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('encore_accounts', OLD.id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_account_change
    AFTER UPDATE OF role, deleted_at ON users
    FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION notify_account_change();

CREATE TRIGGER users_account_removed
    AFTER DELETE ON users
    FOR EACH ROW
    EXECUTE FUNCTION notify_account_change();

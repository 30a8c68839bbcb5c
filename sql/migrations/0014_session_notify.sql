-- Sessions that end are announced, so that every instance forgets what it cached about them
-- (src/sessions.c): the payload is the user's or the API client's id.
--   a login logged out or revoked for reuse (refresh_tokens.revoked_at set),
--   a user no longer active, an API client deleted (revoked_at set).
CREATE FUNCTION pd_session_ended_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'refresh_tokens' THEN
        PERFORM pg_notify('propdesk_sessions', NEW.user_id::text);
    ELSE
        PERFORM pg_notify('propdesk_sessions', NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER refresh_tokens_session_ended AFTER UPDATE OF revoked_at ON refresh_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION pd_session_ended_notify();
CREATE TRIGGER users_session_ended AFTER UPDATE OF status ON users
    FOR EACH ROW WHEN (OLD.status = 'active' AND NEW.status <> 'active')
    EXECUTE FUNCTION pd_session_ended_notify();
CREATE TRIGGER api_clients_session_ended AFTER UPDATE OF revoked_at ON api_clients
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION pd_session_ended_notify();

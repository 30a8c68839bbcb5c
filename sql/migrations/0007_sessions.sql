-- The session guard: an access token is honoured only while its session lives. It runs with
-- the first statement of every authenticated request (src/sessions.c), so it must stay a
-- couple of index probes.
--   users:   the account is active and, when the token names its login (sid = the refresh
--            family), that login was not logged out or revoked for reuse;
--   clients: the API client was not deleted.
-- A dead session raises SQLSTATE PD401, which skips the statement riding with it.
CREATE FUNCTION pd_session_check(p_org uuid, p_sub uuid, p_sid uuid, p_client boolean)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_client THEN
        IF EXISTS (SELECT 1 FROM api_clients WHERE org_id = p_org AND id = p_sub AND revoked_at IS NULL) THEN
            RETURN true;
        END IF;
    ELSIF EXISTS (SELECT 1 FROM users WHERE org_id = p_org AND id = p_sub AND status = 'active')
          AND (p_sid IS NULL OR NOT EXISTS (SELECT 1 FROM refresh_tokens
                                            WHERE family_id = p_sid AND revoked_at IS NOT NULL)) THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'the session has ended' USING ERRCODE = 'PD401';
END
$$;

-- The session guard (src/sessions.c) runs with the first statement of every authenticated
-- request, so what it reads must stay a couple of index probes:
--   users:   the account is active and, when the token names its login (sid = the refresh
--            family), that login was not logged out or revoked for reuse;
--   clients: the API client was not deleted.
-- A live session returns no row; a dead one calls pd_session_ended(), whose error (SQLSTATE
-- PD401) makes PostgreSQL skip the statement riding with the guard.
CREATE FUNCTION pd_session_ended() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'the session has ended' USING ERRCODE = 'PD401';
END
$$;

-- A family's rotations pile up (one row per refresh); only its revoked rows matter here.
CREATE INDEX refresh_tokens_revoked_family ON refresh_tokens (family_id) WHERE revoked_at IS NOT NULL;

-- Logins are one namespace: a person signs in with a username, phone or e-mail without
-- naming their org, so each identifier — of any of the three kinds, in any org — names at
-- most one user. login_identities holds every user's identifiers, normalised as login looks
-- them up (lower-cased; usernames and phones are unchanged by it), and is the one place that
-- enforces the uniqueness: a trigger on users keeps it, and a clash is a unique_violation
-- (23505) whose constraint names the users column at fault (login_identities_username,
-- login_identities_phone, login_identities_email). The per-kind unique constraints of 0001
-- are dropped: they are subsumed.
--
-- Failed logins (auth_failures) get an id: a login reserves its attempt as a row before it
-- checks the password, and a successful one removes its reservation by id.

CREATE TABLE login_identities (
    identifier  text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('username', 'phone', 'email')),
    org_id      uuid NOT NULL,
    user_id     uuid NOT NULL,
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX login_identities_user ON login_identities (user_id);

-- Backfill. Existing users whose identifiers already clash stop the migration: which of
-- them keeps the login is for an operator to decide, not for a migration to guess.
DO $$
DECLARE
    clashes text;
BEGIN
    SELECT string_agg(users, '; ') INTO clashes FROM (
        SELECT string_agg(DISTINCT l.user_id::text, ', ') AS users
        FROM users u
        CROSS JOIN LATERAL (VALUES (u.id, lower(u.username)), (u.id, lower(u.phone)),
                                   (u.id, lower(u.email))) AS l (user_id, identifier)
        WHERE l.identifier IS NOT NULL
        GROUP BY l.identifier HAVING count(DISTINCT l.user_id) > 1
        LIMIT 20) c;
    IF clashes IS NOT NULL THEN
        RAISE EXCEPTION 'users share a login identifier (username, phone or email): %', clashes
            USING HINT = 'give each of these users distinct logins, then migrate again';
    END IF;
END $$;

INSERT INTO login_identities (identifier, kind, org_id, user_id)
SELECT DISTINCT ON (l.identifier) l.identifier, l.kind, u.org_id, u.id
FROM users u
CROSS JOIN LATERAL (VALUES (1, 'username', lower(u.username)), (2, 'phone', lower(u.phone)),
                           (3, 'email', lower(u.email))) AS l (rank, kind, identifier)
WHERE l.identifier IS NOT NULL
ORDER BY l.identifier, l.rank;

-- Re-derives one user's identifiers (an update drops the old ones first). A user may use one
-- value for two kinds (a username that is their own phone number): it is one identifier of
-- one user, recorded under the first kind.
CREATE FUNCTION pd_users_sync_logins() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    kinds text[] := ARRAY['username', 'phone', 'email'];
    vals text[] := ARRAY[lower(NEW.username), lower(NEW.phone), lower(NEW.email)];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM login_identities WHERE user_id = NEW.id;
    END IF;
    FOR i IN 1 .. 3 LOOP
        CONTINUE WHEN vals[i] IS NULL;
        -- waits for a concurrent insert of the same identifier to commit or roll back
        INSERT INTO login_identities (identifier, kind, org_id, user_id)
        VALUES (vals[i], kinds[i], NEW.org_id, NEW.id)
        ON CONFLICT (identifier) DO NOTHING;
        IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM login_identities
                                     WHERE identifier = vals[i] AND user_id = NEW.id) THEN
            RAISE EXCEPTION 'this % is already a login of another user', kinds[i]
                USING ERRCODE = 'unique_violation', CONSTRAINT = 'login_identities_' || kinds[i],
                      TABLE = 'users', COLUMN = kinds[i];
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER users_logins_insert AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION pd_users_sync_logins();
CREATE TRIGGER users_logins_update AFTER UPDATE OF username, phone, email ON users
    FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.phone IS DISTINCT FROM NEW.phone
          OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION pd_users_sync_logins();

ALTER TABLE users DROP CONSTRAINT users_username_key, DROP CONSTRAINT users_phone_key;
DROP INDEX users_email;

ALTER TABLE auth_failures ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;

-- Tenancy, people and access: orgs → communities → buildings → units; users, role grants,
-- residencies, departments. Every tenant table is keyed (org_id, id) and every foreign key
-- includes org_id, so a row can never point into another org.

CREATE FUNCTION pd_ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

CREATE TABLE orgs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE departments (
    org_id   uuid NOT NULL REFERENCES orgs (id),
    code     text NOT NULL CHECK (code IN ('customer_service', 'engineering', 'security',
                 'cleaning', 'greening', 'quality', 'management')),
    name     text NOT NULL,
    PRIMARY KEY (org_id, code)
);

CREATE TABLE communities (
    org_id          uuid NOT NULL REFERENCES orgs (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    code            text CHECK (char_length(code) BETWEEN 1 AND 20),
    address         text CHECK (char_length(address) <= 200),
    time_zone       text NOT NULL DEFAULT 'Asia/Shanghai',
    business_hours  jsonb NOT NULL DEFAULT '{"days":[1,2,3,4,5,6,7],"start":"08:30","end":"18:00"}',
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, code)
);
CREATE INDEX communities_list ON communities (org_id, created_at DESC, id DESC);

CREATE TABLE buildings (
    org_id        uuid NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id  uuid NOT NULL,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    code          text CHECK (char_length(code) BETWEEN 1 AND 20),
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, community_id, id),
    UNIQUE (org_id, community_id, name),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id)
);
CREATE INDEX buildings_list ON buildings (org_id, community_id, created_at DESC, id DESC);

CREATE TABLE units (
    org_id        uuid NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    community_id  uuid NOT NULL,
    building_id   uuid NOT NULL,
    number        text NOT NULL CHECK (char_length(number) BETWEEN 1 AND 30),
    floor         integer CHECK (floor BETWEEN -10 AND 300),
    area_m2       numeric(10, 2) CHECK (area_m2 >= 0),
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, building_id, number),
    FOREIGN KEY (org_id, community_id, building_id) REFERENCES buildings (org_id, community_id, id)
);
CREATE INDEX units_by_building ON units (org_id, building_id, created_at DESC, id DESC);
CREATE INDEX units_by_community ON units (org_id, community_id, created_at DESC, id DESC);
CREATE INDEX units_by_number ON units (org_id, community_id, number);

-- Logins (username, phone, email) are global: one person signs in without naming an org.
CREATE TABLE users (
    org_id         uuid NOT NULL REFERENCES orgs (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    kind           text NOT NULL CHECK (kind IN ('staff', 'resident')),
    name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    username       text UNIQUE CHECK (username ~ '^[a-z0-9._-]{3,32}$'),
    phone          text UNIQUE CHECK (phone ~ '^\+?[0-9]{6,15}$'),
    email          text CHECK (char_length(email) <= 254),
    password_hash  text NOT NULL,
    department     text,
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (id),
    FOREIGN KEY (org_id, department) REFERENCES departments (org_id, code),
    CHECK (username IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL),
    CHECK (kind = 'staff' OR department IS NULL)
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_list ON users (org_id, created_at DESC, id DESC);

CREATE TABLE role_grants (
    org_id        uuid NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL,
    role          text NOT NULL CHECK (role IN ('agent', 'technician', 'supervisor', 'manager',
                      'quality', 'admin')),
    community_id  uuid,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE NULLS NOT DISTINCT (org_id, user_id, role, community_id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id)
);
CREATE INDEX role_grants_list ON role_grants (org_id, created_at DESC, id DESC);
CREATE INDEX role_grants_user ON role_grants (org_id, user_id);

CREATE TABLE residencies (
    org_id         uuid NOT NULL,
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL,
    unit_id        uuid NOT NULL,
    community_id   uuid NOT NULL,
    relation       text NOT NULL CHECK (relation IN ('owner', 'tenant', 'family')),
    status         text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'verified', 'rejected', 'revoked')),
    verified_by    uuid,
    verified_at    timestamptz,
    reject_reason  text CHECK (char_length(reject_reason) <= 200),
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id),
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    FOREIGN KEY (org_id, community_id) REFERENCES communities (org_id, id),
    FOREIGN KEY (org_id, verified_by) REFERENCES users (org_id, id)
);
-- one live binding (requested or verified) per person and unit
CREATE UNIQUE INDEX residencies_live ON residencies (org_id, user_id, unit_id)
    WHERE status IN ('pending', 'verified');
CREATE INDEX residencies_list ON residencies (org_id, created_at DESC, id DESC);
CREATE INDEX residencies_by_user ON residencies (org_id, user_id) WHERE status = 'verified';

-- Integration clients (OAuth2 client credentials). The secret is stored as an argon2id hash.
CREATE TABLE api_clients (
    org_id       uuid NOT NULL REFERENCES orgs (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    client_id    text NOT NULL UNIQUE,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    secret_hash  text NOT NULL,
    scopes       text[] NOT NULL,
    revoked_at   timestamptz,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE INDEX api_clients_list ON api_clients (org_id, created_at DESC, id DESC);

-- Refresh tokens: only their SHA-256 is stored. A family is one login's chain of rotations.
CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    org_id      uuid NOT NULL,
    user_id     uuid NOT NULL,
    family_id   uuid NOT NULL,
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Failed logins, by account ('a:<login>') and by client address ('ip:<addr>').
CREATE TABLE auth_failures (
    key  text NOT NULL,
    at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_key ON auth_failures (key, at);

-- Idempotency-Key store: the first response of a create, replayed for 24 hours.
CREATE TABLE idempotency_keys (
    org_id        uuid NOT NULL,
    principal_id  text NOT NULL,
    key           text NOT NULL,
    route         text NOT NULL,
    request_hash  bytea NOT NULL,
    status        integer,
    body          text,
    location      text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    PRIMARY KEY (org_id, principal_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Wire shapes. Each resource is rendered once, here, so every query returns the same object.
CREATE FUNCTION pd_community_json(c communities) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', c.id, 'name', c.name, 'code', c.code, 'address', c.address,
    'time_zone', c.time_zone, 'business_hours', c.business_hours, 'version', c.version,
    'created_at', pd_ts(c.created_at), 'updated_at', pd_ts(c.updated_at))
$$;

CREATE FUNCTION pd_building_json(b buildings) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', b.id, 'community_id', b.community_id, 'name', b.name,
    'code', b.code, 'version', b.version,
    'created_at', pd_ts(b.created_at), 'updated_at', pd_ts(b.updated_at))
$$;

CREATE FUNCTION pd_unit_json(u units) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', u.id, 'community_id', u.community_id,
    'building_id', u.building_id, 'number', u.number, 'floor', u.floor,
    'area_m2', u.area_m2, 'version', u.version,
    'created_at', pd_ts(u.created_at), 'updated_at', pd_ts(u.updated_at))
$$;

CREATE FUNCTION pd_user_json(u users) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', u.id, 'kind', u.kind, 'name', u.name, 'username', u.username,
    'phone', u.phone, 'email', u.email, 'department', u.department, 'status', u.status,
    'version', u.version, 'created_at', pd_ts(u.created_at), 'updated_at', pd_ts(u.updated_at))
$$;

CREATE FUNCTION pd_role_grant_json(g role_grants) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', g.id, 'user_id', g.user_id, 'role', g.role,
    'community_id', g.community_id, 'version', g.version,
    'created_at', pd_ts(g.created_at), 'updated_at', pd_ts(g.updated_at))
$$;

CREATE FUNCTION pd_residency_json(r residencies, u units) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', r.id, 'user_id', r.user_id, 'unit_id', r.unit_id,
    'community_id', r.community_id, 'building_id', u.building_id, 'unit_number', u.number,
    'relation', r.relation, 'status', r.status, 'verified_by', r.verified_by,
    'verified_at', pd_ts(r.verified_at), 'reject_reason', r.reject_reason,
    'version', r.version, 'created_at', pd_ts(r.created_at), 'updated_at', pd_ts(r.updated_at))
$$;

CREATE FUNCTION pd_api_client_json(a api_clients) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT json_build_object('id', a.id, 'client_id', a.client_id, 'name', a.name,
    'scopes', a.scopes, 'revoked_at', pd_ts(a.revoked_at), 'version', a.version,
    'created_at', pd_ts(a.created_at), 'updated_at', pd_ts(a.updated_at))
$$;

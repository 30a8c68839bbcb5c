-- Idempotency keys are scoped to their target: idempotency_keys.route now holds the method
-- and the full path a key was first used with ("POST /v1/buildings/<id>/units"), no longer
-- the route template, so one key cannot replay building 1's units for building 2.
-- Rows written before this change: a template without parameters is its own path and every
-- create is a POST, so those keep replaying; templates with a parameter cannot be told apart
-- and stay as they are, which matches no target — reusing such a key (for at most the 24
-- hours it lives) is a 422, never a replay of another target's response.

COMMENT ON COLUMN idempotency_keys.route IS 'the target the key was first used with: method and path';

UPDATE idempotency_keys SET route = 'POST ' || route
WHERE route LIKE '/%' AND route NOT LIKE '%{%';

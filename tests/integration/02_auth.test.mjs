// Login, refresh rotation with reuse detection, logout, per-account throttling, and
// OAuth2 client credentials for integrations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, get, post, del, login, loginFull, decodeJwt, DEMO, LOGINS, unique } from './lib.mjs';

test('every demo login works and its token carries the right claims', async () => {
  for (const who of ['admin', 'agent', 'tech', 'tech2', 'super', 'manager', 'quality', 'owner1', 'owner2', 'owner3', 'otherAdmin', 'otherOwner']) {
    const r = await loginFull(LOGINS[who]);
    assert.equal(r.status, 200, who);
    assert.equal(r.json.token_type, 'Bearer');
    assert.equal(r.json.expires_in, 900);
    assert.ok(r.json.refresh_token.length >= 40);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const { header, payload } = decodeJwt(r.json.access_token);
    assert.equal(header.alg, 'HS256');
    assert.equal(payload.sub, DEMO.users[who]);
    assert.ok(payload.exp > payload.iat && payload.jti);
  }
  const owner = decodeJwt((await loginFull(LOGINS.owner1)).json.access_token).payload;
  assert.equal(owner.role, 'owner');
  assert.equal(owner.units.length, 1, 'an owner token carries their one verified unit');
  assert.deepEqual(owner.communities, [DEMO.xinyuan]);
  const agent = decodeJwt((await loginFull('agent')).json.access_token).payload;
  assert.equal(agent.role, 'agent');
  assert.equal(agent.org_wide, false);
  assert.deepEqual(agent.communities, [DEMO.xinyuan]);
  const manager = decodeJwt((await loginFull('manager')).json.access_token).payload;
  assert.equal(manager.org_wide, true);
});

test('login by phone, username (any case) or email', async () => {
  assert.equal((await loginFull('ADMIN')).status, 200);
  assert.equal((await loginFull('13800000002')).status, 200);
});

test('an unknown user answers exactly as a wrong password', async () => {
  const wrong = await loginFull('quality', 'not-the-password');
  const unknown = await loginFull('nobody-here', 'not-the-password');
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  const strip = (j) => ({ ...j, instance: undefined });
  assert.deepEqual(strip(wrong.json), strip(unknown.json));
  assert.equal(wrong.headers.get('www-authenticate'), unknown.headers.get('www-authenticate'));
});

test('refresh rotates; reusing a rotated token revokes the whole family', async () => {
  const first = (await loginFull('tech2')).json;
  const second = await post('/v1/auth/refresh', { refresh_token: first.refresh_token });
  assert.equal(second.status, 200);
  assert.notEqual(second.json.refresh_token, first.refresh_token);
  const third = await post('/v1/auth/refresh', { refresh_token: second.json.refresh_token });
  assert.equal(third.status, 200);
  // the first token again: theft suspected
  const reuse = await post('/v1/auth/refresh', { refresh_token: first.refresh_token });
  assert.equal(reuse.status, 401);
  // the latest token of the same family is now dead too
  const after = await post('/v1/auth/refresh', { refresh_token: third.json.refresh_token });
  assert.equal(after.status, 401);
  // another login's family is unaffected
  const other = (await loginFull('tech2')).json;
  assert.equal((await post('/v1/auth/refresh', { refresh_token: other.refresh_token })).status, 200);
});

test('logout revokes the refresh token; logging out twice is fine', async () => {
  const t = (await loginFull('super')).json;
  assert.equal((await post('/v1/auth/logout', { refresh_token: t.refresh_token })).status, 204);
  assert.equal((await post('/v1/auth/logout', { refresh_token: t.refresh_token })).status, 204);
  assert.equal((await post('/v1/auth/refresh', { refresh_token: t.refresh_token })).status, 401);
  assert.equal((await post('/v1/auth/refresh', { refresh_token: 'garbage' })).status, 401);
});

test('five failed logins lock the account for 15 minutes with Retry-After', async () => {
  const admin = await login('admin');
  const name = unique('locked');
  const created = await post('/v1/users', { kind: 'staff', name: '锁定测试', username: name, password: 'long-enough-pw' }, { token: admin });
  assert.equal(created.status, 201);
  await post('/v1/role-grants', { user_id: created.json.id, role: 'agent', community_id: DEMO.xinyuan }, { token: admin });
  for (let i = 0; i < 5; i++) assert.equal((await loginFull(name, 'wrong-password')).status, 401);
  const locked = await loginFull(name, 'long-enough-pw');
  assert.equal(locked.status, 429, 'even the right password waits');
  const retry = Number(locked.headers.get('retry-after'));
  assert.ok(retry > 800 && retry <= 900, `Retry-After ${retry}`);
  // other accounts are unaffected
  assert.equal((await loginFull('agent')).status, 200);
});

test('a disabled user cannot log in and loses their sessions', async () => {
  const admin = await login('admin');
  const name = unique('gone');
  const u = await post('/v1/users', { kind: 'staff', name: '离职员工', username: name, password: 'long-enough-pw' }, { token: admin });
  await post('/v1/role-grants', { user_id: u.json.id, role: 'technician', community_id: DEMO.xinyuan }, { token: admin });
  const session = await loginFull(name, 'long-enough-pw');
  assert.equal(session.status, 200);
  const off = await call('PATCH', `/v1/users/${u.json.id}`, { token: admin, body: { status: 'disabled' } });
  assert.equal(off.status, 200);
  assert.equal((await loginFull(name, 'long-enough-pw')).status, 401);
  assert.equal((await post('/v1/auth/refresh', { refresh_token: session.json.refresh_token })).status, 401);
});

test('a staff account without any role cannot obtain a token', async () => {
  const admin = await login('admin');
  const name = unique('norole');
  await post('/v1/users', { kind: 'staff', name: '新员工', username: name, password: 'long-enough-pw' }, { token: admin });
  const r = await loginFull(name, 'long-enough-pw');
  assert.equal(r.status, 403);
});

test('client credentials: secret shown once, scopes in the token, revocation', async () => {
  const admin = await login('admin');
  const c = await post('/v1/api-clients', { name: '报事集成', scopes: ['tickets:read', 'tickets:write'] }, { token: admin });
  assert.equal(c.status, 201);
  assert.match(c.json.client_id, /^pdc_/);
  assert.ok(c.json.client_secret.length >= 40);
  const shown = await get(`/v1/api-clients/${c.json.id}`, { token: admin });
  assert.equal(shown.json.client_secret, undefined, 'the secret is never shown again');

  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: c.json.client_id, client_secret: c.json.client_secret });
  const t = await call('POST', '/v1/auth/token', { raw: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.json.scope, 'tickets:read tickets:write');
  const claims = decodeJwt(t.json.access_token).payload;
  assert.equal(claims.role, 'integration');
  assert.equal(claims.scope, 'tickets:read tickets:write');

  const narrow = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: c.json.client_id, client_secret: c.json.client_secret, scope: 'tickets:read' });
  assert.equal(narrow.status, 200);
  assert.equal(decodeJwt(narrow.json.access_token).payload.scope, 'tickets:read');
  const wide = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: c.json.client_id, client_secret: c.json.client_secret, scope: 'users:read' });
  assert.equal(wide.status, 400);

  const bad = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: c.json.client_id, client_secret: 'wrong' });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.error, 'invalid_client', 'RFC 6749 §5.2 errors');
  assert.match(bad.type, /^application\/json/);
  assert.match(bad.headers.get('www-authenticate'), /^Basic realm=/);
  assert.equal(wide.json.error, 'invalid_scope');

  // HTTP Basic client authentication (RFC 6749 §2.3.1): the id and secret form-encoded, then base64
  const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const viaBasic = await call('POST', '/v1/auth/token', { raw: 'grant_type=client_credentials&scope=tickets%3Aread',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.json.client_id, c.json.client_secret) } });
  assert.equal(viaBasic.status, 200, viaBasic.text);
  assert.equal(viaBasic.json.scope, 'tickets:read');
  assert.equal(viaBasic.headers.get('cache-control'), 'no-store');
  assert.equal(viaBasic.headers.get('pragma'), 'no-cache');
  const wrongBasic = await call('POST', '/v1/auth/token', { raw: 'grant_type=client_credentials',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.json.client_id, 'nope') } });
  assert.equal(wrongBasic.status, 401);
  assert.equal(wrongBasic.json.error, 'invalid_client');
  const garbled = await call('POST', '/v1/auth/token', { raw: 'grant_type=client_credentials',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic !!!' } });
  assert.equal(garbled.json.error, 'invalid_client');
  const both = await call('POST', '/v1/auth/token', { body: { grant_type: 'client_credentials', client_id: c.json.client_id,
    client_secret: c.json.client_secret }, headers: { authorization: basic(c.json.client_id, c.json.client_secret) } });
  assert.equal(both.status, 400);
  assert.equal(both.json.error, 'invalid_request', 'one way of authenticating, not two');
  const sameId = await call('POST', '/v1/auth/token', { body: { grant_type: 'client_credentials', client_id: c.json.client_id },
    headers: { authorization: basic(c.json.client_id, c.json.client_secret) } });
  assert.equal(sameId.status, 200, 'a client_id beside Basic naming the same client is fine');
  const nul = await call('POST', '/v1/auth/token', { raw: 'grant_type=client_credentials',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.json.client_id, `${c.json.client_secret}\u0000x`) } });
  assert.equal(nul.json.error, 'invalid_client', 'no NUL hides the rest of a secret');
  const grant = await post('/v1/auth/token', { grant_type: 'password', client_id: c.json.client_id, client_secret: c.json.client_secret });
  assert.equal(grant.json.error, 'unsupported_grant_type');
  const none = await post('/v1/auth/token', { grant_type: 'client_credentials' });
  assert.equal(none.status, 401);
  assert.equal(none.json.error, 'invalid_client');
  const missing = await post('/v1/auth/token', { client_id: c.json.client_id }, { expectInvalidRequest: true });
  assert.equal(missing.json.error, 'invalid_request');
  // RFC 6749 §3.2: an unknown parameter is ignored, an empty one is as if not sent
  const lenient = await call('POST', '/v1/auth/token', { raw: 'grant_type=client_credentials&audience=x&scope=&foo=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.json.client_id, c.json.client_secret) } });
  assert.equal(lenient.status, 200, lenient.text);
  assert.equal(lenient.json.scope, 'tickets:read tickets:write', 'an empty scope asks for them all');
  // an integration token is not a staff token
  assert.equal((await get('/v1/users', { token: t.json.access_token })).status, 403);
  assert.equal((await get('/v1/me', { token: t.json.access_token })).status, 403);

  assert.equal((await del(`/v1/api-clients/${c.json.id}`, { token: admin })).status, 204);
  const revoked = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: c.json.client_id, client_secret: c.json.client_secret });
  assert.equal(revoked.status, 401);
  const listed = await get('/v1/api-clients', { token: admin });
  const row = listed.json.items.find((x) => x.id === c.json.id);
  assert.ok(row.revoked_at);
  assert.deepEqual(row.allowed_actions, []);
});

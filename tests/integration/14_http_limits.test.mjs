// What the request head decides before a body byte is read, query limits, refused requests
// that must not write, and access tokens that die with their session. Raw sockets where
// fetch cannot say what is sent (Expect, half-sent bodies, huge query strings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { call, get, post, login, loginFull, unique, DEMO } from './lib.mjs';

const direct = new URL(process.env.DIRECT_URL);

/* Sends head (and optional body bytes) on a fresh connection and resolves with the status,
 * headers and body of the first response, or { closed: true } when the server hangs up
 * without one. Never ends the request body itself. */
function rawExchange(head, body = Buffer.alloc(0), { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(direct.port), direct.hostname);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { s.destroy(); reject(new Error('no answer in time')); }, timeoutMs);
    const done = (v) => { clearTimeout(timer); s.destroy(); resolve(v); };
    s.on('error', () => {});
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString().split('\r\n');
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const len = Number(headers['content-length'] ?? 0);
      if (buf.length - end - 4 < len) return;
      const text = buf.subarray(end + 4, end + 4 + len).toString();
      done({ status: Number(lines[0].split(' ')[1]), headers, text, json: text ? JSON.parse(text) : undefined });
    });
    s.on('close', () => done({ closed: true }));
    s.write(head);
    if (body.length) s.write(body);
  });
}

const head = (method, path, headers) =>
  `${method} ${path} HTTP/1.1\r\nHost: ${direct.host}\r\n` +
  Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';

function assertProblem(r, status) {
  assert.equal(r.status, status, JSON.stringify(r));
  assert.match(r.headers['content-type'], /^application\/problem\+json/);
  assert.equal(r.json.status, status);
  assert.equal(r.json.instance, r.headers['x-request-id']);
}

test('a Content-Length over the route limit is 413 from the head: nothing is waited for', async () => {
  // the client waits for 100-continue: answered without sending a byte of the body
  assertProblem(await rawExchange(head('POST', '/v1/auth/login', {
    'content-type': 'application/json', 'content-length': 8 << 20, expect: '100-continue' })), 413);
  // a half-sent 8 MiB body to the 1 MiB login route: answered at once, not after the body
  assertProblem(await rawExchange(head('POST', '/v1/auth/login', {
    'content-type': 'application/json', 'content-length': 8 << 20 }), Buffer.alloc(64 << 10, 0x20)), 413);
  // the upload route has its own, larger limit, but the head already says too much
  const admin = await login('admin');
  assertProblem(await rawExchange(head('POST', '/v1/attachments', {
    authorization: `Bearer ${admin}`, 'content-type': 'image/jpeg', 'content-length': 64 << 20 })), 413);
});

test('anonymous and unknown-route bodies are refused from the head, before they are read', async () => {
  const anon = await rawExchange(head('POST', '/v1/attachments', {
    'content-type': 'image/jpeg', 'content-length': 8 << 20, expect: '100-continue' }));
  assertProblem(anon, 401);
  const forged = await rawExchange(head('POST', '/v1/attachments', {
    authorization: 'Bearer not.a.token', 'content-type': 'image/jpeg', 'content-length': 64 << 10 }),
  Buffer.alloc(64 << 10));  // a small refused body is read and dropped, then answered
  assertProblem(forged, 401);
  assertProblem(await rawExchange(head('POST', '/v1/nowhere', {
    'content-type': 'application/json', 'content-length': 8 << 20 }), Buffer.alloc(1024)), 404);
  const owner = await login('owner1');
  assertProblem(await rawExchange(head('POST', '/v1/communities', {
    authorization: `Bearer ${owner}`, 'content-type': 'application/json', 'content-length': 1 }), Buffer.from('{')), 403);
  assertProblem(await rawExchange(head('POST', '/v1/tickets', {
    authorization: `Bearer ${owner}`, 'content-type': 'text/plain', 'content-length': 4 << 10, expect: '100-continue' })), 415);
});

test('query parameters are capped with a problem+json 414; the server stays healthy', async () => {
  const token = await login('admin');
  const many = (n) => '/v1/units?' + Array.from({ length: n }, (_, i) => `p${i}=${i}`).join('&');
  for (const n of [65, 450, 500, 1000, 2000, 5000]) {
    const r = await rawExchange(head('GET', many(n), { authorization: `Bearer ${token}` }));
    assertProblem(r, 414);
  }
  const ok = await get('/v1/units?limit=1&limit=2', { token, direct: true });
  assert.equal(ok.status, 400, 'a repeated parameter is joined (limit=1,2) and then invalid');
  const fine = await call('GET', '/v1/units?' + Array.from({ length: 63 }, (_, i) => `p${i}=1`).join('&') + '&limit=1', { token, direct: true });
  assert.equal(fine.status, 200, 'up to 64 parameters are read (unknown ones ignored)');
  assert.equal((await get('/healthz')).status, 200);
});

test('a refused residency withdrawal writes nothing (409 leaves the binding verified)', async () => {
  const admin = await login('admin');
  const phone = `139${String(Date.now()).slice(-8)}`;
  const u = await post('/v1/users', { kind: 'resident', name: '撤回测试', phone, password: 'long-enough-pw' }, { token: admin });
  assert.equal(u.status, 201, u.text);
  const agent = await login('agent');
  const req = await post('/v1/residencies', { relation: 'tenant', community_id: DEMO.xinyuan, unit_number: '3-2-102', user_id: u.json.id }, { token: agent });
  assert.equal(req.status, 201, req.text);
  const ok = await post(`/v1/residencies/${req.json.id}/verify`, {}, { token: agent });
  assert.equal(ok.status, 200, ok.text);
  const owner = (await loginFull(phone, 'long-enough-pw')).json.access_token;
  const refused = await post(`/v1/residencies/${req.json.id}/revoke`, {}, { token: owner });
  assert.equal(refused.status, 409, refused.text);
  const after = await get(`/v1/residencies/${req.json.id}`, { token: agent });
  assert.equal(after.json.status, 'verified', 'the refused request did not revoke');
  assert.equal(after.json.version, ok.json.version, 'nor touch the row');
});

test('logout, disabling the user and deleting the API client end their access tokens at once', async () => {
  const admin = await login('admin');
  const name = unique('sess');
  const u = await post('/v1/users', { kind: 'staff', name: '会话', username: name, password: 'long-enough-pw', department: 'customer_service' }, { token: admin });
  assert.equal(u.status, 201, u.text);
  const grant = await post('/v1/role-grants', { user_id: u.json.id, role: 'agent', community_id: DEMO.xinyuan }, { token: admin });
  assert.equal(grant.status, 201, grant.text);
  const first = (await loginFull(name, 'long-enough-pw')).json;
  const second = (await loginFull(name, 'long-enough-pw')).json;
  assert.equal((await get('/v1/me', { token: first.access_token })).status, 200);
  assert.equal((await post('/v1/auth/logout', { refresh_token: first.refresh_token })).status, 204);
  const dead = { expectInvalidRequest: true };  // the proxy flags any 401 as a request problem
  const gone = await get('/v1/me', { token: first.access_token, ...dead });
  assert.equal(gone.status, 401, 'the logged-out login no longer gets in');
  assert.equal((await get('/v1/departments', { token: first.access_token, ...dead })).status, 401, 'on any route');
  assert.equal((await get('/v1/me', { token: second.access_token })).status, 200, 'another login of the same user is untouched');

  const disable = await call('PATCH', `/v1/users/${u.json.id}`, { token: admin, body: { status: 'disabled' } });
  assert.equal(disable.status, 200, disable.text);
  assert.equal((await get('/v1/me', { token: second.access_token, ...dead })).status, 401, 'a disabled user is out at once');

  const client = await post('/v1/api-clients', { name: unique('c'), scopes: ['tickets:read'] }, { token: admin });
  assert.equal(client.status, 201, client.text);
  const tok = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: client.json.client_id, client_secret: client.json.client_secret });
  assert.equal(tok.status, 200, tok.text);
  assert.equal((await get('/v1/tickets?limit=1', { token: tok.json.access_token })).status, 200);
  assert.equal((await call('DELETE', `/v1/api-clients/${client.json.id}`, { token: admin })).status, 204);
  assert.equal((await get('/v1/tickets?limit=1', { token: tok.json.access_token, ...dead })).status, 401, 'a deleted client is out at once');
});

test('a session ended by another instance (only the database knows) is refused as soon as it is announced', async (t) => {
  if (!process.env.DATABASE_URL) return t.skip('needs DATABASE_URL to end the session behind the server\'s back');
  const { execFileSync } = await import('node:child_process');
  const admin = await login('admin');
  const name = unique('far');
  const u = await post('/v1/users', { kind: 'staff', name: '远端', username: name, password: 'long-enough-pw', department: 'customer_service' }, { token: admin });
  await post('/v1/role-grants', { user_id: u.json.id, role: 'agent', community_id: DEMO.xinyuan }, { token: admin });
  const token = (await loginFull(name, 'long-enough-pw')).json.access_token;
  for (let i = 0; i < 3; i++) assert.equal((await get('/v1/me', { token, direct: true })).status, 200);  // now remembered as live
  // what another instance's commit looks like from here: no request of ours took part
  execFileSync('psql', ['-X', '-q', process.env.DATABASE_URL, '-c', `UPDATE users SET status = 'disabled' WHERE id = '${u.json.id}'`]);
  let status = 200;
  for (let waited = 0; status === 200 && waited < 2000; waited += 20) {
    status = (await get('/v1/me', { token, direct: true, expectInvalidRequest: true })).status;
    if (status === 200) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(status, 401, 'the announcement reached the server and the token is refused');
});

test('a unit of work aborted by a serialization failure is run again; after three it is a 503', async (t) => {
  if (!process.env.DATABASE_URL) return t.skip('needs DATABASE_URL to make PostgreSQL abort the unit');
  const { execFileSync } = await import('node:child_process');
  const sql = (q) => execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', process.env.DATABASE_URL, '-c', q]);
  const admin = await login('admin');
  const community = (await post('/v1/communities', { name: unique('重试小区') }, { token: admin })).json;
  // a sequence is not rolled back with the unit: it counts the attempts across them
  const fail = (n) => sql(`DROP SEQUENCE IF EXISTS retry_probe; CREATE SEQUENCE retry_probe;
    CREATE OR REPLACE FUNCTION retry_probe() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF nextval('retry_probe') <= ${n} THEN RAISE EXCEPTION 'probe' USING ERRCODE = '40001'; END IF; RETURN NEW; END $$;
    DROP TRIGGER IF EXISTS retry_probe ON communities;
    CREATE TRIGGER retry_probe BEFORE UPDATE ON communities FOR EACH ROW
      WHEN (NEW.id = '${community.id}') EXECUTE FUNCTION retry_probe();`);
  try {
    fail(2);
    const ok = await call('PATCH', `/v1/communities/${community.id}`, { token: admin, body: { name: unique('重试后') } });
    assert.equal(ok.status, 200, `two aborts, then the third attempt commits: ${ok.text}`);
    assert.equal(ok.json.version, community.version + 1, 'and it committed once');
    fail(3);
    const gave = await call('PATCH', `/v1/communities/${community.id}`, { token: admin, body: { name: unique('放弃') }, allow5xx: true });
    assert.equal(gave.status, 503, gave.text);
    assert.equal(gave.headers.get('retry-after'), '1');
    const after = await get(`/v1/communities/${community.id}`, { token: admin });
    assert.equal(after.json.version, community.version + 1, 'nothing of the failed attempts stayed');
  } finally {
    sql('DROP TRIGGER IF EXISTS retry_probe ON communities; DROP FUNCTION IF EXISTS retry_probe(); DROP SEQUENCE IF EXISTS retry_probe;');
  }
});

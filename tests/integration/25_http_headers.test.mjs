// What browsers, caches and proxies see on every reply: GET / sends people to /docs, whose
// page runs under a Content-Security-Policy with every asset served here; nosniff
// everywhere; no-store on authenticated replies; CORS only for the configured origins
// (the suite's server allows https://desk.example.com); gzip for bodies worth it, when asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { call, get, login, DIRECT } from './lib.mjs';

/* A raw exchange (no automatic decompression): status, headers and the body's bytes. */
function raw(method, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${DIRECT}${path}`, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('GET / leads to /docs, which loads only its own assets under a CSP', async () => {
  const root = await raw('GET', '/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/docs');
  const page = await raw('GET', '/docs');
  assert.equal(page.status, 200);
  const csp = page.headers['content-security-policy'];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  const html = page.body.toString();
  assert.ok(!/<script>[^<]/.test(html), 'no inline script');
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.includes('/docs/init.js'));
  for (const a of assets) {
    assert.ok(a.startsWith('/'), `${a} is served here`);
    assert.equal((await raw('GET', a)).status, 200, a);
  }
  const spec = (await raw('GET', '/openapi.yaml')).body.toString();
  assert.match(spec, /^servers:\n {2}- url: \/\n/m, 'the first server is relative: Try it out works on any host');
});

test('nosniff everywhere; no-store on what a token let through', async () => {
  const token = await login('agent');
  // the client behind a trusted proxy (the suite trusts loopback): the right-most hop no trusted
  // proxy wrote; tests/run.sh finds 203.0.113.9 and 198.51.100.4 in the access log, never the
  // forged 192.0.2.66 on the left
  await raw('GET', '/healthz', { 'x-forwarded-for': '192.0.2.66, 203.0.113.9' });
  await raw('GET', '/healthz', { 'x-forwarded-for': '198.51.100.4, 127.0.0.1' });
  // a proxy that adds a line of its own after the client's (HAProxy's forwardfor): the last
  // line counts (203.0.113.10), not the forged first one (192.0.2.67)
  await raw('GET', '/healthz', ['X-Forwarded-For', '192.0.2.67', 'X-Forwarded-For', '203.0.113.10']);
  // a header too long to read whole is not trusted at all (its forged left part, 192.0.2.68, never)
  await raw('GET', '/healthz', { 'x-forwarded-for': `${'192.0.2.68, '.repeat(60)}203.0.113.11` });
  // a traced request (tests/run.sh finds its ids in the access log)
  assert.equal((await raw('GET', '/v1/me', { authorization: `Bearer ${token}`,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).status, 200);
  for (const [path, headers] of [['/healthz', {}], ['/nope', {}], ['/v1/me', {}], ['/v1/me', { authorization: `Bearer ${token}` }]]) {
    const r = await raw('GET', path, headers);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', `${path} ${r.status}`);
  }
  const me = await raw('GET', '/v1/me', { authorization: `Bearer ${token}` });
  assert.equal(me.headers['cache-control'], 'no-store');
  assert.equal((await raw('GET', '/v1/me')).headers['cache-control'], 'no-store', 'its 401 too');
  assert.equal((await raw('GET', '/v1/meta/enums')).headers['cache-control'], 'public, max-age=3600', 'public data keeps its policy');
});

test('CORS answers only the allowed origins, preflight included', async () => {
  const ok = await raw('OPTIONS', '/v1/tickets/00000000-0000-4000-8000-000000000000', {
    origin: 'https://desk.example.com', 'access-control-request-method': 'PATCH',
    'access-control-request-headers': 'authorization, if-match' });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers['access-control-allow-origin'], 'https://desk.example.com');
  assert.match(ok.headers['access-control-allow-methods'], /PATCH/);
  assert.match(ok.headers['access-control-allow-headers'], /If-Match/);
  assert.match(ok.headers.vary, /Origin/);
  assert.equal(ok.headers.allow, 'OPTIONS, GET, PATCH', 'the methods of that path');
  const nowhere = await raw('OPTIONS', '/v1/no-such-thing', { origin: 'https://desk.example.com', 'access-control-request-method': 'GET' });
  assert.equal(nowhere.status, 404, 'no preflight for a path there is not');
  assert.match(nowhere.headers['content-type'], /problem\+json/);
  const other = await raw('OPTIONS', '/v1/tickets', { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' });
  assert.equal(other.headers['access-control-allow-origin'], undefined);
  const simple = await raw('GET', '/healthz', { origin: 'https://desk.example.com' });
  assert.equal(simple.headers['access-control-allow-origin'], 'https://desk.example.com');
  assert.match(simple.headers['access-control-expose-headers'], /ETag/);
  assert.equal((await raw('GET', '/healthz', { origin: 'https://desk.example.com.evil.net' })).headers['access-control-allow-origin'], undefined);
});

test('gzip when the client accepts it and the body is worth it; the same JSON either way', async () => {
  const token = await login('admin');
  const auth = { authorization: `Bearer ${token}` };
  const plain = await raw('GET', '/v1/users?limit=100', auth);
  const zipped = await raw('GET', '/v1/users?limit=100', { ...auth, 'accept-encoding': 'br;q=1, gzip;q=0.8' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.match(zipped.headers.vary, /Accept-Encoding/);
  assert.ok(zipped.body.length < plain.body.length / 3, `${zipped.body.length} of ${plain.body.length} bytes`);
  assert.deepEqual(JSON.parse(gunzipSync(zipped.body)), JSON.parse(plain.body));
  assert.match(plain.headers.vary, /Accept-Encoding/, 'a cache must tell the codings apart, even uncompressed');
  assert.notEqual(zipped.headers.etag, plain.headers.etag, 'the gzipped body is another representation: another tag');
  const revalidated = await raw('GET', '/v1/users?limit=100', { ...auth, 'accept-encoding': 'gzip', 'if-none-match': zipped.headers.etag });
  assert.equal(revalidated.status, 304);
  assert.equal((await raw('GET', '/v1/users?limit=100', { ...auth, 'if-none-match': zipped.headers.etag })).status, 200,
    "the gzip tag does not validate the identity body");
  const refused = await raw('GET', '/v1/users?limit=100', { ...auth, 'accept-encoding': 'gzip;q=0' });
  assert.equal(refused.headers['content-encoding'], undefined, 'q=0 refuses');
  const small = await raw('GET', '/healthz', { 'accept-encoding': 'gzip' });
  assert.equal(small.headers['content-encoding'], undefined, 'a small body is sent as it is');
  for (const path of ['/openapi.yaml', '/docs/swagger-ui-bundle.js']) {
    const a = await raw('GET', path, { 'accept-encoding': 'gzip' });
    const b = await raw('GET', path);
    assert.equal(a.headers['content-encoding'], 'gzip', path);
    assert.ok(gunzipSync(a.body).equals(b.body), `${path}: the same bytes`);
    assert.ok(a.body.length < b.body.length / 3, `${path}: ${a.body.length} of ${b.body.length} bytes`);
  }
  // through fetch (which asks for gzip itself) nothing changes for a client
  assert.equal((await get('/v1/users?limit=100', { token })).status, 200);
});

test('conditional GETs: per-view ETags, 304 on If-None-Match, If-Match still by version', async () => {
  const [owner1, agent] = await Promise.all([login('owner1'), login('agent')]);
  const unit = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  const t = await call('POST', '/v1/tickets', { token: owner1, body: { kind: 'repair', unit_id: unit, category: 'leak', description: '条件请求测试' } });
  assert.equal(t.status, 201, t.text);
  const path = `/v1/tickets/${t.json.id}`;
  const mine = await raw('GET', path, { authorization: `Bearer ${owner1}` });
  const desk = await raw('GET', path, { authorization: `Bearer ${agent}` });
  assert.match(mine.headers.etag, /^"1-[0-9a-f]{16}"$/);
  assert.match(desk.headers.etag, /^"1-[0-9a-f]{16}"$/);
  assert.notEqual(mine.headers.etag, desk.headers.etag, 'the owner and the desk see different allowed_actions: different ETags');
  const again = await raw('GET', path, { authorization: `Bearer ${owner1}`, 'if-none-match': mine.headers.etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, mine.headers.etag);
  assert.equal((await raw('GET', path, { authorization: `Bearer ${owner1}`, 'if-none-match': desk.headers.etag })).status, 200,
    "another view's tag does not match");
  assert.equal((await raw('GET', path, { authorization: `Bearer ${owner1}`, 'if-none-match': `"x", W/${mine.headers.etag}` })).status, 304);
  // If-Match takes the tag as sent, or the bare version
  const up = await call('PATCH', path, { token: owner1, body: { description: '条件请求测试（补充）' }, headers: { 'if-match': mine.headers.etag } });
  assert.equal(up.status, 200, up.text);
  assert.match(up.headers.get('etag'), /^"2-/);
  const stale = await call('PATCH', path, { token: owner1, body: { description: 'x' }, headers: { 'if-match': mine.headers.etag } });
  assert.equal(stale.status, 412);
  assert.equal((await raw('GET', path, { authorization: `Bearer ${owner1}`, 'if-none-match': mine.headers.etag })).status, 200, 'changed');
  // lists and public documents too
  const list = await raw('GET', '/v1/me/notifications?limit=5', { authorization: `Bearer ${owner1}` });
  assert.match(list.headers.etag, /^"[0-9a-f]{16}"$/);
  assert.equal((await raw('GET', '/v1/me/notifications?limit=5', { authorization: `Bearer ${owner1}`, 'if-none-match': list.headers.etag })).status, 304);
  const enums = await raw('GET', '/v1/meta/enums');
  assert.equal((await raw('GET', '/v1/meta/enums', { 'if-none-match': enums.headers.etag })).status, 304);
  // through the contract proxy (which asks for gzip upstream): a 304 is in the contract
  const gz = await raw('GET', '/v1/meta/enums', { 'accept-encoding': 'gzip, deflate' });
  assert.equal((await get('/v1/meta/enums', { headers: { 'if-none-match': `${enums.headers.etag}, ${gz.headers.etag}` } })).status, 304);
});

test('problems have a stable code and type, in Chinese when the caller prefers it', async () => {
  const [owner1, agent] = await Promise.all([login('owner1'), login('agent')]);
  const en = await call('POST', '/v1/tickets', { token: owner1, body: { kind: 'repair' }, expectInvalidRequest: true });
  assert.equal(en.status, 400);
  assert.equal(en.json.code, 'validation');
  assert.equal(en.json.type, 'urn:propdesk:problem:validation');
  assert.equal(en.json.title, 'Bad Request');
  assert.equal(en.headers.get('content-language'), 'en');
  const zh = await call('POST', '/v1/tickets', { token: owner1, body: { kind: 'repair' }, expectInvalidRequest: true,
    headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
  assert.equal(zh.json.code, 'validation', 'the code does not change with the language');
  assert.equal(zh.json.title, '请求无效');
  assert.equal(zh.json.detail, '有字段不符合要求。');
  assert.equal(zh.headers.get('content-language'), 'zh-CN');
  assert.match(zh.headers.get('vary'), /Accept-Language/);
  assert.deepEqual(zh.json.errors.map((e) => e.field).sort(), en.json.errors.map((e) => e.field).sort());
  assert.equal((await call('GET', '/v1/tickets/00000000-0000-4000-8000-000000000000', { token: owner1,
    headers: { 'accept-language': 'en-GB, zh;q=0.5' } })).json.title, 'Not Found', 'English ranked first');
  const missing = await call('GET', '/v1/tickets/00000000-0000-4000-8000-000000000000', { token: owner1,
    headers: { 'accept-language': 'zh' } });
  assert.equal(missing.json.code, 'not_found');
  assert.equal(missing.json.title, '不存在');
  const anon = await call('GET', '/v1/me', { expectInvalidRequest: true, headers: { 'accept-language': 'zh-TW' } });
  assert.equal(anon.json.code, 'unauthorized');
  assert.equal(anon.json.detail, '需要提供访问令牌（Bearer）。');
  // a state conflict: cancel a closed… an already cancelled ticket
  const unit = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  const t = (await call('POST', '/v1/tickets', { token: owner1, body: { kind: 'repair', unit_id: unit, category: 'leak', description: '冲突测试' } })).json;
  assert.equal((await call('POST', `/v1/tickets/${t.id}/cancel`, { token: owner1, body: {} })).status, 200);
  const again = await call('POST', `/v1/tickets/${t.id}/cancel`, { token: owner1, body: {}, headers: { 'accept-language': 'zh-CN' } });
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'state_conflict');
  assert.equal(again.json.type, 'urn:propdesk:problem:state_conflict');
  assert.match(again.json.detail, /^当前状态（cancelled）不允许此操作。$/);
  // nobody free: a department with no technician on duty (security has none in the demo)
  const t2 = (await call('POST', '/v1/tickets', { token: agent, body: { kind: 'repair', unit_id: unit, category: 'leak',
    description: '无人可派', channel: 'phone', reporter_name: '张先生', reporter_phone: '13800000001' } })).json;
  const auto = await call('POST', `/v1/tickets/${t2.id}/dispatch`, { token: agent, body: { mode: 'auto', department: 'security' } });
  assert.equal(auto.status, 409, auto.text);
  assert.equal(auto.json.code, 'nobody_free');
  // the codes are an enum like any other
  const codes = (await get('/v1/meta/enums')).json.problem_code.map((x) => x.code);
  for (const c of ['validation', 'state_conflict', 'nobody_free', 'lost_race', 'stale', 'throttled']) assert.ok(codes.includes(c), c);
});

// Bad input on every endpoint: malformed JSON, wrong content type, oversized and invalid
// UTF-8 bodies, wrong types, unknown and missing fields (an unknown field on every JSON body
// openapi.yaml lists), SQL-looking strings, huge numbers, bad UUIDs and cursors, wrong
// methods. Each gets its documented 4xx problem — never a
// 5xx — nothing half-written stays, and the server stays healthy.
// Raw-byte requests go straight to the server (a proxy cannot forward broken JSON); their
// responses still pass the same problem+json checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { call, get, login, fieldsOf, DEMO } from './lib.mjs';

const yaml = createRequire(import.meta.url)('js-yaml');  // a dev dependency of the linters

const ID = '00000000-0000-4000-8000-00000000beef';
const BODY_ENDPOINTS = [
  ['POST', '/v1/auth/login', { login: 'admin', password: 'x' }],
  ['POST', '/v1/auth/refresh', { refresh_token: 'x' }],
  ['POST', '/v1/auth/logout', { refresh_token: 'x' }],
  ['POST', '/v1/communities', { name: 'x' }],
  ['PATCH', `/v1/communities/${DEMO.xinyuan}`, { name: 'x' }],
  ['POST', '/v1/buildings', { community_id: DEMO.xinyuan, name: 'x' }],
  ['PATCH', `/v1/buildings/${ID}`, { name: 'x' }],
  ['POST', `/v1/buildings/${ID}/units`, { items: [{ number: 'x' }] }],
  ['POST', '/v1/units', { building_id: ID, number: 'x' }],
  ['PATCH', `/v1/units/${ID}`, { number: 'x' }],
  ['POST', '/v1/users', { kind: 'staff', name: 'x', username: 'xyz', password: 'long-enough-pw' }],
  ['PATCH', `/v1/users/${ID}`, { name: 'x' }],
  ['POST', '/v1/role-grants', { user_id: ID, role: 'agent' }],
  ['POST', '/v1/residencies', { relation: 'owner', unit_id: ID, user_id: ID }],
  ['POST', `/v1/residencies/${ID}/reject`, { reason: 'x' }],
  ['POST', '/v1/api-clients', { name: 'x', scopes: ['tickets:read'] }],
  ['POST', '/v1/tickets', { kind: 'repair', unit_id: ID, category: 'other', description: 'x', channel: 'phone', reporter_name: 'x', reporter_phone: '13800000009' }],
  ['PATCH', `/v1/tickets/${ID}`, { priority: 'P2' }],
  ['POST', `/v1/tickets/${ID}/dispatch`, { mode: 'queue' }],
  ['POST', `/v1/tickets/${ID}/reply`, { reply: 'x' }],
  ['POST', `/v1/tickets/${ID}/comments`, { body: 'x' }],
  ['POST', '/v1/complaints', { community_id: DEMO.xinyuan, description: 'x', channel: 'phone', contact_name: 'x', contact_phone: '13800000009' }],
  ['POST', `/v1/complaints/${ID}/accept`, { nature: 'valid', content: 'other', severity: 'general' }],
  ['POST', `/v1/complaints/${ID}/reclassify`, { severity: 'major' }],
  ['POST', `/v1/complaints/${ID}/forward`, { departments: ['engineering'] }],
  ['POST', `/v1/complaints/${ID}/resolve`, { result: 'x', root_cause: 'x', corrective_action: 'x' }],
  ['POST', `/v1/complaints/${ID}/reply`, { method: 'phone', content: 'x' }],
  ['POST', `/v1/complaints/${ID}/merge`, { primary_id: ID }],
  ['POST', `/v1/complaints/${ID}/extend`, { reason: 'x', due_at: '2030-01-01T00:00:00Z' }],
  ['POST', `/v1/complaints/${ID}/comments`, { body: 'x' }],
  ['POST', `/v1/complaints/${ID}/dispatch`, { category: 'elevator', description: 'x', mode: 'queue' }],
  ['POST', '/v1/callbacks', { kind: 'opinion', unit_id: ID, window_end: '2031-01-01T00:00:00Z' }],
  ['POST', `/v1/callbacks/${ID}/reassign`, { assignee_id: ID }],
  ['POST', `/v1/callbacks/${ID}/attempt`, { method: 'phone', outcome: 'reached' }],
  ['POST', `/v1/callbacks/${ID}/complete`, { method: 'phone', satisfaction: 'satisfied' }],
  ['POST', `/v1/callbacks/${ID}/return`, { reason: 'x' }],
  ['POST', `/v1/callbacks/${ID}/cancel`, { reason: 'x' }],
  ['POST', '/v1/callback-letters', { callback_ids: [ID], content: 'x' }],
  ['POST', '/v1/sla-policy/callback-targets', { source_kind: 'help', rate: 0.5, window_start_hours: 1, window_end_hours: 2,
    max_attempts: 1, retry_hours: 1, on_unsatisfied: 'none' }],
  ['POST', '/v1/announcements', { title: 'x', body: 'x', category: 'notice', audience: 'org' }],
  ['PATCH', `/v1/announcements/${ID}`, { title: 'x' }],
  ['POST', '/v1/announcements/service-report', { community_id: ID, month: '2026-01' }],
  ['POST', `/v1/announcements/${ID}/schedule`, { publish_at: '2031-01-01T00:00:00Z' }],
  ['POST', `/v1/announcements/${ID}/withdraw`, { reason: 'x' }],
  ['POST', `/v1/announcements/${ID}/amend`, { title: 'x' }],
  ['POST', '/v1/survey-templates', { name: 'x', sections: [] }],
  ['PATCH', `/v1/survey-templates/${ID}`, { name: 'x' }],
  ['POST', '/v1/surveys', { title: 'x', template_id: ID, community_ids: [ID], opens_at: '2031-01-01T00:00:00Z',
    closes_at: '2031-02-01T00:00:00Z' }],
  ['PATCH', `/v1/surveys/${ID}`, { title: 'x' }],
  ['POST', `/v1/surveys/${ID}/responses`, { unit_id: ID, answers: {}, collector_id: ID, collected_at: '2026-01-01T00:00:00Z', serial: 'x' }],
  ['POST', `/v1/survey-responses/${ID}/audit`, { verdict: 'verified' }],
  ['POST', `/v1/work-orders/${ID}/hold`, { reason: 'x' }],
  ['POST', `/v1/work-orders/${ID}/complete`, { notes: 'x', labor_minutes: 1 }],
  ['POST', `/v1/work-orders/${ID}/reassign`, { assignee_id: ID }],
  ['PATCH', '/v1/sla-policy', { warn_before_minutes: 1 }],
  ['POST', '/v1/sla-policy/targets', { priority: 'P4', contact_minutes: 1, arrival_next_day: true, resolve_minutes: 1 }],
  ['POST', '/v1/holidays', { day: '2030-01-01', name: 'x' }],
  ['POST', '/v1/webhooks', { url: 'https://example.com/x', event_types: ['*'] }],
  ['PATCH', `/v1/webhooks/${ID}`, { description: 'x' }],
  ['POST', '/v1/me/devices', { platform: 'ios', token: 'x', app_id: 'x' }],
];
/* Every GET of the contract whose one path parameter is an id, and every list (it takes a
 * cursor): taken from openapi.yaml, so that a new one is swept the day it is added. */
const SPEC = yaml.load(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
const GETS = Object.entries(SPEC.paths).filter(([, item]) => item.get);
const paramsOf = (item) => [...(item.parameters ?? []), ...(item.get.parameters ?? [])].map((x) => x.$ref ?? x.name);
const ID_PATHS = GETS.map(([p]) => p).filter((p) => p.includes('{id}') && !/\{(?!id\})/.test(p));
const LIST_PATHS = GETS.filter(([, item]) => paramsOf(item).some((x) => x.endsWith('/Cursor'))).map(([p]) => p.replace('{id}', ID));
/* A demo login of a role the path's GET admits (admin where it may). */
const LOGIN_OF = { admin: 'admin', owner: 'owner1', agent: 'agent', technician: 'tech', supervisor: 'super', manager: 'manager', quality: 'quality' };
const loginFor = (path) => {
  const roles = SPEC.paths[path.replace(ID, '{id}')].get['x-roles'];
  return login(LOGIN_OF[roles.includes('admin') ? 'admin' : roles.find((r) => LOGIN_OF[r])]);
};

let admin;
const raw = (method, path, body, headers = {}) =>
  call(method, path, { token: admin, raw: body, headers, direct: true, expectInvalidRequest: true });

test('malformed JSON, non-objects, wrong and missing content types', async () => {
  admin = await login('admin');
  for (const [method, path] of BODY_ENDPOINTS) {
    const where = `${method} ${path}`;
    for (const body of ['{"name": ', '{name: 1}', '{"a":1}}', '', '   ', '[1,2]', '"text"', '42', 'null', '{"a":1,"a":2}'])
      assert.equal((await raw(method, path, body, { 'content-type': 'application/json' })).status, 400, `${where} ${JSON.stringify(body)}`);
    assert.equal((await raw(method, path, '{}', { 'content-type': 'text/plain' })).status, 415, where);
    assert.equal((await raw(method, path, 'a=b', { 'content-type': 'application/x-www-form-urlencoded' })).status, 415, where);
    assert.equal((await raw(method, path, '{}', {})).status, 415, `${where} without a content type`);
  }
});

test('oversized bodies are 413 before they are read; invalid UTF-8 is 400', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(1100 * 1024) });
  const bad = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]);
  const overlong = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
  for (const [method, path] of BODY_ENDPOINTS) {
    assert.equal((await raw(method, path, big, { 'content-type': 'application/json' })).status, 413, `${method} ${path}`);
    assert.equal((await raw(method, path, bad, { 'content-type': 'application/json' })).status, 400, `${method} ${path}`);
    assert.equal((await raw(method, path, overlong, { 'content-type': 'application/json' })).status, 400, `${method} ${path}`);
  }
  const declared = await fetch(`${process.env.DIRECT_URL}/v1/communities`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(JSON.stringify({ name: 'x'.repeat(2 << 20) }))); c.close(); } }),
    duplex: 'half',
  });
  assert.equal(declared.status, 413, 'a chunked body without Content-Length is cut off too');
});

test('unknown fields are named; wrong types and missing fields are all listed', async () => {
  for (const [method, path, good] of BODY_ENDPOINTS) {
    const where = `${method} ${path}`;
    const unknown = await call(method, path, { token: admin, body: { ...good, surprise: 1, another: 'x' }, expectInvalidRequest: true });
    assert.equal(unknown.status, 400, where);
    assert.ok(fieldsOf(unknown).includes('surprise') && fieldsOf(unknown).includes('another'), `${where}: ${unknown.text}`);
    const typed = Object.fromEntries(Object.keys(good).map((k) => [k, typeof good[k] === 'string' ? 12345 : 'a string']));
    const wrong = await call(method, path, { token: admin, body: typed, expectInvalidRequest: true });
    assert.equal(wrong.status, 400, `${where} wrong types → ${wrong.status} ${wrong.text}`);
    assert.ok(fieldsOf(wrong).length >= Math.min(1, Object.keys(good).length), where);
    if (method === 'POST' && !path.includes('/reject')) {
      const empty = await call(method, path, { token: admin, body: {}, expectInvalidRequest: true });
      assert.equal(empty.status, 400, where);
    }
  }
});

test('with Accept-Language: zh-CN the same problems are in Chinese: title, detail and every field message', async () => {
  const zh = { 'accept-language': 'zh-CN,zh;q=0.9' };
  const cjk = /[\u4e00-\u9fff]/;
  let checked = 0;
  for (const [method, path, good] of BODY_ENDPOINTS) {
    const typed = Object.fromEntries(Object.keys(good).map((k) => [k, typeof good[k] === 'string' ? 12345 : 'a string']));
    for (const body of [{ ...typed, surprise: 1 }, {}]) {
      const r = await call(method, path, { token: admin, body, headers: zh, expectInvalidRequest: true });
      if (r.status !== 400) continue;   // (an empty body is fine for some)
      const where = `${method} ${path} ${JSON.stringify(body)}`;
      assert.equal(r.headers.get('content-language'), 'zh-CN', where);
      assert.match(r.json.title, cjk, where);
      assert.match(r.json.detail, cjk, where);
      for (const e of r.json.errors) assert.match(e.message, cjk, `${where}: ${e.field} "${e.message}"`);
      checked++;
    }
  }
  assert.ok(checked >= BODY_ENDPOINTS.length, `${checked} problems checked`);
});

/* Every operation of openapi.yaml whose request body may be JSON, as [method, path]. */
/* RFC 6749 §3.2 wants the token endpoint to ignore unrecognized parameters: the one open body. */
const OPEN_BY_STANDARD = ['POST /v1/auth/token'];

function jsonBodyOperations() {
  const spec = SPEC;
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths))
    for (const method of ['post', 'put', 'patch', 'delete'])
      if (item[method]?.requestBody?.content?.['application/json'] && !OPEN_BY_STANDARD.includes(`${method.toUpperCase()} ${path}`))
        ops.push([method.toUpperCase(), path]);
  return ops;
}

test('every JSON body in openapi.yaml is closed: an unknown field is a 400 naming it', async () => {
  const ops = jsonBodyOperations();
  assert.ok(ops.length >= 40, `found ${ops.length} operations with a JSON body`);
  // the first caller the route admits reaches the handler; roles are checked before bodies
  const callers = ['admin', 'agent', 'tech', 'owner1'];
  const tokens = await Promise.all(callers.map((who) => login(who)));
  const open = [];
  for (const [method, template] of ops) {
    const path = template.replace(/\{[a-z_]+\}/g, ID);
    let r;
    for (const token of tokens) {
      r = await call(method, path, { token, body: { zz_unknown: 1 }, expectInvalidRequest: true });
      if (r.status !== 401 && r.status !== 403) break;
    }
    if (r.status !== 400 || !fieldsOf(r).includes('zz_unknown'))
      open.push(`${method} ${template} → ${r.status} ${r.text}`);
  }
  assert.deepEqual(open, [], 'bodies that take an unknown field');
});

test('SQL-looking strings are data, huge numbers are range errors', async () => {
  const sql = "x'); DROP TABLE units; --";
  const r = await call('GET', `/v1/units?q=${encodeURIComponent(sql)}`, { token: admin });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items, []);
  const u = await call('GET', `/v1/users?q=${encodeURIComponent("' OR '1'='1")}`, { token: admin });
  assert.equal(u.json.items.length, 0);
  const login = await call('POST', '/v1/auth/login', { body: { login: "admin' --", password: "' OR 1=1 --" } });
  assert.equal(login.status, 401);
  for (const floor of [1e300, -1e300, 9007199254740993, 3.5, '12'])
    assert.equal((await call('POST', '/v1/units', { token: admin, body: { building_id: ID, number: 'x', floor }, expectInvalidRequest: true })).status, 400, String(floor));
  const huge = await raw('POST', '/v1/units', `{"building_id":"${ID}","number":"x","floor":123456789012345678901234567890}`, { 'content-type': 'application/json' });
  assert.equal(huge.status, 400);
  const still = await call('GET', `/v1/units?community_id=${DEMO.xinyuan}&limit=1`, { token: admin });
  assert.equal(still.json.items.length, 1, 'the units table is still there');
});

test('bad UUIDs in paths and filters, bad cursors and limits', async () => {
  for (const p of ID_PATHS)
    for (const bad of ['123', 'not-a-uuid', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g', '%00'])
      assert.equal((await call('GET', p.replace('{id}', encodeURIComponent(bad)), { token: admin, expectInvalidRequest: true })).status, 400, `${p} ${bad}`);
  for (const p of LIST_PATHS) {
    const token = await loginFor(p);
    assert.equal((await call('GET', `${p}?cursor=zzz`, { token, expectInvalidRequest: true })).status, 400, p);
    assert.equal((await call('GET', `${p}?limit=0`, { token, expectInvalidRequest: true })).status, 400, p);
  }
  for (const [p, param] of [['/v1/buildings', 'community_id'], ['/v1/units', 'building_id'], ['/v1/role-grants', 'user_id'], ['/v1/residencies', 'unit_id']]) {
    const r = await call('GET', `${p}?${param}=nope`, { token: admin, expectInvalidRequest: true });
    assert.ok(fieldsOf(r).includes(param), p);
  }
  for (const [p, param, v] of [['/v1/users', 'kind', 'alien'], ['/v1/residencies', 'status', 'maybe']])
    assert.ok(fieldsOf(await call('GET', `${p}?${param}=${v}`, { token: admin, expectInvalidRequest: true })).includes(param));
});

test('wrong methods are 405 with Allow; unknown paths 404', async () => {
  for (const [method, path] of [['PUT', '/v1/communities'], ['DELETE', '/v1/units'], ['PATCH', '/v1/auth/login'],
    ['GET', '/v1/auth/login'], ['POST', `/v1/units/${ID}`], ['PUT', `/v1/users/${ID}`], ['DELETE', '/v1/me']]) {
    const r = await raw(method, path, undefined);
    assert.equal(r.status, 405, `${method} ${path}`);
    assert.ok(r.headers.get('allow'));
  }
  for (const path of ['/v1', '/v1/', '/v1/communities/', '/v2/units', '/../etc/passwd', `/v1/units/${ID}/extra`])
    assert.equal((await raw('GET', path, undefined)).status, 404, path);
});

test('the server is healthy after all of it', async () => {
  assert.equal((await get('/healthz')).status, 200);
  assert.equal((await get('/readyz')).status, 200);
  assert.equal((await get('/v1/me', { token: admin })).status, 200);
});

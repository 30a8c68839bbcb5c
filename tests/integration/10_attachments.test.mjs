// Attachments: raw uploads of JPEG, PNG, WebP and PDF checked by their magic bytes, the
// upload size limit (ATTACHMENT_MAX_BYTES, apart from the JSON limit), idempotent uploads,
// byte-identical downloads with their headers, and who may download what: the uploader, and
// whoever may see a ticket or work order that names the attachment — everyone else gets 404.
// So writes (ticket create and PATCH, work-order completion) may name only the caller's own
// uploads, or ones the object already holds: anything else is a 400 per id, nothing written.
// The contract proxy re-encodes bodies as UTF-8 text, so bodies with bytes >= 0x80 (JPEG,
// PNG) are uploaded to the server directly and their bytes are compared on a direct
// download; every download is also made through the proxy to check status and headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { call, get, post, patch, login, loginFull, unique, DEMO, DIRECT } from './lib.mjs';

const LIMIT = Number(process.env.ATTACHMENT_MAX_BYTES ?? 10 * 1024 * 1024);
const NOWHERE = '00000000-0000-4000-8000-00000000f00d';
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const ascii = (b) => b.every((x) => x < 0x80);

// tiny payloads that start with each type's magic bytes
const FILES = {
  'image/jpeg': Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb004300ffd9', 'hex'),
  'image/png': Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
  'image/webp': Buffer.from('RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x00\x00', 'latin1'),
  'application/pdf': Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'),
};

function upload(token, type, bytes, opts = {}) {
  const headers = { ...(type ? { 'content-type': type } : {}), ...(opts.headers ?? {}) };
  return call('POST', '/v1/attachments', { token, raw: bytes, headers, direct: opts.direct ?? !ascii(bytes),
    expectInvalidRequest: opts.expectInvalidRequest });
}

/* A created attachment's reply, checked against what was sent. */
function assertCreated(r, type, bytes) {
  assert.equal(r.status, 201, r.text);
  const a = r.json;
  assert.match(a.id, /^[0-9a-f-]{36}$/);
  assert.equal(a.content_type, type);
  assert.equal(a.size_bytes, bytes.length);
  assert.equal(a.sha256, sha256(bytes));
  assert.equal(a.url, `/v1/attachments/${a.id}`);
  assert.equal(r.headers.get('location'), a.url);
  assert.ok(!Number.isNaN(Date.parse(a.created_at)));
  assert.deepEqual(Object.keys(a).sort(), ['content_type', 'created_at', 'id', 'sha256', 'size_bytes', 'url']);
  return a;
}

/* GET through the proxy (contract) and directly (bytes); both must agree on the status. */
async function download(token, id) {
  const checked = await get(`/v1/attachments/${id}`, { token });
  const direct = await call('GET', `/v1/attachments/${id}`, { token, direct: true });
  assert.equal(checked.status, direct.status, `proxy and server disagree on ${id}`);
  return direct;
}

function assertDownload(r, type, bytes) {
  assert.equal(r.status, 200, r.text);
  assert.ok(r.bytes.equals(bytes), 'the bytes come back unchanged');
  assert.equal(r.headers.get('content-type'), type);
  assert.equal(r.headers.get('content-length'), String(bytes.length));
  assert.equal(r.headers.get('etag'), `"${sha256(bytes)}"`);
  assert.equal(r.headers.get('cache-control'), 'private, max-age=86400');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('content-disposition'), 'inline');
}

async function status(token, id) {
  return (await download(token, id)).status;
}

/* SQL against the test database (side effects, rows no endpoint creates yet); null when
 * the suite runs without DATABASE_URL. */
function sql(query) {
  if (!process.env.DATABASE_URL) return null;
  return execFileSync('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', process.env.DATABASE_URL, '-c', query],
    { encoding: 'utf8' }).trim();
}

let guanghuaAgent;
/* A staff member whose only grant is agent of 光华小区. */
async function guanghuaStaff() {
  if (guanghuaAgent) return guanghuaAgent;
  const admin = await login('admin');
  const username = unique('gh-agent-');
  const u = await post('/v1/users', { kind: 'staff', name: '光华客服', username, password: 'long-enough-pw' }, { token: admin });
  assert.equal(u.status, 201, u.text);
  const g = await post('/v1/role-grants', { user_id: u.json.id, role: 'agent', community_id: DEMO.guanghua }, { token: admin });
  assert.equal(g.status, 201, g.text);
  const l = await loginFull(username, 'long-enough-pw');
  assert.equal(l.status, 200, l.text);
  guanghuaAgent = l.json.access_token;
  return guanghuaAgent;
}

async function integrationToken(scopes) {
  const admin = await login('admin');
  const c = await post('/v1/api-clients', { name: unique('附件集成'), scopes }, { token: admin });
  assert.equal(c.status, 201, c.text);
  const t = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: c.json.client_id, client_secret: c.json.client_secret });
  assert.equal(t.status, 200, t.text);
  return t.json.access_token;
}

test('each type uploads and downloads byte-identical, with its headers and SHA-256', async () => {
  const owner = await login('owner1');
  for (const [type, bytes] of Object.entries(FILES)) {
    const a = assertCreated(await upload(owner, type, bytes), type, bytes);
    assertDownload(await download(owner, a.id), type, bytes);
    const stored = sql(`SELECT encode(sha256(data), 'hex') = sha256 AND length(data) = size_bytes, uploader_id, org_id FROM attachments WHERE id = '${a.id}'`);
    if (stored !== null) assert.equal(stored, `t|${DEMO.users.owner1}|${DEMO.org}`, `${type}: stored bytes, uploader, org`);
  }
  // bytes that are not UTF-8 at all (and a NUL) reach storage untouched
  const noisy = Buffer.concat([FILES['image/jpeg'], Buffer.from([0, 0xc3, 0x28, 0xff, 0xfe]), randomBytes(64 * 1024)]);
  const a = assertCreated(await upload(owner, 'image/jpeg', noisy), 'image/jpeg', noisy);
  assertDownload(await download(owner, a.id), 'image/jpeg', noisy);
  // parameters and case in Content-Type are fine; the stored type is the canonical one
  const p = assertCreated(await upload(owner, 'Application/PDF; name="report.pdf"', FILES['application/pdf'], { expectInvalidRequest: true }),
    'application/pdf', FILES['application/pdf']);
  assert.equal((await download(owner, p.id)).headers.get('content-type'), 'application/pdf');
  // HEAD answers the headers without the body
  const head = await fetch(`${DIRECT}/v1/attachments/${a.id}`, { method: 'HEAD', headers: { authorization: `Bearer ${owner}` } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('etag'), `"${sha256(noisy)}"`);
});

test('the type is checked by the magic bytes, not only by Content-Type: 415 names the mismatch', async () => {
  const owner = await login('owner1');
  const bad = (type, bytes) => upload(owner, type, bytes, { direct: true, expectInvalidRequest: true });
  for (const [declared, bytes, actual] of [
    ['image/jpeg', FILES['image/png'], 'image/png'],
    ['image/png', FILES['image/jpeg'], 'image/jpeg'],
    ['image/webp', FILES['application/pdf'], 'application/pdf'],
    ['application/pdf', FILES['image/webp'], 'image/webp'],
  ]) {
    const r = await bad(declared, bytes);
    assert.equal(r.status, 415, `${actual} bytes sent as ${declared}`);
    assert.ok(r.json.detail.includes(declared) && r.json.detail.includes(actual), r.json.detail);
  }
  for (const [declared, bytes] of [
    ['image/png', Buffer.from('\x89PNG\r\n', 'latin1')],             // cut short
    ['image/webp', Buffer.from('RIFF\x1a\x00\x00\x00WAVEfmt ', 'latin1')], // RIFF, but audio
    ['application/pdf', Buffer.from('PDF-1.4 but no percent sign')],
    ['image/jpeg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
  ]) {
    const r = await bad(declared, bytes);
    assert.equal(r.status, 415, `${declared}: ${bytes.toString('latin1')}`);
    assert.match(r.json.detail, /magic bytes/);
  }
  for (const [type, bytes] of [['image/gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')],
    ['text/plain', Buffer.from('hello')], ['application/octet-stream', FILES['image/png']],
    ['image/svg+xml', Buffer.from('<svg/>')], [undefined, FILES['image/png']]]) {
    const r = await bad(type, bytes);
    assert.equal(r.status, 415, `${type}`);
    assert.match(r.json.detail, /image\/jpeg, image\/png, image\/webp or application\/pdf/);
  }
});

test('an empty body is 400; over ATTACHMENT_MAX_BYTES is 413, apart from the JSON limit', async () => {
  const owner = await login('owner1');
  const empty = await upload(owner, 'image/png', Buffer.alloc(0), { direct: true, expectInvalidRequest: true });
  assert.equal(empty.status, 400);

  const sized = (n) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(n - 9, 0x20)]);
  const over = await upload(owner, 'application/pdf', sized(LIMIT + 1), { direct: true, expectInvalidRequest: true });
  assert.equal(over.status, 413);
  assert.ok(over.json.detail.includes(String(LIMIT)), over.json.detail);
  // without Content-Length (chunked) the body is cut off and refused all the same
  const chunked = await fetch(`${DIRECT}/v1/attachments`, {
    method: 'POST', headers: { 'content-type': 'application/pdf', authorization: `Bearer ${owner}` },
    body: new ReadableStream({ start(c) { c.enqueue(sized(LIMIT + 1)); c.close(); } }), duplex: 'half',
  });
  assert.equal(chunked.status, 413);
  assert.match(chunked.headers.get('content-type'), /^application\/problem\+json/);
  // exactly the limit is fine, and far beyond the JSON limit
  const full = sized(LIMIT);
  const a = assertCreated(await upload(owner, 'application/pdf', full, { direct: true }), 'application/pdf', full);
  assertDownload(await call('GET', `/v1/attachments/${a.id}`, { token: owner, direct: true }), 'application/pdf', full);
  // JSON routes keep MAX_BODY_BYTES (1 MiB by default) although the server reads more
  const admin = await login('admin');
  const json = await call('POST', '/v1/communities', { token: admin, raw: JSON.stringify({ name: 'x'.repeat(1100 * 1024) }),
    headers: { 'content-type': 'application/json' }, direct: true, expectInvalidRequest: true });
  assert.equal(json.status, 413);
});

test('uploads honour Idempotency-Key: a retry answers the first reply, other bytes are 422', async () => {
  const owner = await login('owner1');
  const key = unique('att-');
  const bytes = FILES['application/pdf'];
  const first = assertCreated(await upload(owner, 'application/pdf', bytes, { headers: { 'idempotency-key': key } }), 'application/pdf', bytes);
  const again = await upload(owner, 'application/pdf', bytes, { headers: { 'idempotency-key': key } });
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(again.json, first);
  assert.equal(again.headers.get('location'), first.url);
  const other = Buffer.concat([bytes, Buffer.from('% another revision\n')]);
  assert.equal((await upload(owner, 'application/pdf', other, { headers: { 'idempotency-key': key } })).status, 422);
  const count = sql(`SELECT count(*) FROM attachments WHERE sha256 = '${sha256(bytes)}' AND uploader_id = '${DEMO.users.owner1}' AND created_at >= now() - interval '1 minute'`);
  if (count !== null) assert.ok(Number(count) >= 1);
});

test('who may upload: any logged-in user; integration clients only with tickets:write', async () => {
  const anon = await upload(undefined, 'application/pdf', FILES['application/pdf'], { expectInvalidRequest: true });
  assert.equal(anon.status, 401);
  for (const who of ['admin', 'agent', 'tech', 'quality', 'owner2', 'otherOwner'])
    assertCreated(await upload(await login(who), 'application/pdf', FILES['application/pdf']), 'application/pdf', FILES['application/pdf']);
  const reader = await integrationToken(['tickets:read', 'units:read']);
  assert.equal((await upload(reader, 'application/pdf', FILES['application/pdf'])).status, 403);
  const writer = await integrationToken(['tickets:write']);
  const a = assertCreated(await upload(writer, 'image/webp', FILES['image/webp']), 'image/webp', FILES['image/webp']);
  assertDownload(await download(writer, a.id), 'image/webp', FILES['image/webp']);
});

test('an attachment no ticket names is the uploader\'s alone: everyone else gets 404', async () => {
  const owner = await login('owner1');
  const a = assertCreated(await upload(owner, 'image/png', FILES['image/png']), 'image/png', FILES['image/png']);
  const missing = await get(`/v1/attachments/${NOWHERE}`, { token: owner });
  assert.equal(missing.status, 404);
  for (const who of ['owner3', 'agent', 'tech', 'admin', 'otherAdmin', 'otherOwner']) {
    const r = await download(await login(who), a.id);
    assert.equal(r.status, 404, who);
    assert.equal(r.json.detail, missing.json.detail, `${who}: the answer does not tell that it exists`);
  }
  assert.equal(await status(await guanghuaStaff(), a.id), 404);
  assert.equal(await status(await integrationToken(['tickets:read']), a.id), 404);
  for (const bad of ['123', 'not-a-uuid', `${a.id}x`, "1' OR '1'='1"]) {
    const r = await get(`/v1/attachments/${encodeURIComponent(bad)}`, { token: owner, expectInvalidRequest: true });
    assert.equal(r.status, 400, bad);
  }
  const anon = await get(`/v1/attachments/${a.id}`, { expectInvalidRequest: true });
  assert.equal(anon.status, 401);
  assertDownload(await download(owner, a.id), 'image/png', FILES['image/png']);
});

test('a photo on a ticket: the desk and technicians of its community and the unit\'s owner see it', async () => {
  const owner = await login('owner1');
  const me = await get('/v1/me', { token: owner });
  assert.equal(me.status, 200);
  const unit = me.json.units[0].id;
  const a = assertCreated(await upload(owner, 'image/jpeg', FILES['image/jpeg']), 'image/jpeg', FILES['image/jpeg']);
  const t = await post('/v1/tickets', { kind: 'repair', unit_id: unit, category: 'plumbing', description: '厨房漏水', attachment_ids: [a.id] }, { token: owner });
  assert.equal(t.status, 201, `POST /v1/tickets: ${t.text}`);
  assert.deepEqual(t.json.attachment_ids, [a.id]);
  assertDownload(await download(await login('agent'), a.id), 'image/jpeg', FILES['image/jpeg']);
  assert.equal(await status(await login('tech'), a.id), 200);
  assert.equal(await status(await login('manager'), a.id), 200, 'org-wide staff');
  assert.equal(await status(owner, a.id), 200);
  assert.equal(await status(await login('owner3'), a.id), 404, 'same community, another unit');
  assert.equal(await status(await guanghuaStaff(), a.id), 404, 'staff of 光华小区 only');
  assert.equal(await status(await login('otherAdmin'), a.id), 404, 'another org');
});

test('visibility through tickets and work-order photos, decided in one query', async (t) => {
  if (!process.env.DATABASE_URL) return t.skip('needs DATABASE_URL to write tickets and work orders directly');
  // rows no endpoint writes yet: an agent's photos on owner 3-2-102's ticket, and a
  // technician's before/after photos on a work order of a 光华 ticket
  const agent = await login('agent');
  const tech = await login('tech');
  const onTicket = assertCreated(await upload(agent, 'image/png', FILES['image/png']), 'image/png', FILES['image/png']);
  const before = assertCreated(await upload(tech, 'image/jpeg', FILES['image/jpeg']), 'image/jpeg', FILES['image/jpeg']);
  const after = assertCreated(await upload(tech, 'image/webp', FILES['image/webp']), 'image/webp', FILES['image/webp']);
  const owner2 = await login('owner2');
  const ghUnit = (await get('/v1/me', { token: owner2 })).json.units[0].id;
  const xyUnit = (await get('/v1/me', { token: await login('owner1') })).json.units[0].id;
  const ticket = (community, unit, photos) =>
    `WITH t AS (INSERT INTO tickets (org_id, number, community_id, unit_id, kind, category, department, priority,
       description, channel, created_by, attachment_ids)
     VALUES ('${DEMO.org}', '${unique('T')}', '${community}', '${unit}', 'repair', 'plumbing', 'engineering', 'P3',
       '附件测试', 'app', 'test', '{${photos.join(',')}}') RETURNING org_id, id, community_id, created_at),
     k AS (INSERT INTO clocks (org_id, subject_type, subject_id, name, community_id, calendar, target_minutes, started_at)
       SELECT t.org_id, 'ticket', t.id, c.name, t.community_id, 'business_hours', c.minutes, t.created_at
       FROM t, (VALUES ('contact', 30), ('arrival', 570), ('resolution', 1440)) c (name, minutes))
     SELECT id FROM t`;
  sql(ticket(DEMO.xinyuan, xyUnit, [onTicket.id]));
  const ghTicket = sql(ticket(DEMO.guanghua, ghUnit, [])).split('\n')[0];
  sql(`INSERT INTO work_orders (org_id, ticket_id, community_id, department, mode, priority, dispatched_by,
         before_photo_ids, after_photo_ids)
       VALUES ('${DEMO.org}', '${ghTicket}', '${DEMO.guanghua}', 'engineering', 'assign', 'P3', '${DEMO.users.admin}',
         '{${before.id}}', '{${after.id}}')`);

  const ghAgent = await guanghuaStaff();
  const expect = [
    // who, ticket photo (新苑 3-2-102, uploaded by agent), before and after photos (光华
    // 1-1-101 work order, uploaded by tech, a 新苑 technician who sees them as their uploader)
    ['agent', 200, 404, 404], ['tech', 200, 200, 200], ['manager', 200, 200, 200], ['admin', 200, 200, 200],
    ['owner1', 200, 404, 404], ['owner3', 404, 404, 404], ['owner2', 404, 200, 200],
    ['otherAdmin', 404, 404, 404], ['otherOwner', 404, 404, 404],
  ];
  for (const [who, ...want] of expect) {
    const token = await login(who);
    const got = [await status(token, onTicket.id), await status(token, before.id), await status(token, after.id)];
    assert.deepEqual(got, want, who);
  }
  assert.deepEqual([await status(ghAgent, onTicket.id), await status(ghAgent, before.id), await status(ghAgent, after.id)], [404, 200, 200], '光华 staff');
  const reader = await integrationToken(['tickets:read']);
  assert.deepEqual([await status(reader, onTicket.id), await status(reader, after.id)], [200, 200], 'integration with tickets:read');
  const other = await integrationToken(['units:read']);
  assert.equal(await status(other, onTicket.id), 404, 'integration without tickets:read');
  assertDownload(await download(await login('owner2'), after.id), 'image/webp', FILES['image/webp']);
});

/* The problems a 400 reported, as {field: message}. */
const problems = (r) => Object.fromEntries((r.json.errors ?? []).map((e) => [e.field, e.message]));

let theft;
/* owner1's own photo, owner2's (光华小区), otherOwner's (对照物业), and a ticket creator. */
async function theftSetup() {
  if (theft) return theft;
  const [owner1, owner2, otherOwner, agent] = await Promise.all(['owner1', 'owner2', 'otherOwner', 'agent'].map((w) => login(w)));
  const unit = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  const photo = async (token) => assertCreated(await upload(token, 'image/webp', FILES['image/webp']), 'image/webp', FILES['image/webp']);
  theft = { owner1, owner2, agent, mine: await photo(owner1), theirs: await photo(owner2), foreign: await photo(otherOwner) };
  theft.report = (description, ids) => post('/v1/tickets', { kind: 'repair', unit_id: unit, category: 'plumbing', description,
    attachment_ids: ids }, { token: owner1, headers: { 'idempotency-key': unique('theft-') } });
  return theft;
}

test('a ticket cannot be created with another community\'s or org\'s photo: 400 per id, nothing written', async () => {
  const { owner1, mine, theirs, foreign, report } = await theftSetup();
  const description = unique('偷图测试-');
  const c = await report(description, [mine.id, theirs.id, foreign.id, NOWHERE]);
  assert.equal(c.status, 400, c.text);
  assert.deepEqual(Object.keys(problems(c)).sort(), ['attachment_ids[1]', 'attachment_ids[2]', 'attachment_ids[3]']);
  assert.equal(new Set(Object.values(problems(c))).size, 1, 'another community, another org and nothing at all read the same');
  const none = await get(`/v1/tickets?q=${encodeURIComponent(description)}`, { token: owner1 });
  assert.deepEqual(none.json.items, [], 'nothing was written');
});

test('photo theft by PATCH: another community\'s or org\'s photo is 400, and stays hidden from the owner and the agent', async () => {
  const { owner1, owner2, agent, mine, theirs, foreign, report } = await theftSetup();
  const description = unique('偷图测试-');
  const t = await report(description, [mine.id]);
  assert.equal(t.status, 201, t.text);
  for (const [ids, refused] of [[[mine.id, theirs.id], 1], [[foreign.id], 0], [[NOWHERE, mine.id], 0]]) {
    const r = await patch(`/v1/tickets/${t.json.id}`, { attachment_ids: ids, description: '换一张照片' }, { token: owner1 });
    assert.equal(r.status, 400, `${JSON.stringify(ids)}: ${r.text}`);
    assert.deepEqual(Object.keys(problems(r)), [`attachment_ids[${refused}]`], JSON.stringify(ids));
  }
  const after = await get(`/v1/tickets/${t.json.id}`, { token: owner1 });
  assert.deepEqual(after.json.attachment_ids, [mine.id], 'the ticket keeps its photos');
  assert.equal(after.json.version, t.json.version);
  assert.equal(after.json.description, description, 'nothing of the PATCH was applied');
  for (const token of [owner1, agent]) {
    assert.equal(await status(token, theirs.id), 404);
    assert.equal(await status(token, foreign.id), 404);
  }
  assert.equal(await status(agent, mine.id), 200, 'the ticket\'s own photo is the agent\'s to see');
  assert.equal(await status(owner2, theirs.id), 200, 'the uploader still has it');
});

test('a PATCH may keep photos the ticket already holds, but not bring back one it dropped', async () => {
  const [owner1, agent] = await Promise.all(['owner1', 'agent'].map((w) => login(w)));
  const unit = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  const desk = assertCreated(await upload(agent, 'application/pdf', FILES['application/pdf']), 'application/pdf', FILES['application/pdf']);
  const own = assertCreated(await upload(owner1, 'image/webp', FILES['image/webp']), 'image/webp', FILES['image/webp']);
  const t = await post('/v1/tickets', { kind: 'repair', unit_id: unit, category: 'electrical', description: '电话报修附单据',
    channel: 'phone', reporter_name: '张先生', reporter_phone: '13800000001', attachment_ids: [desk.id] }, { token: agent });
  assert.equal(t.status, 201, t.text);
  const keep = await patch(`/v1/tickets/${t.json.id}`, { attachment_ids: [desk.id, own.id] }, { token: owner1 });
  assert.equal(keep.status, 200, keep.text);
  assert.deepEqual(keep.json.attachment_ids, [desk.id, own.id]);
  const drop = await patch(`/v1/tickets/${t.json.id}`, { attachment_ids: [own.id] }, { token: owner1 });
  assert.deepEqual(drop.json.attachment_ids, [own.id]);
  const back = await patch(`/v1/tickets/${t.json.id}`, { attachment_ids: [own.id, desk.id] }, { token: owner1 });
  assert.deepEqual(Object.keys(problems(back)), ['attachment_ids[1]']);
});

test('work-order completion takes only the technician\'s own photos; nothing is half-written', async () => {
  const [owner1, owner2, agent, tech] = await Promise.all(['owner1', 'owner2', 'agent', 'tech'].map((w) => login(w)));
  const unit = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  const t = await post('/v1/tickets', { kind: 'repair', unit_id: unit, category: 'plumbing', description: '完工照片测试' }, { token: owner1 });
  assert.equal(t.status, 201, t.text);
  const d = await post(`/v1/tickets/${t.json.id}/dispatch`, { mode: 'assign', assignee_id: DEMO.users.tech }, { token: agent });
  assert.equal(d.status, 200, d.text);
  const wo = d.json.work_orders[0].id;
  assert.equal((await post(`/v1/work-orders/${wo}/accept`, {}, { token: tech })).status, 200);
  assert.equal((await post(`/v1/work-orders/${wo}/start`, {}, { token: tech })).status, 200);
  const before = assertCreated(await upload(tech, 'image/webp', FILES['image/webp']), 'image/webp', FILES['image/webp']);
  const theirs = assertCreated(await upload(owner2, 'image/webp', FILES['image/webp']), 'image/webp', FILES['image/webp']);
  const r = await post(`/v1/work-orders/${wo}/complete`, { notes: '更换阀门', labor_minutes: 30,
    before_photo_ids: [theirs.id], after_photo_ids: [before.id, NOWHERE] }, { token: tech });
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(Object.keys(problems(r)).sort(), ['after_photo_ids[1]', 'before_photo_ids[0]']);
  const still = await get(`/v1/work-orders/${wo}`, { token: tech });
  assert.equal(still.json.status, 'in_progress');
  assert.deepEqual([still.json.before_photo_ids, still.json.after_photo_ids], [[], []]);
  assert.equal(await status(owner1, theirs.id), 404);
  assert.equal(await status(agent, theirs.id), 404);
  const done = await post(`/v1/work-orders/${wo}/complete`, { notes: '更换阀门', labor_minutes: 30,
    before_photo_ids: [before.id], after_photo_ids: [before.id] }, { token: tech });
  assert.equal(done.status, 200, done.text);
  assert.equal(await status(owner1, before.id), 200, 'the unit\'s owner sees the order\'s photos');
});

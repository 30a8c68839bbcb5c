// Communities, buildings and units as an admin builds an org: creation, bulk units,
// cursor pagination, filters, ETag/If-Match, Idempotency-Key, conflicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, get, post, patch, login, fieldsOf, unique, DEMO } from './lib.mjs';

let admin;
let community;
let building;

test('admin creates a community with business hours; Location and ETag are sent', async () => {
  admin = await login('admin');
  const r = await post('/v1/communities', {
    name: '测试小区', code: unique('T').slice(0, 20), address: '测试路 1 号', time_zone: 'Asia/Shanghai',
    business_hours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' },
  }, { token: admin });
  assert.equal(r.status, 201, r.text);
  community = r.json;
  assert.equal(r.headers.get('location'), `/v1/communities/${community.id}`);
  assert.match(r.headers.get('etag'), /^"1-[0-9a-f]{16}"$/);
  assert.equal(community.version, 1);
  assert.deepEqual(community.allowed_actions, ['update']);
  const shown = await get(`/v1/communities/${community.id}`, { token: admin });
  assert.equal(shown.json.name, '测试小区');
  assert.match(shown.headers.get('etag'), /^"1-[0-9a-f]{16}"$/);
});

test('community validation names every invalid field at once', async () => {
  const r = await post('/v1/communities', {
    name: '', code: 'bad code!', time_zone: 'Mars/Olympus',
    business_hours: { days: [0, 8], start: '25:00', end: '08:00' }, colour: 'red',
  }, { token: admin, expectInvalidRequest: true });
  const f = fieldsOf(r);
  for (const name of ['name', 'code', 'time_zone', 'business_hours.days', 'business_hours.start', 'colour'])
    assert.ok(f.includes(name), `${name} in ${f}`);
});

test('PATCH with If-Match: stale versions get 412, fresh ones bump the version', async () => {
  const ok = await patch(`/v1/communities/${community.id}`, { address: '新地址 2 号' },
    { token: admin, headers: { 'if-match': '"1"' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.version, 2);
  assert.match(ok.headers.get('etag'), /^"2-[0-9a-f]{16}"$/);
  const stale = await patch(`/v1/communities/${community.id}`, { address: '旧地址' },
    { token: admin, headers: { 'if-match': '"1"' } });
  assert.equal(stale.status, 412);
  const unconditional = await patch(`/v1/communities/${community.id}`, { code: null }, { token: admin });
  assert.equal(unconditional.status, 200);
  assert.equal(unconditional.json.code, null);
  const bad = await patch(`/v1/communities/${community.id}`, { address: 'x' },
    { token: admin, headers: { 'if-match': 'yesterday' }, expectInvalidRequest: true });
  assert.equal(bad.status, 400);
});

test('buildings: create, duplicate name is 409, list by community', async () => {
  const r = await post('/v1/buildings', { community_id: community.id, name: '1号楼', code: '1' }, { token: admin });
  assert.equal(r.status, 201, r.text);
  building = r.json;
  const dup = await post('/v1/buildings', { community_id: community.id, name: '1号楼' }, { token: admin });
  assert.equal(dup.status, 409);
  const missing = await post('/v1/buildings', { community_id: DEMO.otherCommunity, name: 'x' }, { token: admin });
  assert.equal(missing.status, 404, "another org's community does not exist for us");
  const list = await get(`/v1/buildings?community_id=${community.id}`, { token: admin });
  assert.deepEqual(list.json.items.map((b) => b.id), [building.id]);
});

test('buildings: a rename takes If-Match; a stale version is 412', async () => {
  const r = await patch(`/v1/buildings/${building.id}`, { name: '1栋', code: 'A1' },
    { token: admin, headers: { 'if-match': `"${building.version}"` } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.name, '1栋');
  assert.equal(r.json.code, 'A1');
  assert.equal(r.json.version, building.version + 1);
  const stale = await patch(`/v1/buildings/${building.id}`, { name: '1号楼' },
    { token: admin, headers: { 'if-match': `"${building.version}"` } });
  assert.equal(stale.status, 412);
  assert.equal((await get(`/v1/buildings/${building.id}`, { token: admin })).json.name, '1栋');
  building = r.json;
});

test('bulk: 1,000 units in one request, all or nothing', async () => {
  const items = [];
  for (let e = 1; e <= 2; e++)
    for (let f = 1; f <= 25; f++)
      for (let n = 1; n <= 20; n++) items.push({ number: `1-${e}-${f}${String(n).padStart(2, '0')}`, floor: f, area_m2: 88.5 });
  assert.equal(items.length, 1000);
  const t0 = Date.now();
  const r = await post(`/v1/buildings/${building.id}/units`, { items }, { token: admin });
  assert.equal(r.status, 201, r.text.slice(0, 300));
  assert.equal(r.json.items.length, 1000);
  assert.ok(Date.now() - t0 < 5000, 'bulk create is one statement, not a round trip per unit');
  assert.equal(r.json.items[0].community_id, community.id);

  const again = await post(`/v1/buildings/${building.id}/units`, { items: [{ number: '1-9-999' }, { number: '1-1-101' }] }, { token: admin });
  assert.equal(again.status, 409);
  const none = await get(`/v1/units?building_id=${building.id}&q=1-9-999`, { token: admin });
  assert.equal(none.json.items.length, 0, 'nothing of a failed bulk request stays');

  const tooMany = await post(`/v1/buildings/${building.id}/units`, { items: [...items, { number: 'x' }] }, { token: admin, expectInvalidRequest: true });
  assert.equal(tooMany.status, 400);
  const badItems = await post(`/v1/buildings/${building.id}/units`, { items: [{ number: '' }, { floor: 'high' }, { number: 'ok', extra: 1 }] }, { token: admin, expectInvalidRequest: true });
  const f = fieldsOf(badItems);
  for (const name of ['items[0].number', 'items[1].number', 'items[1].floor', 'items[2].extra']) assert.ok(f.includes(name), `${name} in ${f}`);
});

test('cursor pagination walks every unit once, newest first, stable', async () => {
  const seen = new Set();
  let cursor = null;
  let pages = 0;
  do {
    const q = `/v1/units?building_id=${building.id}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await get(q, { token: admin });
    assert.equal(r.status, 200);
    for (const u of r.json.items) {
      assert.ok(!seen.has(u.id), 'no unit twice');
      seen.add(u.id);
    }
    cursor = r.json.next_cursor;
    pages++;
  } while (cursor);
  assert.equal(seen.size, 1000);
  assert.equal(pages, 10);
  const def = await get(`/v1/units?building_id=${building.id}`, { token: admin });
  assert.equal(def.json.items.length, 20, 'default limit is 20');
  const prefix = await get(`/v1/units?building_id=${building.id}&q=1-2-25&limit=100`, { token: admin });
  assert.equal(prefix.json.items.length, 20);
  assert.ok(prefix.json.items.every((u) => u.number.startsWith('1-2-25')));
});

test('tampered or foreign cursors are 400, not 500', async () => {
  const r = await get(`/v1/units?building_id=${building.id}&limit=1`, { token: admin });
  const c = r.json.next_cursor;
  const flipped = c.slice(0, 5) + (c[5] === 'A' ? 'B' : 'A') + c.slice(6);
  for (const bad of [flipped, 'garbage', "' OR 1=1 --", 'A'.repeat(150), c + 'x']) {
    const x = await get(`/v1/units?cursor=${encodeURIComponent(bad)}`, { token: admin, expectInvalidRequest: true });
    assert.equal(x.status, 400, bad);
    assert.ok(fieldsOf(x).includes('cursor'));
  }
  for (const limit of ['0', '101', '-1', 'ten', '1e3', '99999999999999999999'])
    assert.equal((await get(`/v1/units?limit=${limit}`, { token: admin, expectInvalidRequest: true })).status, 400, limit);
});

test('units: single create, update with If-Match, duplicate number 409', async () => {
  const r = await post('/v1/units', { building_id: building.id, number: '1-3-101', floor: 1 }, { token: admin });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('location'), `/v1/units/${r.json.id}`);
  const dup = await post('/v1/units', { building_id: building.id, number: '1-3-101' }, { token: admin });
  assert.equal(dup.status, 409);
  const up = await patch(`/v1/units/${r.json.id}`, { area_m2: 120.25, floor: null }, { token: admin, headers: { 'if-match': r.headers.get('etag') } });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.area_m2, 120.25);
  assert.equal(up.json.floor, null);
  const clash = await patch(`/v1/units/${r.json.id}`, { number: '1-1-101' }, { token: admin });
  assert.equal(clash.status, 409);
  const gone = await patch(`/v1/units/${'f'.repeat(8)}-ffff-4fff-8fff-ffffffffffff`, { floor: 2 }, { token: admin });
  assert.equal(gone.status, 404);
});

test('Idempotency-Key: a retry replays the first response; another body is 422', async () => {
  const key = unique('idem-');
  const body = { community_id: community.id, name: unique('楼') };
  const first = await post('/v1/buildings', body, { token: admin, headers: { 'idempotency-key': key } });
  assert.equal(first.status, 201);
  const retry = await post('/v1/buildings', body, { token: admin, headers: { 'idempotency-key': key } });
  assert.equal(retry.status, 201);
  assert.equal(retry.json.id, first.json.id, 'no second building');
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.equal(retry.headers.get('location'), first.headers.get('location'));
  const other = await post('/v1/buildings', { ...body, name: '另一个' }, { token: admin, headers: { 'idempotency-key': key } });
  assert.equal(other.status, 422);
  const list = await get(`/v1/buildings?community_id=${community.id}&q=${encodeURIComponent(body.name)}`, { token: admin });
  assert.equal(list.json.items.length, 1);
  // the key never lets a caller past the role check
  const manager = await login('manager');
  assert.equal((await post('/v1/buildings', body, { token: manager, headers: { 'idempotency-key': key } })).status, 403);
});

test('Idempotency-Key is scoped to the target: the same key and body on another building is 422', async () => {
  const b1 = await post('/v1/buildings', { community_id: community.id, name: unique('幂等楼A') }, { token: admin });
  const b2 = await post('/v1/buildings', { community_id: community.id, name: unique('幂等楼B') }, { token: admin });
  assert.equal(b1.status, 201, b1.text);
  assert.equal(b2.status, 201, b2.text);
  const key = unique('target-');
  const body = { items: [{ number: '9-9-901' }] };
  const first = await post(`/v1/buildings/${b1.json.id}/units`, body, { token: admin, headers: { 'idempotency-key': key } });
  assert.equal(first.status, 201, first.text);
  const other = await post(`/v1/buildings/${b2.json.id}/units`, body, { token: admin, headers: { 'idempotency-key': key } });
  assert.equal(other.status, 422, `another building's units must not replay the first: ${other.text}`);
  assert.equal(other.headers.get('idempotent-replayed'), null);
  const units2 = await get(`/v1/units?building_id=${b2.json.id}`, { token: admin });
  assert.deepEqual(units2.json.items, [], 'nothing was created in building 2 either');
  // the first target still replays, and a fresh key on building 2 works
  const retry = await post(`/v1/buildings/${b1.json.id}/units`, body, { token: admin, headers: { 'idempotency-key': key } });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(retry.json, first.json);
  const fresh = await post(`/v1/buildings/${b2.json.id}/units`, body, { token: admin, headers: { 'idempotency-key': unique('target-') } });
  assert.equal(fresh.status, 201, fresh.text);
  assert.equal(fresh.json.items[0].building_id, b2.json.id);
  // and the same key on another collection is 422 too
  const elsewhere = await post('/v1/units', { building_id: b1.json.id, number: '9-9-902' }, { token: admin, headers: { 'idempotency-key': key } });
  assert.equal(elsewhere.status, 422);
});

test('concurrent retries with one Idempotency-Key create exactly one object', async () => {
  const key = unique('race-');
  const body = { community_id: community.id, name: unique('并发楼') };
  const results = await Promise.all(Array.from({ length: 8 }, () =>
    post('/v1/buildings', body, { token: admin, headers: { 'idempotency-key': key } })));
  assert.ok(results.every((r) => r.status === 201), results.map((r) => r.status).join(','));
  assert.equal(new Set(results.map((r) => r.json.id)).size, 1);
});

test('staff see their communities only; owners see only their unit', async () => {
  const agent = await login('agent');
  const list = await get('/v1/buildings?limit=100', { token: agent });
  assert.ok(list.json.items.length > 0);
  assert.ok(list.json.items.every((b) => b.community_id === DEMO.xinyuan));
  assert.deepEqual(list.json.items[0].allowed_actions, [], 'agents may not edit buildings');
  const foreign = await get(`/v1/buildings/${building.id}`, { token: agent });
  assert.equal(foreign.status, 404, 'a building of a community outside the grant');

  const owner = await login('owner1');
  const units = await get('/v1/units?limit=100', { token: owner });
  assert.equal(units.json.items.length, 1);
  assert.equal(units.json.items[0].number, '3-2-102');
  const communities = await get('/v1/communities', { token: owner });
  assert.ok(communities.json.items.some((c) => c.id === DEMO.xinyuan), 'the directory lists the org');
  assert.ok(!communities.json.items.some((c) => c.id === DEMO.otherCommunity));
});

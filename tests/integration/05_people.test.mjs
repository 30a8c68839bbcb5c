// People and access: users (with phone masking), role grants, residencies from request to
// verification, and /v1/me reflecting only verified units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, post, patch, del, login, loginFull, fieldsOf, unique, decodeJwt, DEMO } from './lib.mjs';

const phone = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

test('admin creates staff and residents; validation names every field', async () => {
  const admin = await login('admin');
  const r = await post('/v1/users', { kind: 'staff', name: '新技工', username: unique('t'), email: `${unique('e')}@example.com`,
    password: 'correct horse battery', department: 'engineering' }, { token: admin });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.department, 'engineering');
  assert.equal(r.json.password, undefined);
  assert.equal(r.json.password_hash, undefined);
  const bad = await post('/v1/users', { kind: 'robot', name: 'x'.repeat(51), username: 'A!', phone: '12', email: 'nope',
    password: 'short', department: 'kitchen' }, { token: admin, expectInvalidRequest: true });
  const f = fieldsOf(bad);
  for (const name of ['kind', 'name', 'username', 'phone', 'email', 'password', 'department']) assert.ok(f.includes(name), `${name} in ${f}`);
  const nologin = await post('/v1/users', { kind: 'resident', name: '无登录', password: 'long-enough-pw' }, { token: admin, expectInvalidRequest: true });
  assert.ok(fieldsOf(nologin).includes('username'));
  const dup = await post('/v1/users', { kind: 'staff', name: '重名', username: 'agent', password: 'long-enough-pw' }, { token: admin });
  assert.equal(dup.status, 409);
  const residentDept = await post('/v1/users', { kind: 'resident', name: '住户', phone: phone(), password: 'long-enough-pw', department: 'security' }, { token: admin });
  assert.ok(fieldsOf(residentDept).includes('department'));
});

test('residents\' phones are masked for everyone but admins', async () => {
  const su = await login('super');
  const r = await get(`/v1/users/${DEMO.users.owner1}`, { token: su });
  assert.equal(r.status, 200);
  assert.equal(r.json.phone, '138****0001');
  const admin = await login('admin');
  assert.equal((await get(`/v1/users/${DEMO.users.owner1}`, { token: admin })).json.phone, '13800000001');
  const search = await get('/v1/users?kind=resident&q=13800000003', { token: su });
  assert.equal(search.json.items.length, 0, 'a masked phone is not found by its full number (13_people_scope)');
  const visible = await get('/v1/users?kind=resident&q=0003', { token: su });
  assert.ok(visible.json.items.some((u) => u.id === DEMO.users.owner3 && u.phone === '138****0003'));
});

test('users list filters by kind, status and department', async () => {
  const admin = await login('admin');
  const staff = await get('/v1/users?kind=staff&department=engineering&limit=100', { token: admin });
  assert.ok(staff.json.items.length >= 2);
  assert.ok(staff.json.items.every((u) => u.kind === 'staff' && u.department === 'engineering'));
  const other = await get('/v1/users?limit=100', { token: admin });
  assert.ok(!other.json.items.some((u) => u.id === DEMO.users.otherAdmin), 'never another org');
});

test('role grants: grant, list, duplicate 409, revoke takes effect at next login', async () => {
  const admin = await login('admin');
  const name = unique('g');
  const u = await post('/v1/users', { kind: 'staff', name: '授权测试', username: name, password: 'long-enough-pw' }, { token: admin });
  const g = await post('/v1/role-grants', { user_id: u.json.id, role: 'supervisor', community_id: DEMO.guanghua }, { token: admin });
  assert.equal(g.status, 201, g.text);
  assert.deepEqual(g.json.allowed_actions, ['delete']);
  assert.equal((await post('/v1/role-grants', { user_id: u.json.id, role: 'supervisor', community_id: DEMO.guanghua }, { token: admin })).status, 409);
  const orgWide = await post('/v1/role-grants', { user_id: u.json.id, role: 'quality', community_id: null }, { token: admin });
  assert.equal(orgWide.status, 201);
  assert.equal(orgWide.json.community_id, null);
  const token = (await loginFull(name, 'long-enough-pw')).json.access_token;
  const claims = decodeJwt(token).payload;
  assert.equal(claims.role, 'supervisor', 'the broadest role wins');
  assert.equal(claims.org_wide, true);
  const list = await get(`/v1/role-grants?user_id=${u.json.id}`, { token: admin });
  assert.equal(list.json.items.length, 2);
  assert.equal((await del(`/v1/role-grants/${g.json.id}`, { token: admin })).status, 204);
  assert.equal((await del(`/v1/role-grants/${g.json.id}`, { token: admin })).status, 404);
  assert.equal(decodeJwt((await loginFull(name, 'long-enough-pw')).json.access_token).payload.role, 'quality');
  const resident = await post('/v1/role-grants', { user_id: DEMO.users.owner1, role: 'agent', community_id: DEMO.xinyuan }, { token: admin });
  assert.equal(resident.status, 404, 'residents cannot hold staff roles');
});

test('residency: request by a resident → agent verifies → token and /v1/me show the unit', async () => {
  const admin = await login('admin');
  const ph = phone();
  const u = await post('/v1/users', { kind: 'resident', name: '新业主', phone: ph, password: 'long-enough-pw' }, { token: admin });
  assert.equal(u.status, 201, u.text);
  let owner = (await loginFull(ph, 'long-enough-pw')).json.access_token;
  assert.deepEqual(decodeJwt(owner).payload.units, []);

  const req = await post('/v1/residencies', { relation: 'tenant', community_id: DEMO.xinyuan, unit_number: '2-1-301' }, { token: owner });
  assert.equal(req.status, 201, req.text);
  assert.equal(req.json.status, 'pending');
  assert.equal(req.json.unit_number, '2-1-301');
  assert.deepEqual(req.json.allowed_actions, ['revoke'], 'the resident may withdraw');
  const again = await post('/v1/residencies', { relation: 'tenant', community_id: DEMO.xinyuan, unit_number: '2-1-301' }, { token: owner });
  assert.equal(again.status, 409);
  const nowhere = await post('/v1/residencies', { relation: 'owner', community_id: DEMO.xinyuan, unit_number: '9-9-999' }, { token: owner });
  assert.equal(nowhere.status, 404);

  const me0 = await get('/v1/me', { token: owner });
  assert.deepEqual(me0.json.units, [], 'pending bindings give no access');

  const agent = await login('agent');
  const queue = await get(`/v1/residencies?status=pending&community_id=${DEMO.xinyuan}&limit=100`, { token: agent });
  const item = queue.json.items.find((x) => x.id === req.json.id);
  assert.deepEqual(item.allowed_actions, ['verify', 'reject', 'revoke']);
  const ok = await post(`/v1/residencies/${req.json.id}/verify`, {}, { token: agent, headers: { 'if-match': '"1"' } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.status, 'verified');
  assert.equal(ok.json.verified_by, DEMO.users.agent);
  assert.ok(ok.json.verified_at);
  const twice = await post(`/v1/residencies/${req.json.id}/verify`, {}, { token: agent });
  assert.equal(twice.status, 409);
  assert.match(twice.json.detail, /verified/);

  owner = (await loginFull(ph, 'long-enough-pw')).json.access_token;
  assert.deepEqual(decodeJwt(owner).payload.units, [ok.json.unit_id]);
  const me = await get('/v1/me', { token: owner });
  assert.equal(me.json.units.length, 1);
  assert.equal(me.json.units[0].number, '2-1-301');
  assert.equal(me.json.units[0].relation, 'tenant');
  assert.equal((await get(`/v1/units/${ok.json.unit_id}`, { token: owner })).status, 200);

  const revoke = await post(`/v1/residencies/${req.json.id}/revoke`, { reason: '租约到期' }, { token: agent });
  assert.equal(revoke.status, 200);
  owner = (await loginFull(ph, 'long-enough-pw')).json.access_token;
  assert.deepEqual(decodeJwt(owner).payload.units, []);
});

test('residency: reject needs a reason; staff outside the community cannot act', async () => {
  const admin = await login('admin');
  const ph = phone();
  const u = await post('/v1/users', { kind: 'resident', name: '被拒业主', phone: ph, password: 'long-enough-pw' }, { token: admin });
  const owner = (await loginFull(ph, 'long-enough-pw')).json.access_token;
  const req = await post('/v1/residencies', { relation: 'owner', community_id: DEMO.guanghua, unit_number: '1-2-201' }, { token: owner });
  assert.equal(req.status, 201);
  const agent = await login('agent');  // 新苑 only
  assert.equal((await post(`/v1/residencies/${req.json.id}/verify`, {}, { token: agent })).status, 404);
  assert.equal((await get(`/v1/residencies/${req.json.id}`, { token: agent })).status, 404);
  const manager = await login('manager');
  const noReason = await post(`/v1/residencies/${req.json.id}/reject`, {}, { token: manager, expectInvalidRequest: true });
  assert.ok(fieldsOf(noReason).includes('reason'));
  const rej = await post(`/v1/residencies/${req.json.id}/reject`, { reason: '产权证明不符' }, { token: manager });
  assert.equal(rej.status, 200);
  assert.equal(rej.json.reject_reason, '产权证明不符');
  assert.deepEqual(rej.json.allowed_actions, []);
  // the owner sees their own requests only
  const mine = await get('/v1/residencies', { token: owner });
  assert.deepEqual(mine.json.items.map((x) => x.id), [req.json.id]);
  const others = await get(`/v1/residencies?user_id=${DEMO.users.owner1}`, { token: owner });
  assert.equal(others.json.items.length, 0);
  assert.equal((await post(`/v1/residencies/${req.json.id}/verify`, {}, { token: owner })).status, 403);
  // staff request for a resident
  const forThem = await post('/v1/residencies', { relation: 'family', community_id: DEMO.xinyuan, unit_number: '1-1-102', user_id: u.json.id }, { token: agent });
  assert.equal(forThem.status, 201, forThem.text);
  const needUser = await post('/v1/residencies', { relation: 'family', community_id: DEMO.xinyuan, unit_number: '1-1-103' }, { token: agent });
  assert.ok(fieldsOf(needUser).includes('user_id'));
});

test('an owner sees only their own unit; other units are 404', async () => {
  const owner1 = await login('owner1');
  const me = await get('/v1/me', { token: owner1 });
  assert.equal(me.json.user.id, DEMO.users.owner1);
  assert.equal(me.json.org.name, '示例物业');
  assert.deepEqual(me.json.units.map((u) => u.number), ['3-2-102']);
  const owner3 = await login('owner3');
  const other = (await get('/v1/me', { token: owner3 })).json.units[0].id;
  assert.equal((await get(`/v1/units/${other}`, { token: owner1 })).status, 404);
  assert.equal((await get(`/v1/units/${me.json.units[0].id}`, { token: owner1 })).status, 200);
});

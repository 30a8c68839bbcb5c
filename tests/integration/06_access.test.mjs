// Authorization matrix: every admin endpoint tried with every demo role, and with ids of
// the other community and the other org. Role failures are 403; objects out of reach 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, get, login, DEMO } from './lib.mjs';

const ROLES = ['admin', 'agent', 'tech', 'super', 'manager', 'quality', 'owner1', 'otherAdmin', 'otherOwner'];
const ROLE_OF = { admin: 'admin', agent: 'agent', tech: 'technician', super: 'supervisor', manager: 'manager',
                  quality: 'quality', owner1: 'owner', otherAdmin: 'admin', otherOwner: 'owner' };
const STAFF = ['admin', 'agent', 'technician', 'supervisor', 'manager', 'quality'];
const DESK = ['agent', 'supervisor', 'manager', 'admin'];
const U = DEMO.users;
const ANY_ID = '00000000-0000-4000-8000-00000000dead';

// method, path, body, roles admitted (as token roles)
const ENDPOINTS = [
  ['GET', '/v1/me', undefined, [...STAFF, 'owner']],
  ['GET', '/v1/departments', undefined, STAFF],
  ['GET', '/v1/communities', undefined, [...STAFF, 'owner']],
  ['POST', '/v1/communities', { name: '矩阵' }, ['admin']],
  ['GET', `/v1/communities/${DEMO.xinyuan}`, undefined, [...STAFF, 'owner']],
  ['PATCH', `/v1/communities/${ANY_ID}`, { name: 'x' }, ['admin']],
  ['GET', '/v1/buildings', undefined, STAFF],
  ['POST', '/v1/buildings', { community_id: ANY_ID, name: 'x' }, ['admin']],
  ['GET', `/v1/buildings/${ANY_ID}`, undefined, STAFF],
  ['PATCH', `/v1/buildings/${ANY_ID}`, { name: 'x' }, ['admin']],
  ['POST', `/v1/buildings/${ANY_ID}/units`, { items: [{ number: 'x' }] }, ['admin']],
  ['GET', '/v1/units', undefined, [...STAFF, 'owner']],
  ['POST', '/v1/units', { building_id: ANY_ID, number: 'x' }, ['admin']],
  ['GET', `/v1/units/${ANY_ID}`, undefined, [...STAFF, 'owner']],
  ['PATCH', `/v1/units/${ANY_ID}`, { number: 'x' }, ['admin']],
  ['GET', '/v1/users', undefined, [...DESK, 'quality']],
  ['POST', '/v1/users', { kind: 'staff', name: 'x', username: 'matrix-x', password: 'long-enough-pw' }, ['admin']],
  ['GET', `/v1/users/${ANY_ID}`, undefined, [...DESK, 'quality']],
  ['PATCH', `/v1/users/${ANY_ID}`, { name: 'x' }, ['admin']],
  ['GET', '/v1/role-grants', undefined, ['supervisor', 'manager', 'quality', 'admin']],
  ['POST', '/v1/role-grants', { user_id: ANY_ID, role: 'agent' }, ['admin']],
  ['DELETE', `/v1/role-grants/${ANY_ID}`, undefined, ['admin']],
  ['GET', '/v1/residencies', undefined, [...DESK, 'quality', 'owner']],
  ['POST', '/v1/residencies', { relation: 'owner', unit_id: ANY_ID }, [...DESK, 'owner']],
  ['GET', `/v1/residencies/${ANY_ID}`, undefined, [...DESK, 'quality', 'owner']],
  ['POST', `/v1/residencies/${ANY_ID}/verify`, {}, DESK],
  ['POST', `/v1/residencies/${ANY_ID}/reject`, { reason: 'x' }, DESK],
  ['POST', `/v1/residencies/${ANY_ID}/revoke`, {}, [...DESK, 'owner']],
  ['GET', '/v1/tickets', undefined, [...STAFF, 'owner']],
  ['POST', '/v1/tickets', { kind: 'repair', unit_id: ANY_ID, category: 'other', description: 'x' }, [...DESK, 'owner']],
  ['GET', `/v1/tickets/${ANY_ID}`, undefined, [...STAFF, 'owner']],
  ['PATCH', `/v1/tickets/${ANY_ID}`, { priority: 'P2' }, [...DESK, 'owner']],
  ['POST', `/v1/tickets/${ANY_ID}/dispatch`, { mode: 'queue' }, DESK],
  ['POST', `/v1/tickets/${ANY_ID}/reply`, { reply: 'x' }, DESK],
  ['POST', `/v1/tickets/${ANY_ID}/cancel`, { reason: 'x' }, [...DESK, 'owner']],
  ['POST', `/v1/tickets/${ANY_ID}/confirm`, { rating: 5 }, ['owner']],
  ['POST', `/v1/tickets/${ANY_ID}/reopen`, { reason: 'x' }, ['owner']],
  ['POST', `/v1/tickets/${ANY_ID}/close`, {}, DESK],
  ['GET', `/v1/tickets/${ANY_ID}/comments`, undefined, [...STAFF, 'owner']],
  ['POST', `/v1/tickets/${ANY_ID}/comments`, { body: 'x' }, [...STAFF, 'owner']],
  ['GET', `/v1/tickets/${ANY_ID}/events`, undefined, [...STAFF, 'owner']],
  ['GET', '/v1/work-orders?view=mine', undefined, STAFF],
  ['GET', `/v1/work-orders/${ANY_ID}`, undefined, STAFF],
  ['POST', `/v1/work-orders/${ANY_ID}/accept`, {}, STAFF],
  ['POST', `/v1/work-orders/${ANY_ID}/reassign`, { assignee_id: ANY_ID }, ['supervisor', 'manager', 'admin']],
  ['POST', `/v1/work-orders/${ANY_ID}/cancel`, {}, DESK],
  ['GET', '/v1/me/notifications', undefined, [...STAFF, 'owner']],
  ['POST', `/v1/me/notifications/${ANY_ID}/read`, {}, [...STAFF, 'owner']],
  ['GET', '/v1/stats/tickets?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z', undefined, ['supervisor', 'manager', 'quality', 'admin']],
  ['GET', '/v1/sla-policy', undefined, ['supervisor', 'manager', 'quality', 'admin']],
  ['PATCH', '/v1/sla-policy', { warn_before_minutes: 10 }, ['admin']],
  ['POST', '/v1/sla-policy/targets', { priority: 'P4', contact_minutes: 1, arrival_next_day: true, resolve_minutes: 1, category: 'greening', community_id: ANY_ID }, ['admin']],
  ['DELETE', `/v1/sla-policy/targets/${ANY_ID}`, undefined, ['admin']],
  ['GET', '/v1/holidays', undefined, STAFF],
  ['POST', '/v1/holidays', { day: '2030-01-01', name: 'x', community_id: ANY_ID }, ['admin']],
  ['DELETE', `/v1/holidays/${ANY_ID}`, undefined, ['admin']],
  ['GET', '/v1/api-clients', undefined, ['admin']],
  ['POST', '/v1/api-clients', { name: 'x', scopes: ['tickets:read'] }, ['admin']],
  ['GET', `/v1/api-clients/${ANY_ID}`, undefined, ['admin']],
  ['DELETE', `/v1/api-clients/${ANY_ID}`, undefined, ['admin']],
];

test('every endpoint × every role: 403 exactly where the role is not admitted', async () => {
  for (const who of ROLES) {
    const token = await login(who);
    for (const [method, path, body, admitted] of ENDPOINTS) {
      // creates that would succeed are skipped for admitted roles to keep the data clean
      const r = await call(method, path, { token, body, expectInvalidRequest: true });
      const role = ROLE_OF[who];
      if (admitted.includes(role))
        assert.ok(![401, 403].includes(r.status) || (r.status === 403 && r.json.detail?.includes('org-wide')),
          `${who} ${method} ${path} → ${r.status} ${r.text}`);
      else
        assert.equal(r.status, 403, `${who} ${method} ${path} → ${r.status} ${r.text}`);
    }
  }
  for (const [method, path, body] of ENDPOINTS) {
    const r = await call(method, path, { body, expectInvalidRequest: true });
    assert.equal(r.status, 401, `anonymous ${method} ${path}`);
  }
});

test("the other org's objects do not exist for us, and ours not for them", async () => {
  const admin = await login('admin');
  const other = await login('otherAdmin');
  assert.equal((await get(`/v1/communities/${DEMO.otherCommunity}`, { token: admin })).status, 404);
  assert.equal((await call('PATCH', `/v1/communities/${DEMO.otherCommunity}`, { token: admin, body: { name: '劫持' } })).status, 404);
  assert.equal((await get(`/v1/users/${U.otherAdmin}`, { token: admin })).status, 404);
  assert.equal((await call('PATCH', `/v1/users/${U.otherOwner}`, { token: admin, body: { name: '劫持' } })).status, 404);
  assert.equal((await get(`/v1/communities/${DEMO.xinyuan}`, { token: other })).status, 404);
  assert.equal((await get(`/v1/users/${U.owner1}`, { token: other })).status, 404);
  const theirUnits = await get('/v1/units?limit=100', { token: other });
  assert.ok(theirUnits.json.items.length > 0);
  const ours = await get(`/v1/units?community_id=${DEMO.xinyuan}`, { token: other });
  assert.equal(ours.json.items.length, 0);
  const unitId = theirUnits.json.items[0].id;
  assert.equal((await get(`/v1/units/${unitId}`, { token: admin })).status, 404);
  const grant = await call('POST', '/v1/role-grants', { token: admin, body: { user_id: U.otherAdmin, role: 'agent' } });
  assert.equal(grant.status, 404);
  const crossRef = await call('POST', '/v1/role-grants', { token: admin, body: { user_id: U.agent, role: 'agent', community_id: DEMO.otherCommunity } });
  assert.equal(crossRef.status, 404, 'a grant cannot point into another org');
  const otherOwner = await login('otherOwner');
  const bind = await call('POST', '/v1/residencies', { token: otherOwner, body: { relation: 'owner', community_id: DEMO.xinyuan, unit_number: '3-2-102' } });
  assert.equal(bind.status, 404);
});

test('staff of one community cannot reach the other community', async () => {
  const agent = await login('agent');
  const tech = await login('tech');
  const su = await login('super');
  for (const token of [agent, tech, su]) {
    assert.equal((await get(`/v1/communities/${DEMO.guanghua}`, { token })).status, 404);
    const units = await get(`/v1/units?community_id=${DEMO.guanghua}`, { token });
    assert.equal(units.json.items.length, 0);
    const all = await get('/v1/communities', { token });
    assert.deepEqual(all.json.items.map((c) => c.id), [DEMO.xinyuan]);
  }
  const owner2 = await login('owner2');
  const u = (await get('/v1/me', { token: owner2 })).json.units[0].id;
  assert.equal((await get(`/v1/units/${u}`, { token: agent })).status, 404);
  const manager = await login('manager');
  assert.equal((await get(`/v1/units/${u}`, { token: manager })).status, 200, 'org-wide roles see both');
});

// Reads come from documents the writing transaction stored (migration 0021): whatever a write
// changes, the very next read shows — in the ticket, in the lists, in the technician's lists —
// and a technician's lists come in their order (priority, then the ticket's resolution due).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, post, patch, login, unique, DEMO } from './lib.mjs';

const U = DEMO.users;
let admin; let agent; let tech2;

async function deskTicket(unitId, priority) {
  const r = await post('/v1/tickets', { kind: 'repair', unit_id: unitId, category: 'plumbing', priority,
    description: `卫生间水龙头关不紧 ${unique('#')}`, channel: 'phone', reporter_name: '孙女士',
    reporter_phone: '13912345678' }, { token: agent });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const listed = async (path, id, token) =>
  (await get(path, { token })).json.items.find((x) => x.id === id);

test('every kind of write shows in the next read of the ticket and of the lists', async () => {
  [admin, agent, tech2] = await Promise.all(['admin', 'agent', 'tech2'].map((w) => login(w)));
  const buildings = (await get(`/v1/buildings?community_id=${DEMO.xinyuan}`, { token: admin })).json.items;
  const unit = await post('/v1/units', { building_id: buildings[0].id, number: unique('9-9-') }, { token: admin });
  assert.equal(unit.status, 201, unit.text);
  const t = await deskTicket(unit.json.id, 'P3');
  assert.equal(t.unit_number, unit.json.number);
  assert.equal(t.sla.contact.state, 'running');
  assert.deepEqual(t.work_orders, []);
  const listPath = `/v1/tickets?unit_id=${unit.json.id}`;

  // a dispatch: the ticket carries its order, the list its status
  const d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: U.tech2 }, { token: agent });
  assert.equal(d.status, 200, d.text);
  let seen = (await get(`/v1/tickets/${t.id}`, { token: agent })).json;
  assert.equal(seen.status, 'dispatched');
  assert.equal(seen.work_orders.length, 1);
  assert.equal(seen.work_orders[0].assignee_id, U.tech2);
  assert.equal(seen.sla.contact.state, 'met', 'the dispatch is the first response');
  assert.equal((await listed(listPath, t.id, agent)).status, 'dispatched');
  const wo = seen.work_orders[0];

  // the technician's actions: the order in the ticket follows each one
  assert.equal((await post(`/v1/work-orders/${wo.id}/accept`, {}, { token: tech2 })).status, 200);
  seen = (await get(`/v1/tickets/${t.id}`, { token: tech2 })).json;
  assert.equal(seen.work_orders[0].status, 'accepted');
  assert.equal(seen.reporter.phone, '13912345678', 'the assignee sees the phone');
  assert.equal((await post(`/v1/work-orders/${wo.id}/start`, {}, { token: tech2 })).status, 200);
  assert.equal((await post(`/v1/work-orders/${wo.id}/hold`, { reason: '等待配件' }, { token: tech2 })).status, 200);
  seen = (await get(`/v1/tickets/${t.id}`, { token: agent })).json;
  assert.equal(seen.status, 'on_hold');
  assert.equal(seen.work_orders[0].status, 'on_hold');
  assert.equal(seen.sla.resolution.state, 'paused', 'the hold paused the clocks');
  assert.equal(seen.sla.arrival.state, 'met', 'the start was the arrival');
  const item = await listed(listPath, t.id, agent);
  assert.equal(item.status, 'on_hold');
  assert.equal(item.sla.resolution.state, 'paused');

  // a unit renumbered: its tickets show the new number at once
  const renumbered = unique('9-8-');
  const up = await patch(`/v1/units/${unit.json.id}`, { number: renumbered }, { token: admin });
  assert.equal(up.status, 200, up.text);
  assert.equal((await get(`/v1/tickets/${t.id}`, { token: agent })).json.unit_number, renumbered);
  assert.equal((await listed(listPath, t.id, agent)).unit_number, renumbered);

  // a reclassification: the ticket and the list show it, the version moves with it
  const re = await patch(`/v1/tickets/${t.id}`, { priority: 'P2' }, { token: agent });
  assert.equal(re.status, 200, re.text);
  assert.equal(re.json.priority, 'P2');
  const after = await get(`/v1/tickets/${t.id}`, { token: agent });
  assert.equal(after.json.priority, 'P2');
  assert.match(after.headers.get('etag'), new RegExp(`^"${after.json.version}-[0-9a-f]{16}"$`));
  assert.equal((await listed(listPath, t.id, agent)).version, after.json.version);

  // the technician's inbox row, read: read_at shows in the list
  const inbox = (await get('/v1/me/notifications?limit=5', { token: tech2 })).json.items;
  assert.ok(inbox.length > 0);
  const read = await post(`/v1/me/notifications/${inbox[0].id}/read`, {}, { token: tech2 });
  assert.equal(read.status, 200, read.text);
  assert.ok(read.json.read_at);
  const again = (await get('/v1/me/notifications?limit=5', { token: tech2 })).json.items.find((n) => n.id === inbox[0].id);
  assert.equal(again.read_at, read.json.read_at);

  assert.equal((await post(`/v1/tickets/${t.id}/cancel`, { reason: '测试结束' }, { token: agent })).status, 200);
  const cancelled = (await get(`/v1/tickets/${t.id}`, { token: agent })).json;
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.work_orders[0].status, 'cancelled');
});

test("a technician's mine list: by priority, then the ticket's resolution due time", async () => {
  const unit = (await get('/v1/me', { token: await login('owner1') })).json.units[0].id;
  const made = [];
  for (const p of ['P3', 'P1', 'P3', 'P2']) {
    const t = await deskTicket(unit, p);
    const d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: U.tech2 }, { token: agent });
    assert.equal(d.status, 200, d.text);
    made.push(t.id);
  }
  const items = (await get('/v1/work-orders?view=mine&limit=100', { token: tech2 })).json.items;
  const dueOf = {};
  for (const w of items)
    dueOf[w.id] = (await get(`/v1/tickets/${w.ticket_id}`, { token: agent })).json.sla.resolution.due_at;
  const key = (w) => [w.priority, dueOf[w.id] ?? '~', w.id];
  const sorted = [...items].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  });
  assert.deepEqual(items.map((w) => w.id), sorted.map((w) => w.id));
  const mine = items.filter((w) => made.includes(w.ticket_id));
  assert.equal(mine.length, 4);
  assert.deepEqual(mine.map((w) => w.priority), ['P1', 'P2', 'P3', 'P3']);
  for (const id of made)
    assert.equal((await post(`/v1/tickets/${id}/cancel`, { reason: '测试结束' }, { token: agent })).status, 200);
  const left = (await get('/v1/work-orders?view=mine&limit=100', { token: tech2 })).json.items;
  assert.ok(!left.some((w) => made.includes(w.ticket_id)), 'cancelled orders leave the list at once');
});

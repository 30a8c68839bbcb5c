// The heart of the product, walked through HTTP as the apps would: an owner reports a leak,
// the desk dispatches (assign, queue with a concurrent grab, auto), the technician works it
// (hold/resume pauses the SLA), the owner confirms or reopens; cancellation; comments; the
// timeline; every party's inbox; the background jobs (SLA breach, auto-close).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { get, post, patch, login, fieldsOf, unique, DEMO, waitFor } from './lib.mjs';

const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', process.env.DATABASE_URL, '-c', q]).toString().trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const U = DEMO.users;

let owner1; let owner3; let agent; let tech; let tech2; let sup; let unit1;

async function inbox(token) {
  return (await get('/v1/me/notifications?limit=100', { token })).json.items;
}
async function report(body = {}) {
  const r = await post('/v1/tickets', { kind: 'repair', unit_id: unit1, category: 'leak',
    description: '厨房天花板漏水，滴到灶台上', ...body }, { token: owner1 });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('an owner reports a leak from the app', async () => {
  [owner1, owner3, agent, tech, tech2, sup] = await Promise.all(
    ['owner1', 'owner3', 'agent', 'tech', 'tech2', 'super'].map((w) => login(w)));
  unit1 = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  const t = await report({ priority: 'P1', visit_window: { from: '2026-12-01T09:00:00Z', to: '2026-12-01T11:00:00Z' },
    entry_permission: true, occurred_at: '2026-11-22T06:00:00Z' });
  assert.match(t.number, /^BX\d{8}-\d{4}$/);
  assert.equal(t.status, 'submitted');
  assert.equal(t.channel, 'app');
  assert.equal(t.requested_priority, 'P1', "an owner's urgency is a request");
  assert.equal(t.priority, 'P2', 'the desk decides; a leak starts at P2');
  assert.equal(t.department, 'engineering');
  assert.equal(t.reporter.id, U.owner1);
  assert.equal(t.sla.contact.state, 'running');
  assert.ok(t.sla.contact.due_at && t.sla.arrival.due_at && t.sla.resolution.due_at);
  assert.deepEqual(t.work_orders, []);
  assert.ok(t.allowed_actions.includes('update') && t.allowed_actions.includes('cancel'));
  assert.ok(!t.allowed_actions.includes('dispatch'));
  const seen = await get(`/v1/tickets/${t.id}`, { token: agent });
  assert.ok(seen.json.allowed_actions.includes('dispatch'));
});

test('ticket numbers stay unique under concurrent creates', async () => {
  const many = await Promise.all(Array.from({ length: 12 }, () =>
    post('/v1/tickets', { kind: 'help', unit_id: unit1, category: 'other', description: '并发测试' }, { token: owner1 })));
  assert.ok(many.every((r) => r.status === 201));
  assert.equal(new Set(many.map((r) => r.json.number)).size, 12);
});

test('owners cannot set priority directly via PATCH or report for another unit', async () => {
  const t = await report();
  const r = await patch(`/v1/tickets/${t.id}`, { priority: 'P1' }, { token: owner1, expectInvalidRequest: true });
  assert.ok(fieldsOf(r).includes('priority'));
  const other = (await get('/v1/me', { token: owner3 })).json.units[0].id;
  const x = await post('/v1/tickets', { kind: 'repair', unit_id: other, category: 'plumbing', description: 'x' }, { token: owner1 });
  assert.equal(x.status, 404);
  assert.equal((await get(`/v1/tickets/${t.id}`, { token: owner3 })).status, 404, 'another unit\'s ticket does not exist');
  const edit = await patch(`/v1/tickets/${t.id}`, { description: '补充：水越来越多' }, { token: owner1, headers: { 'if-match': `"${t.version}"` } });
  assert.equal(edit.status, 200, edit.text);
  assert.equal(edit.json.description, '补充：水越来越多');
});

test('agent reports by phone for an owner; desk reclassifies with the change on the timeline', async () => {
  const r = await post('/v1/tickets', { kind: 'repair', unit_id: unit1, category: 'electrical', description: '客厅跳闸',
    channel: 'phone', reporter_name: '张先生', reporter_phone: '13800000001', priority: 'P3' }, { token: agent });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.channel, 'phone');
  assert.equal(r.json.reporter.name, '张先生');
  const up = await patch(`/v1/tickets/${r.json.id}`, { priority: 'P1', category: 'electrical' }, { token: agent });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.priority, 'P1');
  assert.equal(up.json.sla.business_hours, false, 'P1 runs around the clock');
  const ev = await get(`/v1/tickets/${r.json.id}/events`, { token: agent });
  const re = ev.json.items.find((e) => e.type === 'reclassified');
  assert.equal(re.details.from.priority, 'P3');
  assert.equal(re.details.to.priority, 'P1');
  const missing = await post('/v1/tickets', { kind: 'repair', unit_id: unit1, category: 'electrical', description: 'x' }, { token: agent });
  for (const f of ['channel', 'reporter_name', 'reporter_phone']) assert.ok(fieldsOf(missing).includes(f), f);
});

test('assign → accept → start → hold (SLA paused) → resume → complete → owner confirms', async () => {
  const t = await report();
  // P1 clocks run around the clock: a hold moves the due time whatever the hour of the run
  // (a business-hours clock held after hours would not move)
  assert.equal((await patch(`/v1/tickets/${t.id}`, { priority: 'P1' }, { token: agent })).status, 200);
  const d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: U.tech, note: '带上防水胶' }, { token: agent });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.status, 'dispatched');
  assert.equal(d.json.sla.contact.state, 'met', 'dispatch is the first response');
  const wo = d.json.work_orders[0];
  assert.equal(wo.assignee_id, U.tech);
  assert.equal(wo.status, 'dispatched');
  assert.ok((await inbox(tech)).some((n) => n.type === 'work_order.assigned' && n.work_order_id === wo.id));
  assert.ok((await inbox(owner1)).some((n) => n.type === 'ticket.dispatched' && n.ticket_id === t.id));

  const mine = await get('/v1/work-orders?view=mine', { token: tech });
  assert.ok(mine.json.items.some((w) => w.id === wo.id && w.allowed_actions.includes('accept')));
  assert.equal((await post(`/v1/work-orders/${wo.id}/start`, {}, { token: tech })).status, 409, 'accept first');
  assert.equal((await post(`/v1/work-orders/${wo.id}/accept`, {}, { token: tech2 })).status, 403, 'not tech2\'s order');
  assert.equal((await post(`/v1/work-orders/${wo.id}/accept`, {}, { token: tech })).json.status, 'accepted');
  const started = await post(`/v1/work-orders/${wo.id}/start`, {}, { token: tech });
  assert.equal(started.json.status, 'in_progress');
  assert.ok(started.json.started_at);
  let tk = (await get(`/v1/tickets/${t.id}`, { token: owner1 })).json;
  assert.equal(tk.status, 'in_progress');
  assert.equal(tk.sla.arrival.state, 'met');
  const dueBefore = Date.parse(tk.sla.resolution.due_at);

  const held = await post(`/v1/work-orders/${wo.id}/hold`, { reason: '等待配件' }, { token: tech });
  assert.equal(held.json.status, 'on_hold');
  tk = (await get(`/v1/tickets/${t.id}`, { token: owner1 })).json;
  assert.equal(tk.status, 'on_hold');
  assert.equal(tk.sla.resolution.state, 'paused');
  assert.equal(tk.sla.resolution.due_at, null, 'no due time while on hold');
  await sleep(1500);
  assert.equal((await post(`/v1/work-orders/${wo.id}/resume`, {}, { token: tech })).json.status, 'in_progress');
  tk = (await get(`/v1/tickets/${t.id}`, { token: owner1 })).json;
  assert.equal(tk.sla.resolution.state, 'running');
  assert.ok(Date.parse(tk.sla.resolution.due_at) > dueBefore, 'the pause moved the resolution due time');

  const bad = await post(`/v1/work-orders/${wo.id}/complete`, { labor_minutes: -5, materials: [{ name: '' }] }, { token: tech, expectInvalidRequest: true });
  for (const f of ['notes', 'labor_minutes', 'materials[0]']) assert.ok(fieldsOf(bad).includes(f), f);
  const done = await post(`/v1/work-orders/${wo.id}/complete`, { notes: '更换了漏水的水管接头', labor_minutes: 45,
    materials: [{ name: '水管接头', quantity: 2, unit_cost: 12.5 }], fee: 0 }, { token: tech });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.labor_minutes, 45);
  tk = (await get(`/v1/tickets/${t.id}`, { token: owner1 })).json;
  assert.equal(tk.status, 'resolved');
  assert.equal(tk.sla.resolution.state, 'met');
  assert.ok(tk.allowed_actions.includes('confirm') && tk.allowed_actions.includes('reopen'));
  assert.ok((await inbox(owner1)).some((n) => n.type === 'ticket.resolved' && n.ticket_id === t.id));

  const badRating = await post(`/v1/tickets/${t.id}/confirm`, { rating: 6 }, { token: owner1, expectInvalidRequest: true });
  assert.ok(fieldsOf(badRating).includes('rating'));
  const ok = await post(`/v1/tickets/${t.id}/confirm`, { rating: 5, comment: '师傅很专业' }, { token: owner1 });
  assert.equal(ok.json.status, 'closed');
  assert.equal(ok.json.rating, 5);
  const again = await post(`/v1/tickets/${t.id}/confirm`, { rating: 4 }, { token: owner1 });
  assert.equal(again.status, 409);
  assert.equal(again.json.state, 'closed');
  assert.deepEqual(again.json.allowed_actions, []);

  const timeline = (await get(`/v1/tickets/${t.id}/events`, { token: owner1 })).json.items.map((e) => e.type);
  for (const type of ['created', 'dispatched', 'work_order.accept', 'work_order.start', 'work_order.hold',
    'work_order.resume', 'work_order.complete', 'confirmed'])
    assert.ok(timeline.includes(type), `${type} in ${timeline}`);
});

test('queue: the first grab wins, concurrent grabs get 409', async () => {
  const t = await report({ category: 'plumbing', description: '卫生间下水道堵塞' });
  const d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'queue', department: 'engineering' }, { token: agent });
  assert.equal(d.status, 200, d.text);
  const wo = d.json.work_orders[0];
  assert.equal(wo.assignee_id, null);
  for (const token of [tech, tech2]) {
    const q = await get('/v1/work-orders?view=queue', { token });
    assert.ok(q.json.items.some((w) => w.id === wo.id && w.allowed_actions.includes('accept')));
    assert.ok((await inbox(token)).some((n) => n.type === 'work_order.queued' && n.work_order_id === wo.id));
  }
  const grabs = await Promise.all([tech, tech2, tech, tech2].map((token) =>
    post(`/v1/work-orders/${wo.id}/accept`, {}, { token })));
  const statuses = grabs.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 409, 409, 409]);
  const winner = grabs.find((r) => r.status === 200).json.assignee_id;
  assert.ok([U.tech, U.tech2].includes(winner));
  const q = await get('/v1/work-orders?view=queue', { token: tech });
  assert.ok(!q.json.items.some((w) => w.id === wo.id), 'gone from the queue');
  // the winner declines: back to the queue
  const wToken = winner === U.tech ? tech : tech2;
  const dec = await post(`/v1/work-orders/${wo.id}/decline`, { reason: '今天不在岗' }, { token: wToken });
  assert.equal(dec.json.status, 'dispatched');
  assert.equal(dec.json.assignee_id, null);
});

test("a technician of two communities sees both queues as one, by priority then due time, and no other department's", async () => {
  const admin = await login('admin');
  const u = await post('/v1/users', { kind: 'staff', name: '两区技工', username: unique('qt'), password: 'correct horse battery',
    department: 'engineering' }, { token: admin });
  assert.equal(u.status, 201, u.text);
  sql(`UPDATE users SET on_duty = false WHERE id = '${u.json.id}'`);   // off duty: no auto-dispatch picks them
  for (const community_id of [DEMO.xinyuan, DEMO.guanghua])
    assert.equal((await post('/v1/role-grants', { user_id: u.json.id, role: 'technician', community_id }, { token: admin })).status, 201);
  const both = (await post('/v1/auth/login', { login: u.json.username, password: 'correct horse battery' })).json.access_token;
  const desk = { channel: 'phone', reporter_name: '王女士', reporter_phone: '13700000007', kind: 'repair' };
  const queued = async (body) => {
    const t = await post('/v1/tickets', { ...desk, ...body }, { token: admin });
    assert.equal(t.status, 201, t.text);
    const d = await post(`/v1/tickets/${t.json.id}/dispatch`, { mode: 'queue' }, { token: admin });
    assert.equal(d.status, 200, d.text);
    return d.json.work_orders[0].id;
  };
  const low = await queued({ unit_id: unit1, category: 'plumbing', description: '水龙头滴水', priority: 'P4' });
  const high = await queued({ community_id: DEMO.guanghua, location: '5栋地下车库', category: 'plumbing', description: '水管爆裂', priority: 'P1' });
  const cleaning = await queued({ community_id: DEMO.guanghua, location: '3栋大堂', category: 'cleaning', description: '大堂地面油污', priority: 'P1' });
  const items = (await get('/v1/work-orders?view=queue&limit=100', { token: both })).json.items;
  const ids = items.map((w) => w.id);
  assert.ok(ids.includes(low) && ids.includes(high), 'from both communities');
  assert.ok(ids.indexOf(high) < ids.indexOf(low), 'P1 before P4');
  assert.ok(!ids.includes(cleaning), "not another department's");
  const rank = items.map((w) => w.priority);
  assert.deepEqual(rank, [...rank].sort(), 'by priority throughout');
  assert.ok(items.every((w) => w.status === 'dispatched' && w.assignee_id === null && w.department === 'engineering'));
  const one = (await get('/v1/work-orders?view=queue&limit=1', { token: both })).json.items;
  assert.deepEqual(one.map((w) => w.id), [ids[0]], 'a short page is its head');
  const only = (await get('/v1/work-orders?view=queue&limit=100', { token: tech })).json.items.map((w) => w.id);
  assert.ok(only.includes(low) && !only.includes(high), "a technician of one community sees its queue only");
});

test('auto: the least-loaded on-duty technician of the department gets it', async () => {
  const load = async (id) => (await get(`/v1/work-orders?view=mine&limit=100`, { token: id === U.tech ? tech : tech2 })).json.items.length;
  const [a, b] = [await load(U.tech), await load(U.tech2)];
  const t = await report({ category: 'hvac', description: '空调不制冷' });
  const d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'auto' }, { token: agent });
  assert.equal(d.status, 200, d.text);
  const chosen = d.json.work_orders[0].assignee_id;
  assert.equal(chosen, a <= b ? (a === b ? chosen : U.tech) : U.tech2);
  const none = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'auto', department: 'greening' }, { token: agent });
  assert.equal(none.status, 409, 'no greening technician on duty');
});

test('a ticket with two departments is resolved when both are done', async () => {
  const t = await report({ category: 'leak', description: '外墙渗水，楼道也脏了' });
  let d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: U.tech }, { token: agent });
  d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: U.tech2 }, { token: agent });
  const [w1, w2] = d.json.work_orders;
  for (const [w, tok] of [[w1, tech], [w2, tech2]]) {
    await post(`/v1/work-orders/${w.id}/accept`, {}, { token: tok });
    await post(`/v1/work-orders/${w.id}/start`, {}, { token: tok });
  }
  await post(`/v1/work-orders/${w1.id}/complete`, { notes: '已处理', labor_minutes: 30 }, { token: tech });
  assert.equal((await get(`/v1/tickets/${t.id}`, { token: agent })).json.status, 'in_progress');
  await post(`/v1/work-orders/${w2.id}/complete`, { notes: '已处理', labor_minutes: 20 }, { token: tech2 });
  assert.equal((await get(`/v1/tickets/${t.id}`, { token: agent })).json.status, 'resolved');
});

test('reopen within the window sends the ticket back for dispatch and counts it', async () => {
  const t = await report();
  const d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: U.tech }, { token: agent });
  const w = d.json.work_orders[0];
  await post(`/v1/work-orders/${w.id}/accept`, {}, { token: tech });
  await post(`/v1/work-orders/${w.id}/start`, {}, { token: tech });
  await post(`/v1/work-orders/${w.id}/complete`, { notes: '已修', labor_minutes: 10 }, { token: tech });
  const noReason = await post(`/v1/tickets/${t.id}/reopen`, {}, { token: owner1, expectInvalidRequest: true });
  assert.ok(fieldsOf(noReason).includes('reason'));
  const r = await post(`/v1/tickets/${t.id}/reopen`, { reason: '还在漏' }, { token: owner1 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'reopened');
  assert.equal(r.json.reopen_count, 1);
  assert.ok((await inbox(sup)).some((n) => n.type === 'ticket.reopened' && n.ticket_id === t.id));
  const d2 = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: U.tech2 }, { token: agent });
  assert.equal(d2.json.status, 'dispatched');
});

test('cancellation: owners before work starts, staff with a reason', async () => {
  const t = await report();
  const c = await post(`/v1/tickets/${t.id}/cancel`, { reason: '已自行修好' }, { token: owner1 });
  assert.equal(c.json.status, 'cancelled');
  const t2 = await report();
  const d = await post(`/v1/tickets/${t2.id}/dispatch`, { mode: 'assign', assignee_id: U.tech }, { token: agent });
  const w = d.json.work_orders[0];
  await post(`/v1/work-orders/${w.id}/accept`, {}, { token: tech });
  await post(`/v1/work-orders/${w.id}/start`, {}, { token: tech });
  const late = await post(`/v1/tickets/${t2.id}/cancel`, {}, { token: owner1 });
  assert.equal(late.status, 409, 'work has started');
  const noReason = await post(`/v1/tickets/${t2.id}/cancel`, {}, { token: agent, expectInvalidRequest: true });
  assert.ok(fieldsOf(noReason).includes('reason'));
  const staff = await post(`/v1/tickets/${t2.id}/cancel`, { reason: '重复报事' }, { token: agent });
  assert.equal(staff.json.status, 'cancelled');
  assert.equal(staff.json.work_orders[0].status, 'cancelled');
  assert.equal((await post(`/v1/work-orders/${w.id}/complete`, { notes: 'x', labor_minutes: 1 }, { token: tech })).status, 409);
});

test('inquiries are answered by a reply; comments public and internal', async () => {
  const q = await post('/v1/tickets', { kind: 'inquiry', unit_id: unit1, category: 'other', description: '物业费怎么交？' }, { token: owner1 });
  assert.ok(!(await get(`/v1/tickets/${q.json.id}`, { token: agent })).json.allowed_actions.includes('dispatch'));
  const internal = await post(`/v1/tickets/${q.json.id}/comments`, { body: '业主上月已欠费', internal: true }, { token: agent });
  assert.equal(internal.status, 201);
  const pub = await post(`/v1/tickets/${q.json.id}/comments`, { body: '您好，我们稍后回复' }, { token: agent });
  assert.equal(pub.status, 201);
  const mine = await get(`/v1/tickets/${q.json.id}/comments`, { token: owner1 });
  assert.deepEqual(mine.json.items.map((c) => c.body), ['您好，我们稍后回复'], 'owners never see internal notes');
  const staff = await get(`/v1/tickets/${q.json.id}/comments`, { token: agent });
  assert.equal(staff.json.items.length, 2);
  const ownerEvents = (await get(`/v1/tickets/${q.json.id}/events`, { token: owner1 })).json.items;
  assert.equal(ownerEvents.filter((e) => e.type === 'commented').length, 1);
  assert.equal((await post(`/v1/tickets/${q.json.id}/comments`, { body: 'x', internal: true }, { token: owner1, expectInvalidRequest: true })).status, 400);
  const r = await post(`/v1/tickets/${q.json.id}/reply`, { reply: '可在 App 缴费页面在线缴纳。' }, { token: agent });
  assert.equal(r.json.status, 'resolved');
  assert.equal(r.json.reply, '可在 App 缴费页面在线缴纳。');
  assert.ok((await inbox(owner1)).some((n) => n.type === 'ticket.replied' && n.ticket_id === q.json.id));
  assert.ok((await inbox(owner1)).some((n) => n.type === 'ticket.commented' && n.ticket_id === q.json.id));
});

test('lists: filters, Chinese text search, role scoping, overdue', async () => {
  const t = await report({ description: '阳台漏水严重需要尽快处理' });
  const hit = await get(`/v1/tickets?q=${encodeURIComponent('漏水')}&limit=100`, { token: agent });
  assert.ok(hit.json.items.some((x) => x.id === t.id));
  assert.ok(hit.json.items.every((x) => `${x.number} ${x.description} ${x.location ?? ''}`.includes('漏水')));
  const byNumber = await get(`/v1/tickets?q=${t.number}`, { token: agent });
  assert.deepEqual(byNumber.json.items.map((x) => x.id), [t.id]);
  const filtered = await get(`/v1/tickets?status=submitted&category=leak&community_id=${DEMO.xinyuan}&limit=100`, { token: agent });
  assert.ok(filtered.json.items.every((x) => x.status === 'submitted' && x.category === 'leak'));
  const o3 = await get('/v1/tickets?limit=100', { token: owner3 });
  assert.ok(!o3.json.items.some((x) => x.id === t.id), 'another unit\'s tickets stay hidden');
  const owner2 = await login('owner2');
  assert.equal((await get(`/v1/tickets/${t.id}`, { token: owner2 })).status, 404);
  const otherAdmin = await login('otherAdmin');
  assert.equal((await get(`/v1/tickets/${t.id}`, { token: otherAdmin })).status, 404);
  for (const bad of ['status=nope', 'overdue=maybe', 'created_from=yesterday', 'assignee_id=x', 'priority=P9'])
    assert.equal((await get(`/v1/tickets?${bad}`, { token: agent, expectInvalidRequest: true })).status, 400, bad);
});

test('technicians cannot dispatch and do not see other communities\' work orders', async () => {
  const t = await report();
  assert.equal((await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'queue' }, { token: tech })).status, 403);
  const d = await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'queue' }, { token: agent });
  const admin = await login('admin');
  const u = await post('/v1/users', { kind: 'staff', name: '光华技工', username: unique('gh'), password: 'long-enough-pw', department: 'engineering' }, { token: admin });
  await post('/v1/role-grants', { user_id: u.json.id, role: 'technician', community_id: DEMO.guanghua }, { token: admin });
  const ghTech = (await post('/v1/auth/login', { login: u.json.username, password: 'long-enough-pw' })).json.access_token;
  assert.equal((await get(`/v1/work-orders/${d.json.work_orders[0].id}`, { token: ghTech })).status, 404);
  assert.equal((await post(`/v1/work-orders/${d.json.work_orders[0].id}/accept`, {}, { token: ghTech })).status, 404);
  assert.equal((await get(`/v1/tickets/${t.id}`, { token: ghTech })).status, 404);
  const client = await post('/v1/api-clients', { name: '只读', scopes: ['tickets:read'] }, { token: admin });
  const ct = (await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: client.json.client_id, client_secret: client.json.client_secret })).json.access_token;
  assert.equal((await get(`/v1/tickets/${t.id}`, { token: ct })).status, 200);
  assert.equal((await post('/v1/tickets', { kind: 'repair', unit_id: unit1, category: 'other', description: 'x' }, { token: ct })).status, 403);
});

test('background jobs: SLA breach raised to the supervisor, unconfirmed resolutions auto-close', async () => {
  const t = await report({ description: 'SLA 超时测试' });
  sql(`UPDATE clocks SET due = now() - interval '1 minute' WHERE subject_type = 'ticket' AND subject_id = '${t.id}' AND name = 'contact'`);
  const breached = await waitFor(async () => {
    const x = (await get(`/v1/tickets/${t.id}`, { token: agent })).json;
    return x.sla.contact.state === 'breached' ? x : null;
  }, 'the SLA sweep');
  assert.equal(breached.overdue, true);
  const overdue = await get('/v1/tickets?overdue=true&limit=100', { token: agent });
  assert.ok(overdue.json.items.some((x) => x.id === t.id));
  assert.ok((await inbox(sup)).some((n) => n.type === 'sla.breached' && n.ticket_id === t.id));
  const events = (await get(`/v1/tickets/${t.id}/events`, { token: agent })).json.items;
  assert.equal(events.filter((e) => e.type === 'sla_breached' && e.details.clock === 'contact').length, 1, 'raised once');

  const t2 = await report({ description: '自动关闭测试' });
  const d = await post(`/v1/tickets/${t2.id}/dispatch`, { mode: 'assign', assignee_id: U.tech }, { token: agent });
  const w = d.json.work_orders[0];
  await post(`/v1/work-orders/${w.id}/accept`, {}, { token: tech });
  await post(`/v1/work-orders/${w.id}/start`, {}, { token: tech });
  await post(`/v1/work-orders/${w.id}/complete`, { notes: '完成', labor_minutes: 5 }, { token: tech });
  sql(`UPDATE tickets SET resolved_at = now() - interval '73 hours' WHERE id = '${t2.id}'`);
  const closed = await waitFor(async () => {
    const x = (await get(`/v1/tickets/${t2.id}`, { token: owner1 })).json;
    return x.status === 'closed' ? x : null;
  }, 'auto-close');
  assert.ok(closed.closed_at);
  const ev = (await get(`/v1/tickets/${t2.id}/events`, { token: owner1 })).json.items;
  assert.ok(ev.some((e) => e.type === 'auto_closed' && e.actor_id === null));
});

test('stats: volumes, times, SLA compliance, reopen rate and rating, computed in SQL', async () => {
  const from = new Date(Date.now() - 3600e3).toISOString();
  const to = new Date(Date.now() + 3600e3).toISOString();
  const r = await get(`/v1/stats/tickets?community_id=${DEMO.xinyuan}&from=${from}&to=${to}&group_by=category`, { token: sup });
  assert.equal(r.status, 200, r.text);
  const leak = r.json.groups.find((g) => g.key === 'leak');
  assert.ok(leak.tickets >= 5);
  assert.ok(leak.resolved >= 2);
  assert.ok(leak.contact.compliance >= 0 && leak.contact.compliance <= 1);
  assert.ok(leak.contact.median_minutes >= 0);
  assert.ok(leak.reopen_rate > 0, 'one leak was reopened');
  assert.equal(leak.average_rating, 5);
  assert.equal(r.json.totals.tickets, r.json.groups.reduce((s, g) => s + g.tickets, 0));
  const byDay = await get(`/v1/stats/tickets?from=${from}&to=${to}&group_by=day`, { token: await login('manager') });
  assert.match(byDay.json.groups[0].key, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal((await get(`/v1/stats/tickets?community_id=${DEMO.guanghua}&from=${from}&to=${to}`, { token: sup })).status, 404);
  assert.equal((await get(`/v1/stats/tickets?from=${from}&to=${to}`, { token: agent })).status, 403);
  assert.equal((await get(`/v1/stats/tickets?from=${from}&to=${to}`, { token: owner1 })).status, 403);
  const bad = await get('/v1/stats/tickets?group_by=colour&from=yesterday', { token: sup, expectInvalidRequest: true });
  for (const f of ['group_by', 'from', 'to']) assert.ok(fieldsOf(bad).includes(f), f);
});

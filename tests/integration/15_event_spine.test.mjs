// The event spine (DESIGN §14) seen from outside: an action through the API writes exactly
// one event with its canonical type, the inbox rows of its audience, a NOTIFY on
// propdesk_events (a psql session LISTENs), and outbox rows only for the org's active
// subscriptions that ask for its type; a refused action writes nothing; the SLA sweep (a
// background job, every 500 ms here) emits through the same path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { get, post, login, DEMO } from './lib.mjs';

const U = DEMO.users;
const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', process.env.DATABASE_URL,
  '-c', q]).toString().trim();
const rows = (q) => { const s = sql(q); return s === '' ? [] : s.split('\n'); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* A psql session LISTENing on the spine's channel; seqs() returns the payloads it has
 * received so far (psql prints notifications after each command it runs). */
async function listen() {
  const p = spawn('psql', ['-X', '-q', '-At', process.env.DATABASE_URL], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let marks = 0;
  p.stdout.on('data', (d) => { out += d; });
  const until = async (mark) => {
    p.stdin.write(`SELECT '${mark}';\n`);
    for (let i = 0; !out.includes(`${mark}\n`); i++) {
      if (i > 200) assert.fail(`psql listener: no ${mark}`);
      await sleep(25);
    }
  };
  p.stdin.write('LISTEN propdesk_events;\n');
  await until('listening');
  return {
    async seqs() {
      await until(`mark${++marks}`);
      await until(`mark${++marks}`);
      return [...out.matchAll(/notification "propdesk_events" with payload "(\d+)"/g)].map((m) => m[1]);
    },
    close() { p.stdin.end(); },
  };
}

const events = (type, id) => rows(`SELECT seq || ' ' || type || ' ' || coalesce(actor_id::text, '-') || ' ' ||
  actor_role || ' ' || visibility FROM events WHERE org_id = '${DEMO.org}' AND subject_type = '${type}'
  AND subject_id = '${id}' ORDER BY seq`).map((r) => {
  const [seq, t, actor, role, visibility] = r.split(' ');
  return { seq, type: t, actor, role, visibility };
});
const inboxOf = (seq) => rows(`SELECT user_id || ' ' || type FROM notifications WHERE event_seq = ${seq} ORDER BY 1`);
const outboxOf = (seq) => rows(`SELECT subscription_id || ' ' || status || ' ' || attempts || ' ' ||
  (next_attempt_at <= now()) || ' ' || (last_error IS NULL) || ' ' || (payload->>'type') || ' ' ||
  (payload->'data'->>'seq') || ' ' || (payload->'data'->>'subject_id') FROM webhook_outbox
  WHERE event_seq = ${seq} ORDER BY 1`);
const subscribe = (org, types, active = true) => sql(`INSERT INTO webhook_subscriptions (org_id, url, event_types,
  active) VALUES ('${org}', 'https://hooks.example.com/propdesk', '{${types.join(',')}}', ${active}) RETURNING id`);

let owner1; let agent; let tech; let sup; let unit1; let ticket; let order;
const subs = [];

after(() => {
  if (subs.length === 0) return;
  const list = subs.map((s) => `'${s}'`).join(',');
  sql(`DELETE FROM webhook_outbox WHERE subscription_id IN (${list}); DELETE FROM webhook_subscriptions WHERE id IN (${list})`);
});

test('an action writes one event, its inbox rows and a NOTIFY; with no subscription, no outbox rows', async () => {
  [owner1, agent, tech, sup] = await Promise.all(['owner1', 'agent', 'tech', 'super'].map((w) => login(w)));
  unit1 = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  assert.equal(sql(`SELECT count(*) FROM webhook_subscriptions WHERE org_id = '${DEMO.org}' AND active`), '0');
  const l = await listen();
  try {
    const t = await post('/v1/tickets', { kind: 'repair', unit_id: unit1, category: 'plumbing', description: '事件测试：水管漏水' },
      { token: owner1 });
    assert.equal(t.status, 201, t.text);
    ticket = t.json;
    const d = await post(`/v1/tickets/${ticket.id}/dispatch`, { mode: 'assign', assignee_id: U.tech }, { token: agent });
    assert.equal(d.status, 200, d.text);
    order = d.json.work_orders[0];

    const [dispatched, ...more] = events('work_order', order.id);
    assert.deepEqual(more, [], 'one event for the dispatch');
    assert.deepEqual([dispatched.type, dispatched.actor, dispatched.role, dispatched.visibility],
      ['work_order.dispatched', U.agent, 'agent', 'public']);
    const own = events('ticket', ticket.id);
    assert.deepEqual(own.map((e) => e.type), ['ticket.created', 'ticket.dispatched'],
      'the creation, then the ticket following its work order');
    assert.equal(own[0].actor, U.owner1);

    // the audience of the dispatch: the assignee, and the unit's owners (the reporter and
    // the unit's verified residents), one row each
    const owners = rows(`SELECT DISTINCT user_id FROM residencies WHERE unit_id = '${unit1}' AND status = 'verified'
      UNION SELECT '${U.owner1}'`);
    assert.deepEqual(inboxOf(dispatched.seq),
      [`${U.tech} work_order.assigned`, ...owners.map((o) => `${o} ticket.dispatched`)].sort());
    assert.deepEqual(inboxOf(own[0].seq), [], 'nobody is told of a new report');
    const n = (await get('/v1/me/notifications?limit=100', { token: tech })).json.items
      .find((x) => x.event_id === Number(dispatched.seq));
    assert.deepEqual([n.type, n.subject_type, n.subject_id, n.ticket_id, n.work_order_id],
      ['work_order.assigned', 'work_order', order.id, ticket.id, order.id]);

    const heard = await l.seqs();
    for (const e of [...own, dispatched]) assert.ok(heard.includes(e.seq), `NOTIFY ${e.type} (${e.seq}) in ${heard}`);
    for (const e of [...own, dispatched]) assert.deepEqual(outboxOf(e.seq), [], 'no subscription, no outbox row');

    // the timeline reads the spine: the wire names of before, the canonical beside them
    const tl = (await get(`/v1/tickets/${ticket.id}/events`, { token: owner1 })).json.items;
    assert.deepEqual(tl.map((e) => [e.id, e.type, e.event_type]), [
      [Number(own[0].seq), 'created', 'ticket.created'],
      [Number(dispatched.seq), 'dispatched', 'work_order.dispatched'],
      [Number(own[1].seq), 'status_changed', 'ticket.dispatched']].sort((a, b) => a[0] - b[0]));
    assert.equal(tl.find((e) => e.type === 'dispatched').work_order_id, order.id);
  } finally {
    l.close();
  }
});

test("the inbox speaks the reader's language: fixed texts in Chinese or English, people's words as written", async () => {
  const find = async (token, headers) => {
    const r = await get('/v1/me/notifications?limit=100', { token, headers });
    assert.equal(r.status, 200);
    return { r, n: r.json.items.find((x) => x.ticket_id === ticket.id && x.type === 'ticket.dispatched') };
  };
  const zh = await find(owner1, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
  assert.deepEqual([zh.n.title, zh.n.body], ['您的报事已派工', '已安排维修人员处理']);
  assert.equal(zh.r.headers.get('content-language'), 'zh-CN');
  assert.match(zh.r.headers.get('vary') ?? '', /Accept-Language/);
  const en = await find(owner1, { 'accept-language': 'en-GB, zh;q=0.5' });
  assert.deepEqual([en.n.title, en.n.body], ['Your report has been dispatched', 'A technician has been dispatched.']);
  assert.equal(en.r.headers.get('content-language'), 'en');
  assert.deepEqual((await find(owner1, {})).n, en.n, 'English without Accept-Language');
  assert.deepEqual((await find(owner1, { 'accept-language': 'zh-CN, en' })).n, zh.n, 'of equal weights, the first');
  assert.deepEqual((await find(owner1, { 'accept-language': 'en, zh-CN' })).n, en.n);
  assert.deepEqual((await find(owner1, { 'accept-language': 'zh;q=0, en;q=0.1' })).n, en.n, 'q=0 is not acceptable');
  assert.notEqual(zh.r.headers.get('etag'), en.r.headers.get('etag'), 'each language its own ETag');

  // a comment's body is the agent's words: the same in both
  const words = '师傅明早九点上门，请留人在家';
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: words }, { token: agent })).status, 201);
  const mine = (await get('/v1/me/notifications?limit=100', { token: owner1 })).json.items
    .find((x) => x.ticket_id === ticket.id && x.type === 'ticket.commented');
  assert.deepEqual([mine.title, mine.body], ['The property office replied to your report', words]);
  const read = await post(`/v1/me/notifications/${mine.id}/read`, {}, { token: owner1, headers: { 'accept-language': 'zh' } });
  assert.deepEqual([read.json.title, read.json.body], ['物业回复了您的报事', words]);
  assert.equal(read.headers.get('content-language'), 'zh-CN');
});

test('the outbox gets a row per active subscription of the org that asks for the type', async () => {
  const wanted = subscribe(DEMO.org, ['work_order.accepted', 'ticket.*']);
  const inactive = subscribe(DEMO.org, ['*'], false);
  const otherOrg = subscribe(DEMO.otherOrg, ['*']);
  subs.push(wanted, inactive, otherOrg);

  assert.equal((await post(`/v1/work-orders/${order.id}/accept`, {}, { token: tech })).status, 200);
  const accepted = events('work_order', order.id).at(-1);
  assert.equal(accepted.type, 'work_order.accepted');
  assert.deepEqual(outboxOf(accepted.seq),
    [`${wanted} pending 0 true true work_order.accepted ${accepted.seq} ${order.id}`]);

  const before = events('work_order', order.id).length;
  assert.equal((await post(`/v1/work-orders/${order.id}/accept`, {}, { token: tech })).status, 409);
  assert.equal(events('work_order', order.id).length, before, 'a refused action emits nothing');

  assert.equal((await post(`/v1/work-orders/${order.id}/start`, {}, { token: tech })).status, 200);
  const started = events('work_order', order.id).at(-1);
  assert.equal(started.type, 'work_order.started');
  assert.deepEqual(outboxOf(started.seq), [], 'not asked for');
  const ticketStarted = events('ticket', ticket.id).at(-1);
  assert.equal(ticketStarted.type, 'ticket.started');
  assert.deepEqual(outboxOf(ticketStarted.seq).map((r) => r.split(' ')[0]), [wanted], 'ticket.* matches');
  assert.deepEqual(inboxOf(ticketStarted.seq).filter((r) => r.startsWith(U.owner1)), [`${U.owner1} ticket.started`]);

  // an internal note: an internal event, hidden from owners and never sent out
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: '配件需要采购', internal: true }, { token: agent })).status, 201);
  const note = events('ticket', ticket.id).at(-1);
  assert.deepEqual([note.type, note.visibility], ['ticket.commented', 'internal']);
  assert.deepEqual(outboxOf(note.seq), []);
  assert.deepEqual(inboxOf(note.seq), []);
  const staff = (await get(`/v1/tickets/${ticket.id}/events`, { token: agent })).json.items;
  assert.equal(staff.find((e) => e.id === Number(note.seq)).visibility, 'internal');
  const theirs = (await get(`/v1/tickets/${ticket.id}/events`, { token: owner1 })).json.items;
  assert.ok(!theirs.some((e) => e.id === Number(note.seq)), 'owners do not see internal events');
});

test('the SLA sweep emits through the same path: event, supervisors\' inbox, NOTIFY, outbox', async () => {
  const breaches = subscribe(DEMO.org, ['ticket.sla_breached']);
  subs.push(breaches);
  const t = await post('/v1/tickets', { kind: 'repair', unit_id: unit1, category: 'plumbing', description: '事件测试：SLA' },
    { token: owner1 });
  assert.equal(t.status, 201, t.text);
  const l = await listen();
  try {
    sql(`UPDATE clocks SET due = now() - interval '1 minute' WHERE subject_type = 'ticket' AND subject_id = '${t.json.id}' AND name = 'contact'`);
    let breach;
    for (let i = 0; !breach; i++) {
      if (i > 40) assert.fail('the SLA sweep did not emit');
      await sleep(200);
      breach = events('ticket', t.json.id).find((e) => e.type === 'ticket.sla_breached');
    }
    await sleep(1200);  // two more sweeps: still one event
    const all = events('ticket', t.json.id).filter((e) => e.type === 'ticket.sla_breached');
    assert.equal(all.length, 1, 'raised once');
    assert.deepEqual([breach.actor, breach.role, breach.visibility], ['-', 'system', 'public']);
    assert.equal(sql(`SELECT details->>'clock' FROM events WHERE seq = ${breach.seq}`), 'contact');

    const told = inboxOf(breach.seq);
    for (const who of [U.super, U.manager]) assert.ok(told.includes(`${who} sla.breached`), `${who} in ${told}`);
    assert.ok(!told.some((r) => r.startsWith(U.owner1) || r.startsWith(U.tech)), 'supervisors only');
    assert.equal(new Set(told.map((r) => r.split(' ')[0])).size, told.length, 'one row per person');
    const n = (await get('/v1/me/notifications?limit=100', { token: sup })).json.items
      .find((x) => x.event_id === Number(breach.seq));
    assert.deepEqual([n.type, n.subject_type, n.subject_id, n.ticket_id], ['sla.breached', 'ticket', t.json.id, t.json.id]);

    assert.ok((await l.seqs()).includes(breach.seq), 'NOTIFY from the job');
    // this subscription, and the one of the test before that asked for ticket.*
    assert.deepEqual(outboxOf(breach.seq), [breaches, subs[0]].sort()
      .map((s) => `${s} pending 0 true true ticket.sla_breached ${breach.seq} ${t.json.id}`));
  } finally {
    l.close();
  }
});

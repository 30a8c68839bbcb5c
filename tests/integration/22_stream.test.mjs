// The live stream (GET /v1/stream, Server-Sent Events): a dispatched work order reaches the
// technician within a second; each stream carries only what its caller may GET; catch-up after
// a disconnect has no gap and no duplicate, even past a transaction that commits late with a
// lower sequence number; a reset for an id that cannot be served; stream tickets are single-use;
// an expired token ends the stream; the limit per user.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import { get, post, login, DEMO, DIRECT, fieldsOf } from './lib.mjs';

const U = DEMO.users;
const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', process.env.DATABASE_URL, '-c', q]).toString().trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PATHS = { ticket: 'tickets', work_order: 'work-orders', complaint: 'complaints', callback: 'callbacks',
  announcement: 'announcements', survey: 'surveys' };

/* An open stream: its status, the events parsed so far, comments (heartbeats) counted. */
function openStream({ token, since, lastEventId, ticket } = {}) {
  const url = new URL('/v1/stream', DIRECT);
  if (since !== undefined) url.searchParams.set('since', String(since));
  if (ticket !== undefined) url.searchParams.set('ticket', ticket);
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const ctrl = new AbortController();
  const s = { events: [], comments: 0, closed: false, status: 0, body: '', close: () => ctrl.abort() };
  s.ready = fetch(url, { headers, signal: ctrl.signal }).then(async (res) => {
    s.status = res.status;
    s.headers = res.headers;
    if (res.status !== 200) {
      s.body = await res.text();
      s.closed = true;
      return s;
    }
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          for (let i; (i = buf.indexOf('\n\n')) >= 0;) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const ev = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) s.comments++;
              else if (line.startsWith('id: ')) s.lastId = ev.id = Number(line.slice(4));
              else if (line.startsWith('event: ')) ev.event = line.slice(7);
              else if (line.startsWith('data: ')) ev.data = JSON.parse(line.slice(6));
            }
            if (ev.event) s.events.push(ev);
          }
        }
      } catch { /* aborted */ }
      s.closed = true;
    })();
    return s;
  });
  /* the first event matching pred (waits up to ms) */
  s.next = async (pred, what, ms = 5000) => {
    const t0 = Date.now();
    for (;;) {
      const e = s.events.find(pred);
      if (e) return e;
      if (Date.now() - t0 > ms) assert.fail(`stream: timed out waiting for ${what}; got ${JSON.stringify(s.events.map((x) => x.event))}`);
      await sleep(10);
    }
  };
  return s;
}

const open = [];
function stream(opts) {
  const s = openStream(opts);
  open.push(s);
  return s;
}
after(() => open.forEach((s) => s.close()));

function hs256(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${input}.${createHmac('sha256', process.env.JWT_SECRET_FOR_TESTS).update(input).digest('base64url')}`;
}

let owner1; let owner3; let owner2; let otherOwner; let agent; let tech; let tech2; let admin; let otherAdmin; let quality;
let unit1; let unit2;
let ticket; let order;

test('a work order dispatched to a technician reaches their open stream within a second', async () => {
  [owner1, owner3, owner2, otherOwner, agent, tech, tech2, admin, otherAdmin, quality] = await Promise.all(
    ['owner1', 'owner3', 'owner2', 'otherOwner', 'agent', 'tech', 'tech2', 'admin', 'otherAdmin', 'quality'].map((w) => login(w)));
  unit1 = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  unit2 = (await get('/v1/me', { token: owner2 })).json.units[0].id;
  const streams = Object.fromEntries(Object.entries({ owner1, owner3, owner2, otherOwner, agent, tech, tech2, admin, otherAdmin })
    .map(([who, token]) => [who, stream({ token })]));
  for (const s of Object.values(streams)) {
    await s.ready;
    assert.equal(s.status, 200);
    assert.match(s.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(s.headers.get('cache-control'), 'no-store');
  }
  const t = await post('/v1/tickets', { kind: 'repair', unit_id: unit1, category: 'leak',
    description: '卫生间地漏反水' }, { token: owner1 });
  assert.equal(t.status, 201, t.text);
  ticket = t.json;
  const created = await streams.owner1.next((e) => e.event === 'ticket.created' && e.data.subject_id === ticket.id, 'ticket.created');
  assert.equal(created.data.version, 1);
  assert.equal(created.data.seq, created.id);
  await streams.agent.next((e) => e.event === 'ticket.created' && e.data.subject_id === ticket.id, 'the desk sees it');

  const d = await post(`/v1/tickets/${ticket.id}/dispatch`, { mode: 'assign', assignee_id: U.tech }, { token: agent });
  assert.equal(d.status, 200, d.text);
  const t0 = Date.now();
  const dispatched = await streams.tech.next((e) => e.event === 'work_order.dispatched', 'work_order.dispatched', 1000);
  const latency = Date.now() - t0;
  assert.ok(latency < 1000, `dispatch reached the technician in ${latency} ms`);
  order = (await get(`/v1/work-orders/${dispatched.data.subject_id}`, { token: tech })).json;
  assert.equal(order.ticket_id, ticket.id);
  assert.equal(dispatched.data.version, order.version);
  await streams.agent.next((e) => e.event === 'work_order.dispatched', 'the desk sees the dispatch');
  await streams.owner1.next((e) => e.event === 'ticket.dispatched' && e.data.subject_id === ticket.id, 'the owner sees the ticket move');

  // an internal note reaches the staff only; a ticket of 光华小区 reaches neither 新苑's desk nor its owners
  const note = await post(`/v1/tickets/${ticket.id}/comments`, { body: '业主上月已欠费', internal: true }, { token: agent });
  assert.equal(note.status, 201, note.text);
  const other = await post('/v1/tickets', { kind: 'repair', unit_id: unit2, category: 'leak', description: '光华小区漏水' }, { token: owner2 });
  assert.equal(other.status, 201, other.text);
  await streams.admin.next((e) => e.event === 'ticket.created' && e.data.subject_id === other.json.id, "org-wide staff see 光华's");
  // a comment by the desk, then wait for it everywhere it may go, and a little more
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: '师傅下午到' }, { token: agent })).status, 201);
  await streams.owner1.next((e) => e.event === 'ticket.commented', 'the comment');
  await sleep(300);

  // never an event the caller could not GET
  const tokens = { owner1, owner3, owner2, otherOwner, agent, tech, tech2, admin, otherAdmin };
  for (const [who, s] of Object.entries(streams)) {
    const inbox = (await get('/v1/me/notifications?limit=100', { token: tokens[who] })).json.items.map((n) => n.id);
    for (const e of s.events) {
      if (e.data.subject_type === 'notification') {
        assert.ok(inbox.includes(e.data.subject_id), `${who} was streamed another's notification`);
        continue;
      }
      const r = await get(`/v1/${PATHS[e.data.subject_type]}/${e.data.subject_id}`, { token: tokens[who] });
      assert.equal(r.status, 200, `${who} was streamed ${e.event} of a ${e.data.subject_type} it cannot GET`);
    }
  }
  const told = await streams.owner1.next((e) => e.event === 'notification.created' && e.data.details.type === 'ticket.commented',
    "the owner's new notification");
  assert.equal(told.data.details.user_id, U.owner1);
  assert.ok(!streams.owner3.events.some((e) => e.data.subject_type === 'notification'), "nobody else's notices");
  const about = (s, id) => s.events.filter((e) => e.data.subject_id === id);
  const internal = (s) => s.events.filter((e) => e.event === 'ticket.commented' && e.data.subject_id === ticket.id).length;
  assert.equal(internal(streams.agent), 2, 'the desk gets the internal note and the public comment');
  assert.equal(internal(streams.owner1), 1, 'the owner only the public comment');
  for (const who of ['agent', 'tech', 'owner1', 'owner3'])
    assert.equal(about(streams[who], other.json.id).length, 0, `${who} hears nothing of 光华小区`);
  assert.equal(about(streams.owner3, ticket.id).length, 0, "another unit's owner sees nothing of it");
  assert.equal(streams.otherOwner.events.length + streams.otherAdmin.events.length, 0, 'another org sees nothing');
  assert.ok(!streams.owner1.events.some((e) => e.data.subject_type === 'work_order'), 'owners do not GET work orders');
  assert.ok(!streams.owner1.events.some((e) => e.data.actor_role === undefined));
  // ids rise, without a duplicate
  for (const s of Object.values(streams))
    s.events.forEach((e, i) => i === 0 || assert.ok(e.id > s.events[i - 1].id));
  Object.values(streams).forEach((s) => s.close());
});

test('a complaint about a staff member never tells them, on the stream, who made it', async () => {
  const named = stream({ token: agent });
  const desk = stream({ token: admin });
  await Promise.all([named.ready, desk.ready]);
  const r = await post('/v1/complaints', { community_id: DEMO.xinyuan, description: '客服态度很差，电话里不耐烦',
    demand: '道歉', subject: { department: 'customer_service', user_id: U.agent } }, { token: owner1 });
  assert.equal(r.status, 201, r.text);
  const seen = await named.next((e) => e.event === 'complaint.created' && e.data.subject_id === r.json.id, 'the complaint');
  assert.equal(seen.data.actor_id, null, 'the staff member complained about does not learn the complainant');
  assert.equal((await get(`/v1/complaints/${r.json.id}`, { token: agent })).status, 200);
  const full = await desk.next((e) => e.event === 'complaint.created' && e.data.subject_id === r.json.id, 'the complaint (admin)');
  assert.equal(full.data.actor_id, U.owner1, 'others in reach still see the actor');
  [named, desk].forEach((x) => x.close());
});

test('a reconnecting app catches up from Last-Event-ID, in order, with no gap and no duplicate', async () => {
  const witness = stream({ token: agent });  // open all along
  const a = stream({ token: agent });
  await Promise.all([witness.ready, a.ready]);
  assert.equal((await post(`/v1/work-orders/${order.id}/accept`, {}, { token: tech })).status, 200);
  const accepted = await a.next((e) => e.event === 'work_order.accepted', 'accepted');
  a.close();
  // committed while the app is away
  assert.equal((await post(`/v1/work-orders/${order.id}/start`, {}, { token: tech })).status, 200);
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: '已到现场' }, { token: agent })).status, 201);
  await witness.next((e) => e.event === 'ticket.commented' && e.id > accepted.id, 'the later comment');
  const b = stream({ token: agent, lastEventId: accepted.id });
  await b.ready;
  const expected = witness.events.filter((e) => e.id > accepted.id).map((e) => e.id);
  assert.ok(expected.length >= 3, `missed events: ${expected}`);
  await b.next((e) => e.id === expected.at(-1), 'the last missed event');
  assert.deepEqual(b.events.map((e) => e.id).slice(0, expected.length), expected);
  // ?since= is the same
  const c = stream({ token: agent, since: accepted.id });
  await c.ready;
  await c.next((e) => e.id === expected.at(-1), 'the last missed event (since)');
  assert.deepEqual(c.events.map((e) => e.id).slice(0, expected.length), expected);
  // and then live
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: '在更换密封圈' }, { token: agent })).status, 201);
  const live = await b.next((e) => e.id > expected.at(-1), 'a live event after catch-up');
  assert.equal(live.event, 'ticket.commented');
  [witness, b, c].forEach((s) => s.close());
});

test('an event committed late with a lower sequence number is not skipped', async () => {
  const s = stream({ token: agent });
  await s.ready;
  const p = spawn('psql', ['-X', '-q', '-At', process.env.DATABASE_URL], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stdin.write(`BEGIN; SELECT 'seq:' || pd_emit('${DEMO.org}', 'ticket', '${ticket.id}', 'ticket.commented', '${U.agent}', 'agent');\n`);
  for (let i = 0; !/seq:\d+/.test(out); i++) {
    if (i > 200) assert.fail('psql did not emit');
    await sleep(25);
  }
  const early = Number(out.match(/seq:(\d+)/)[1]);
  // a later event commits first
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: '稍后回电' }, { token: agent })).status, 201);
  const later = Number(sql(`SELECT max(seq) FROM events WHERE subject_id = '${ticket.id}'`));
  assert.ok(later > early);
  await sleep(1500);  // two rounds of the hub at least
  assert.ok(!s.events.some((e) => e.id >= early), 'nothing at or past the open transaction is handed out');
  p.stdin.write('COMMIT;\n');
  p.stdin.end();
  await s.next((e) => e.id === later, 'the later event');
  assert.deepEqual(s.events.filter((e) => e.id >= early).map((e) => e.id), [early, later]);
  s.close();
});

test('a lost LISTEN connection delays nothing: the hub reads the table and reconnects', async () => {
  const s = stream({ token: agent });
  await s.ready;
  const killed = sql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'propdesk-stream'`);
  assert.ok(Number(killed) >= 1, 'the listener was found');
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: '监听断开后' }, { token: agent })).status, 201);
  await s.next((e) => e.event === 'ticket.commented' && e.data.seq > 0, 'the event without its notification', 4000);
  const back = async () => Number(sql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'propdesk-stream'`)) >= 1;
  for (let i = 0; !(await back()); i++) {
    if (i > 100) assert.fail('the listener did not reconnect');
    await sleep(50);
  }
  s.close();
});

test('an id that cannot be served gets event: reset, then the stream goes on', async () => {
  const future = stream({ token: agent, lastEventId: 9000000000 });
  await future.ready;
  assert.equal((await future.next((e) => true, 'the first event')).event, 'reset');
  const first = Number(sql(`SELECT min(seq) FROM events WHERE subject_id = '${ticket.id}'`));
  sql(`UPDATE events SET created_at = created_at - interval '3 days' WHERE org_id = '${DEMO.org}' AND seq = ${first}`);
  const old = stream({ token: agent, lastEventId: first - 1 });
  await old.ready;
  const ev = await old.next(() => true, 'the first event');
  assert.equal(ev.event, 'reset');
  assert.equal(ev.data.reason, 'last_event_id_not_servable');
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: '完工' }, { token: agent })).status, 201);
  await old.next((e) => e.event === 'ticket.commented', 'live after the reset');
  assert.ok(!old.events.some((e) => e.id === first), 'the old events are not replayed after a reset');
  [future, old].forEach((s) => s.close());
});

test('a browser opens the stream with a single-use ticket', async () => {
  const r = await post('/v1/stream/tickets', undefined, { token: owner1 });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.ticket, /^[A-Za-z0-9_-]{40,}$/);
  assert.ok(Date.parse(r.json.expires_at) - Date.now() <= 61000);
  const s = stream({ ticket: r.json.ticket });
  await s.ready;
  assert.equal(s.status, 200);
  assert.equal((await post(`/v1/tickets/${ticket.id}/comments`, { body: '请保持电话畅通' }, { token: agent })).status, 201);
  await s.next((e) => e.event === 'ticket.commented', 'an event for the owner');
  const again = stream({ ticket: r.json.ticket });
  await again.ready;
  assert.equal(again.status, 401, 'a ticket is used once');
  assert.equal(JSON.parse(again.body).status, 401);
  const expired = await post('/v1/stream/tickets', undefined, { token: owner1 });
  sql(`UPDATE stream_tickets SET expires_at = now() - interval '1 second'`);
  const late = stream({ ticket: expired.json.ticket });
  await late.ready;
  assert.equal(late.status, 401, 'an expired ticket');
  const none = stream({});
  await none.ready;
  assert.equal(none.status, 401, 'no token and no ticket');
  const forged = stream({ ticket: 'x'.repeat(43) });
  await forged.ready;
  assert.equal(forged.status, 401);
  assert.equal((await post('/v1/stream/tickets', undefined, { expectInvalidRequest: true })).status, 401);
  s.close();
});

test('an expired access token ends the stream with an event saying so', async () => {
  const now = Math.floor(Date.now() / 1000);
  const short = hs256({ iss: 'propdesk', aud: 'propdesk-api', sub: U.quality, org: DEMO.org, role: 'quality',
    org_wide: true, communities: [], jti: 'stream-test', iat: now, nbf: now, exp: now + 2 });
  const s = stream({ token: short });
  await s.ready;
  assert.equal(s.status, 200, s.body);
  const ev = await s.next((e) => e.event === 'token_expired', 'token_expired', 6000);
  assert.match(ev.data.reason, /expired/);
  for (let i = 0; !s.closed; i++) {
    if (i > 200) assert.fail('the stream stayed open');
    await sleep(20);
  }
  assert.ok(s.comments >= 1, 'heartbeats were sent meanwhile');
  assert.ok(s.lastId > 0, "a heartbeat carries the stream's position as its id (EventSource's Last-Event-ID)");
});

test('streams per user are limited; bad input is named', async () => {
  const mine = [];
  for (let i = 0; i < 5; i++) mine.push(stream({ token: quality }));
  await Promise.all(mine.map((s) => s.ready));
  assert.ok(mine.every((s) => s.status === 200));
  const sixth = stream({ token: quality });
  await sixth.ready;
  assert.equal(sixth.status, 429);
  assert.ok(Number(sixth.headers.get('retry-after')) > 0);
  mine.forEach((s) => s.close());
  // a slot frees once the server notices the client left (its next write fails: a heartbeat)
  const bad = await get('/v1/stream?since=abc', { token: agent, expectInvalidRequest: true });
  assert.equal(bad.status, 400);
  assert.deepEqual(fieldsOf(bad), ['since']);
});

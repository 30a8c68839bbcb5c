// Webhooks end to end: admins subscribe (SSRF refused at creation), a receiver here verifies
// every Standard Webhooks signature; retries after 500s keep the webhook-id; 410 disables the
// subscription and tells the admins; Retry-After is honoured; rotation signs with both secrets
// for a while; a test event; a dead delivery replayed; a private address refused at delivery;
// a subscription failing for days disabled; and a delivery instance killed mid-send delivers
// after its restart, once. Deliveries come from an instance of this file's own (the suite's
// servers run with WEBHOOK_WORKERS=0), so that it can be killed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { spawn, execFileSync } from 'node:child_process';
import { get, post, patch, del, login, fieldsOf, DEMO, waitFor, freePort } from './lib.mjs';

const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', process.env.DATABASE_URL, '-c', q]).toString().trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* ---- the receiver --------------------------------------------------------------------- */

const got = [];              // every request: {path, headers, body, at}
const behaviour = {};        // path → (request number on that path, starting at 1) → [status, headers] | 'hang'
const hanging = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    const path = req.url;
    got.push({ path, headers: req.headers, body, at: Date.now() });
    const n = got.filter((g) => g.path === path).length;
    const b = behaviour[path]?.(n) ?? [200, {}];
    if (b === 'hang') { hanging.push(res); return; }
    res.writeHead(b[0], { 'content-type': 'text/plain', ...b[1] });
    res.end(b[0] >= 400 ? `error ${b[0]} from the receiver` : 'ok');
  });
});
let base;
const on = (path) => got.filter((g) => g.path === path);

/* Standard Webhooks verification, as a receiver does it. */
function verify(secret, msg) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const id = msg.headers['webhook-id'];
  const ts = msg.headers['webhook-timestamp'];
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${msg.body}`).digest('base64');
  return msg.headers['webhook-signature'].split(' ').some((s) => s === `v1,${expected}`);
}

/* ---- the delivery instance -------------------------------------------------------------- */

let deliverer;
let delivererPort;
async function startDeliverer() {
  delivererPort ??= await freePort();
  deliverer = spawn(process.env.PROPDESK_BIN ?? './build/propdesk', ['serve'], {
    env: { ...process.env, PORT: String(delivererPort), JWT_SECRET: process.env.JWT_SECRET_FOR_TESTS,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_WORKERS: '2', WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s', JOBS_INTERVAL_MS: '60000', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return waitFor(async () => {
    try { return (await fetch(`http://127.0.0.1:${delivererPort}/healthz`)).ok; } catch { return false; }
  }, 'the delivery instance', 20000);
}

let admin; let agent; let manager; let owner1; let otherAdmin; let unit1;
before(async () => {
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${receiver.address().port}`;
  [admin, agent, manager, owner1, otherAdmin] = await Promise.all(['admin', 'agent', 'manager', 'owner1', 'otherAdmin'].map((w) => login(w)));
  unit1 = (await get('/v1/me', { token: owner1 })).json.units[0].id;
  await startDeliverer();
});
after(async () => {
  hanging.forEach((r) => r.destroy());
  receiver.close();
  if (deliverer && deliverer.exitCode === null) {
    deliverer.kill('SIGTERM');
    await new Promise((r) => deliverer.on('exit', r));
  }
  // this file's subscriptions go, so that later events queue nothing for them
  sql(`DELETE FROM webhook_subscriptions WHERE url LIKE '${base}/%' OR url LIKE 'http://10.255.%'`);
});

async function subscribe(path, event_types = ['ticket.created']) {
  const r = await post('/v1/webhooks', { url: `${base}${path}`, event_types, description: `测试 ${path}` }, { token: admin });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
async function report() {
  const t = await post('/v1/tickets', { kind: 'repair', unit_id: unit1, category: 'leak', description: '阳台漏水' }, { token: owner1 });
  assert.equal(t.status, 201, t.text);
  return t.json;
}
const deliveriesOf = async (sub) => (await get(`/v1/webhooks/${sub.id}/deliveries`, { token: admin })).json.items;

test('admins subscribe; the secret is shown once; private addresses and bad types are refused', async () => {
  for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/',
    'http://192.168.1.10/', 'ftp://example.com/', 'http://user:pw@127.0.0.1/', 'http://0.0.0.0/']) {
    const r = await post('/v1/webhooks', { url, event_types: ['*'] }, { token: admin });
    assert.equal(r.status, 400, `${url}: ${r.text}`);
    assert.deepEqual(fieldsOf(r), ['url']);
  }
  const bad = await post('/v1/webhooks', { url: `${base}/ok`, event_types: ['bogus.*', 'ticket.created'] }, { token: admin });
  assert.deepEqual(fieldsOf(bad), ['event_types']);
  const none = await post('/v1/webhooks', { description: 'x'.repeat(501), active: 'yes' }, { token: admin, expectInvalidRequest: true });
  assert.deepEqual(fieldsOf(none).sort(), ['active', 'description', 'event_types', 'url']);
  for (const token of [agent, manager, owner1])
    assert.equal((await post('/v1/webhooks', { url: `${base}/ok`, event_types: ['*'] }, { token })).status, 403);

  const s = await subscribe('/ok', ['ticket.*', 'work_order.dispatched']);
  assert.match(s.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
  assert.deepEqual(s.event_types, ['ticket.*', 'work_order.dispatched']);
  assert.deepEqual(s.allowed_actions, ['update', 'delete', 'rotate_secret', 'test']);
  const shown = await get(`/v1/webhooks/${s.id}`, { token: admin });
  assert.equal(shown.json.secret, undefined, 'the secret is shown once');
  assert.equal((await get(`/v1/webhooks/${s.id}`, { token: otherAdmin })).status, 404, "another org's");
  const list = await get('/v1/webhooks?active=true', { token: admin });
  assert.ok(list.json.items.some((x) => x.id === s.id && x.secret === undefined));
  const stale = await patch(`/v1/webhooks/${s.id}`, { description: '旧版本' }, { token: admin, headers: { 'if-match': '"99"' } });
  assert.equal(stale.status, 412);
  await del(`/v1/webhooks/${s.id}`, { token: admin });
  assert.equal((await get(`/v1/webhooks/${s.id}`, { token: admin })).status, 404);
});

let okSub;
test('a delivery is signed, carries the event, and only the types subscribed', async () => {
  okSub = await subscribe('/signed', ['ticket.created']);
  const t = await report();
  const msg = await waitFor(() => on('/signed').find((g) => JSON.parse(g.body).data.subject_id === t.id), 'the delivery');
  assert.ok(verify(okSub.secret, msg), 'the signature verifies');
  assert.equal(msg.headers['content-type'], 'application/json');
  assert.ok(Math.abs(Number(msg.headers['webhook-timestamp']) - Date.now() / 1000) < 30);
  const body = JSON.parse(msg.body);
  assert.equal(body.type, 'ticket.created');
  assert.ok(body.timestamp);
  assert.equal(body.data.subject_type, 'ticket');
  assert.equal(body.data.to_status, 'submitted');
  assert.ok(!JSON.stringify(body).includes('13800000001'), 'no personal data');
  // dispatching is not subscribed here
  assert.equal((await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: DEMO.users.tech }, { token: agent })).status, 200);
  await sleep(1500);
  assert.ok(on('/signed').every((g) => JSON.parse(g.body).type === 'ticket.created'));
  const [d] = await deliveriesOf(okSub);
  assert.equal(d.status, 'delivered');
  assert.equal(d.id, msg.headers['webhook-id']);
  const log = await get(`/v1/webhook-deliveries/${d.id}`, { token: admin });
  assert.equal(log.json.attempts.length, 1);
  assert.equal(log.json.attempts[0].status_code, 200);
  assert.equal(log.json.attempts[0].response_excerpt, 'ok');
  assert.ok(log.json.attempts[0].duration_ms >= 0);
});

test('500s are retried with the same webhook-id until a 2xx; Retry-After is honoured', async () => {
  behaviour['/flaky'] = (n) => (n <= 2 ? [500, {}] : [200, {}]);
  behaviour['/busy'] = (n) => (n === 1 ? [503, { 'retry-after': '3' }] : [200, {}]);
  const flaky = await subscribe('/flaky');
  const busy = await subscribe('/busy');
  await report();
  await waitFor(() => on('/flaky').length >= 3, 'three attempts', 15000);
  await waitFor(() => on('/busy').length >= 2, 'the second attempt after Retry-After', 15000);
  const ids = new Set(on('/flaky').map((g) => g.headers['webhook-id']));
  assert.equal(ids.size, 1, 'the same webhook-id on every attempt');
  on('/flaky').forEach((g) => assert.ok(verify(flaky.secret, g)));
  const [b1, b2] = on('/busy');
  assert.ok(b2.at - b1.at >= 2900, `Retry-After: 3 honoured (waited ${b2.at - b1.at} ms; the schedule says 1 s)`);
  const d = await waitFor(async () => (await deliveriesOf(flaky)).find((x) => x.status === 'delivered'), 'delivered');
  assert.equal(d.attempt_count, 3);
  const log = (await get(`/v1/webhook-deliveries/${d.id}`, { token: admin })).json;
  assert.deepEqual(log.attempts.map((a) => a.status_code), [500, 500, 200]);
  assert.match(log.attempts[0].response_excerpt, /error 500/);
  assert.equal((await get(`/v1/webhooks/${flaky.id}`, { token: admin })).json.failing_since, null, 'healthy again');
  void busy;
});

test('410 disables the subscription and tells the admins', async () => {
  behaviour['/gone'] = () => [410, {}];
  const gone = await subscribe('/gone');
  await report();
  const s = await waitFor(async () => {
    const r = (await get(`/v1/webhooks/${gone.id}`, { token: admin })).json;
    return r.active === false && r;
  }, 'the subscription disabled', 10000);
  assert.match(s.disabled_reason, /410/);
  assert.equal(on('/gone').length, 1, 'no retry after a 410');
  const inbox = (await get('/v1/me/notifications?limit=50', { token: admin })).json.items;
  assert.ok(inbox.some((n) => n.type === 'webhook.disabled' && n.title.includes('/gone')), 'the admins are told');
  // nothing is queued for a disabled subscription; enabling it again starts afresh
  const before = sql(`SELECT count(*) FROM webhook_outbox WHERE subscription_id = '${gone.id}'`);
  await report();
  assert.equal(sql(`SELECT count(*) FROM webhook_outbox WHERE subscription_id = '${gone.id}'`), before);
  const on2 = await patch(`/v1/webhooks/${gone.id}`, { active: true }, { token: admin, headers: { 'if-match': `"${s.version}"` } });
  assert.equal(on2.status, 200, on2.text);
  assert.equal(on2.json.disabled_reason, null);
});

test('a failed delivery is dead after its retries, visible, and can be replayed; a test event', async () => {
  let up = false;
  behaviour['/down'] = () => (up ? [204, {}] : [500, {}]);
  const down = await subscribe('/down');
  await report();
  const retrying = await waitFor(async () => (await deliveriesOf(down)).find((x) => x.status === 'pending' && x.attempt_count >= 1),
    'a delivery waiting for its retry');
  const twice = await post(`/v1/webhook-deliveries/${retrying.id}/replay`, undefined, { token: admin });
  assert.equal(twice.status, 409, 'a pending message is not sent twice at once');
  const dead = await waitFor(async () => (await deliveriesOf(down)).find((x) => x.status === 'failed'), 'a dead delivery', 15000);
  assert.equal(dead.attempt_count, 4, 'the first attempt and three retries');
  assert.match(dead.last_error, /500/);
  const failed = await get(`/v1/webhooks/${down.id}/deliveries?status=failed`, { token: admin });
  assert.ok(failed.json.items.every((x) => x.status === 'failed'));
  up = true;
  const r = await post(`/v1/webhook-deliveries/${dead.id}/replay`, undefined, { token: admin });
  assert.equal(r.status, 202, r.text);
  await waitFor(async () => (await get(`/v1/webhook-deliveries/${dead.id}`, { token: admin })).json.status === 'delivered', 'the replay');
  assert.equal(new Set(on('/down').map((g) => g.headers['webhook-id'])).size, 1, 'a replay keeps the webhook-id');
  const tst = await post(`/v1/webhooks/${down.id}/test`, undefined, { token: admin });
  assert.equal(tst.status, 202, tst.text);
  const msg = await waitFor(() => on('/down').find((g) => JSON.parse(g.body).type === 'webhook.tested'), 'the test event');
  assert.ok(verify(down.secret, msg));
  assert.equal((await post(`/v1/webhooks/${down.id}/test`, undefined, { token: otherAdmin })).status, 404);
});

test('a rotated secret signs beside the new one for 24 hours', async () => {
  const s = await subscribe('/rotated');
  const r = await post(`/v1/webhooks/${s.id}/rotate-secret`, undefined, { token: admin });
  assert.equal(r.status, 200, r.text);
  assert.notEqual(r.json.secret, s.secret);
  assert.ok(Date.parse(r.json.previous_secret_expires_at) - Date.now() > 23 * 3600e3);
  await report();
  const m1 = await waitFor(() => on('/rotated')[0], 'a delivery after the rotation');
  assert.equal(m1.headers['webhook-signature'].split(' ').length, 2);
  assert.ok(verify(r.json.secret, m1) && verify(s.secret, m1), 'both secrets verify');
  sql(`UPDATE webhook_subscriptions SET previous_expires_at = now() - interval '1 second' WHERE id = '${s.id}'`);
  await report();
  const m2 = await waitFor(() => on('/rotated')[1], 'a delivery after the old secret expired');
  assert.ok(verify(r.json.secret, m2) && !verify(s.secret, m2), 'only the new secret');
});

test('an address that is not allowed is refused at delivery; failing for days disables', async () => {
  // stored without the API's check (as if DNS had changed since): the connection is refused
  const id = sql(`INSERT INTO webhook_subscriptions (org_id, url, event_types) VALUES ('${DEMO.org}',
    'http://10.255.255.1/hook', '{ticket.created}') RETURNING id`).split('\n')[0];
  sql(`UPDATE webhook_subscriptions SET failing_since = now() - interval '6 days' WHERE id = '${id}'`);
  await report();
  const s = await waitFor(async () => {
    const r = (await get(`/v1/webhooks/${id}`, { token: admin })).json;
    return r.active === false && r;
  }, 'disabled after failing for days', 10000);
  assert.match(s.disabled_reason, /every delivery failed since/);
  const [d] = (await get(`/v1/webhooks/${id}/deliveries`, { token: admin })).json.items;
  const log = (await get(`/v1/webhook-deliveries/${d.id}`, { token: admin })).json;
  assert.equal(log.attempts[0].status_code, null);
  assert.match(log.attempts[0].error, /not allowed/);
  assert.ok(log.attempts[0].duration_ms < 1000, 'refused before connecting');
});

test('a delivery instance killed mid-send delivers after its restart, once', async () => {
  let first = true;
  behaviour['/slow'] = () => (first ? 'hang' : [200, {}]);
  await subscribe('/slow');
  await report();
  await waitFor(() => on('/slow').length === 1, 'the first send', 10000);
  deliverer.kill('SIGKILL');
  await new Promise((r) => deliverer.on('exit', r));
  first = false;
  hanging.forEach((r) => r.destroy());
  await startDeliverer();
  await waitFor(() => on('/slow').length === 2, 'the send after the restart', 20000);
  await sleep(1500);
  const sends = on('/slow');
  assert.equal(sends.length, 2, 'sent again once');
  assert.equal(sends[0].headers['webhook-id'], sends[1].headers['webhook-id'], 'the receiver can tell it is the same message');
  const id = sends[0].headers['webhook-id'];
  const d = (await get(`/v1/webhook-deliveries/${id}`, { token: admin })).json;
  assert.equal(d.status, 'delivered');
  assert.deepEqual(d.attempts.map((a) => a.status_code), [200], 'the cut attempt left no half record');
});

test('notification.created carries the recipient\'s device tokens to a push gateway', async () => {
  const push = await subscribe('/push', ['notification.created']);
  const token = `apns-${Date.now().toString(16)}`;
  const dev = await post('/v1/me/devices', { platform: 'ios', token, app_id: 'com.example.propdesk.owner' }, { token: owner1 });
  assert.equal(dev.status, 201, dev.text);
  const t = await report();
  assert.equal((await post(`/v1/tickets/${t.id}/comments`, { body: '师傅明早九点到' }, { token: agent })).status, 201);
  const msg = await waitFor(() => on('/push').find((g) => {
    const b = JSON.parse(g.body);
    return b.data.notification?.user_id === DEMO.users.owner1 && b.data.notification.type === 'ticket.commented';
  }), 'the push message', 10000);
  assert.ok(verify(push.secret, msg));
  const data = JSON.parse(msg.body).data;
  assert.equal(data.type, 'notification.created');
  assert.equal(data.subject_type, 'notification');
  assert.deepEqual(data.devices.find((d) => d.token === token), { platform: 'ios', token, app_id: 'com.example.propdesk.owner' });
  assert.ok(data.devices.every((d) => d.platform && d.app_id), "only the recipient's devices, each whole");
  assert.equal(data.notification.subject_id, t.id);
  assert.deepEqual([data.notification.title, data.notification.body], ['物业回复了您的报事', '师傅明早九点到']);
  assert.deepEqual([data.notification.title_en, data.notification.body_en],
    ['The property office replied to your report', '师傅明早九点到'], 'both languages: the gateway picks by the device');
  assert.equal((await del(`/v1/me/devices/${dev.json.id}`, { token: owner1 })).status, 204);
});

// Announcements (公告) through the contract proxy: the desk drafts, managers and admins publish
// (now, or at a time through the sweep), withdraw, archive and amend; each targeted resident is
// told; the owner's feed shows only what reaches their homes, pinned first, with read and
// acknowledged state; the receipts add up per building; nobody else ever sees a notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { get, post, call, login, fieldsOf, DEMO, waitFor } from './lib.mjs';

const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', process.env.DATABASE_URL, '-c', q]).toString().trim();
const T = {};
const inFuture = (days) => new Date(Date.now() + days * 86400e3).toISOString();
let b3;   // 新苑 3号楼: owner1's and owner3's building

const feed = async (who) => (await get('/v1/me/announcements?limit=100', { token: T[who] })).json.items;
const show = (id, who) => get(`/v1/announcements/${id}`, { token: T[who] });
async function act(id, action, body, who, status = 200) {
  const r = await post(`/v1/announcements/${id}/${action}`, body, { token: T[who] });
  assert.equal(r.status, status, `${action} by ${who}: ${r.text}`);
  return r.json;
}
async function draft(body = {}, who = 'agent') {
  const r = await post('/v1/announcements', { title: '电梯年检通知', body: '本周五上午电梯年检。\n请错峰出行。', category: 'notice',
    audience: 'communities', community_ids: [DEMO.xinyuan], ...body }, { token: T[who] });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const published = async (body = {}, who = 'agent') => act((await draft(body, who)).id, 'publish', {}, 'manager');

test('logins', async () => {
  for (const who of ['owner1', 'owner3', 'owner2', 'otherOwner', 'agent', 'tech', 'super', 'manager', 'quality', 'admin', 'otherAdmin'])
    T[who] = await login(who);
  b3 = sql(`SELECT building_id FROM units u JOIN residencies r ON r.unit_id = u.id WHERE r.user_id = '${DEMO.users.owner1}'
    AND r.status = 'verified' LIMIT 1`);
});

test('the desk drafts; bad input names every field; a place out of reach is 404; the org is for org-wide staff', async () => {
  const bad = await post('/v1/announcements', { title: '', body: 'x'.repeat(20001), category: 'gossip', audience: 'org',
    community_ids: ['nope'], pinned: 'yes', expires_at: 'soon', extra: 1 }, { token: T.agent, expectInvalidRequest: true });
  for (const f of ['title', 'body', 'category', 'community_ids', 'pinned', 'expires_at', 'extra'])
    assert.ok(fieldsOf(bad).includes(f), f);
  // the rules of a category: an emergency expires, an outage gives its window
  assert.deepEqual(fieldsOf(await post('/v1/announcements', { title: '燃气泄漏', body: '请勿使用明火', category: 'emergency',
    audience: 'communities', community_ids: [DEMO.xinyuan] }, { token: T.agent })), ['expires_at']);
  assert.deepEqual(fieldsOf(await post('/v1/announcements', { title: '停电', body: '检修', category: 'outage',
    audience: 'communities', community_ids: [DEMO.xinyuan] }, { token: T.agent })), ['outage_window']);
  assert.deepEqual(fieldsOf(await post('/v1/announcements', { title: '停电', body: '检修', category: 'notice', audience: 'communities',
    community_ids: [DEMO.xinyuan], expires_at: '2020-01-01T00:00:00Z' }, { token: T.agent })), ['expires_at']);
  // the agent serves 新苑 only: not 光华, nor another org, nor the whole org
  for (const community of [DEMO.guanghua, DEMO.otherCommunity]) {
    const r = await post('/v1/announcements', { title: 'x', body: 'x', category: 'notice', audience: 'communities',
      community_ids: [community] }, { token: T.agent });
    assert.equal(r.status, 404, r.text);
  }
  assert.deepEqual(fieldsOf(await post('/v1/announcements', { title: 'x', body: 'x', category: 'notice', audience: 'org' },
    { token: T.agent })), ['audience']);
  for (const who of ['owner1', 'tech', 'quality'])
    assert.equal((await post('/v1/announcements', { title: 'x', body: 'x', category: 'notice', audience: 'org' },
      { token: T[who] })).status, 403, who);
  // an emergency is always pinned
  const e = await draft({ category: 'emergency', title: '紧急停水', expires_at: inFuture(1) });
  assert.equal(e.pinned, true);
  assert.equal(e.status, 'draft');
  assert.deepEqual(e.allowed_actions, ['update']);
  // the desk edits a draft; only managers and admins publish
  const upd = await call('PATCH', `/v1/announcements/${e.id}`, { token: T.agent, body: { body: '今晚22点起紧急停水，请储水。' },
    headers: { 'if-match': `"${e.version}"` } });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.json.body, '今晚22点起紧急停水，请储水。');
  await act(e.id, 'publish', {}, 'agent', 403);
  assert.deepEqual((await show(e.id, 'manager')).json.allowed_actions.sort(), ['publish', 'schedule', 'update']);
  // owners see no draft
  assert.equal((await show(e.id, 'owner1')).status, 404);
});

test('publishing tells every targeted resident; the feed shows only what reaches the owner, pinned first', async () => {
  const plain = await published({ title: '小区消杀通知' });
  const pinned = await published({ title: '置顶：物业费调整公示', category: 'fee_disclosure', pinned: true });
  const building = await published({ title: '3号楼水箱清洗', audience: 'buildings', building_ids: [b3], community_ids: undefined });
  const other = await published({ title: '光华小区通知', community_ids: [DEMO.guanghua] }, 'admin');
  assert.equal(plain.status, 'published');
  assert.ok(plain.published_at);
  for (const who of ['owner1', 'owner3']) {
    const inbox = (await get('/v1/me/notifications?limit=100', { token: T[who] })).json.items;
    assert.ok(inbox.some((n) => n.type === 'announcement.published' && n.subject_id === plain.id), who);
  }
  const mine = (await feed('owner1')).map((a) => a.id);
  assert.ok(mine.includes(plain.id) && mine.includes(building.id) && !mine.includes(other.id));
  assert.ok(mine.indexOf(pinned.id) < mine.indexOf(plain.id), 'pinned first');
  assert.ok(mine.indexOf(building.id) < mine.indexOf(plain.id), 'then the newest');
  // the owner of another community, another org: never, anywhere
  assert.ok(!(await feed('owner2')).some((a) => a.id === plain.id));
  assert.ok((await feed('owner2')).some((a) => a.id === other.id));
  for (const who of ['owner2', 'otherOwner', 'otherAdmin']) assert.equal((await show(plain.id, who)).status, 404, who);
  assert.equal((await get(`/v1/announcements/${plain.id}/receipts`, { token: T.owner1 })).status, 403);
  assert.equal((await get(`/v1/announcements/${plain.id}/receipts`, { token: T.otherAdmin })).status, 404);
  // staff lists: the agent sees 新苑's, not 光华's
  const listed = (await get('/v1/announcements?limit=100', { token: T.agent })).json.items.map((a) => a.id);
  assert.ok(listed.includes(plain.id) && !listed.includes(other.id));
  const pinnedOnly = (await get('/v1/announcements?pinned=true&limit=100', { token: T.manager })).json.items;
  assert.ok(pinnedOnly.every((a) => a.pinned) && pinnedOnly.some((a) => a.id === pinned.id));
});

test('opening marks read; acknowledging is idempotent; receipts add up per building', async () => {
  const a = await published({ title: '消防演练，请确认已阅', requires_ack: true });
  assert.equal((await feed('owner1')).find((x) => x.id === a.id).read_at, null);
  const opened = (await show(a.id, 'owner1')).json;
  assert.ok(opened.read_at);
  assert.deepEqual(opened.allowed_actions, ['ack']);
  const acked = await act(a.id, 'ack', {}, 'owner1');
  assert.ok(acked.acked_at);
  assert.equal((await act(a.id, 'ack', {}, 'owner1')).acked_at, acked.acked_at, 'again: no change');
  await act(a.id, 'ack', {}, 'owner2', 404);
  const plain = await published({ title: '无需确认' });
  await act(plain.id, 'ack', {}, 'owner1', 409);
  // owner3 reads but does not acknowledge
  await show(a.id, 'owner3');
  const r = await get(`/v1/announcements/${a.id}/receipts`, { token: T.super });
  assert.equal(r.status, 200, r.text);
  const n = (q) => Number(sql(q));
  const units = `SELECT u.id FROM units u WHERE u.community_id = '${DEMO.xinyuan}'`;
  assert.equal(r.json.totals.households, n(`SELECT count(*) FROM (${units}) x`));
  const residents = n(`SELECT count(DISTINCT r.user_id) FROM residencies r WHERE r.status = 'verified' AND r.unit_id IN (${units})`);
  assert.equal(r.json.totals.residents, residents);
  assert.equal(r.json.totals.residents_read, 2);
  assert.equal(r.json.totals.residents_acked, 1);
  const sum = (k) => r.json.buildings.reduce((s, b) => s + b[k], 0);
  for (const k of ['households', 'reachable_households', 'residents', 'households_read', 'households_acked'])
    assert.equal(sum(k), r.json.totals[k], k);
  const third = r.json.buildings.find((b) => b.building_id === b3);
  assert.equal(third.households_read, 2);
  assert.equal(third.households_acked, 1);
  assert.equal(third.read_rate, Math.round((2 / third.reachable_households) * 1e4) / 1e4);
  // every unit without an acknowledgement, owner3's among them, owner1's not
  const home = (who) => sql(`SELECT unit_id FROM residencies WHERE user_id = '${DEMO.users[who]}' AND status = 'verified' LIMIT 1`);
  const unacked = r.json.unacknowledged_units.map((u) => u.unit_id);
  assert.equal(r.json.unacknowledged_total, r.json.totals.households - r.json.totals.households_acked);
  assert.equal(unacked.length, Math.min(1000, r.json.unacknowledged_total));
  assert.ok(unacked.includes(home('owner3')) && !unacked.includes(home('owner1')));
  // an org-wide notice: the 新苑 supervisor's receipts hold 新苑's buildings only, the manager's all
  const org = await published({ title: '全公司：春节值班安排', audience: 'org', community_ids: undefined }, 'admin');
  const mine = (await get(`/v1/announcements/${org.id}/receipts`, { token: T.super })).json;
  const all = (await get(`/v1/announcements/${org.id}/receipts`, { token: T.manager })).json;
  assert.ok(mine.buildings.length > 0 && mine.buildings.every((b) => b.community_id === DEMO.xinyuan));
  assert.ok(all.buildings.some((b) => b.community_id === DEMO.guanghua));
  assert.equal(mine.totals.households, Number(sql(`SELECT count(*) FROM units WHERE community_id = '${DEMO.xinyuan}'`)));
});

test('scheduled publication and expiry run from the sweep, once', async () => {
  const d = await draft({ title: '定时：停车场划线施工' });
  assert.deepEqual(fieldsOf(await post(`/v1/announcements/${d.id}/schedule`, { publish_at: '2020-01-01T00:00:00Z' },
    { token: T.manager })), ['publish_at']);
  const s = await act(d.id, 'schedule', { publish_at: inFuture(1) }, 'manager');
  assert.equal(s.status, 'scheduled');
  assert.ok(!(await feed('owner1')).some((x) => x.id === d.id), 'not out yet');
  sql(`UPDATE announcements SET publish_at = now() - interval '1 second' WHERE id = '${d.id}'`);
  await waitFor(async () => (await feed('owner1')).some((x) => x.id === d.id), 'the scheduled publication');
  assert.equal(sql(`SELECT count(*) FROM events WHERE subject_id = '${d.id}' AND type = 'announcement.published'`), '1');
  assert.equal(sql(`SELECT count(*) FROM notifications WHERE subject_id = '${d.id}' AND user_id = '${DEMO.users.owner1}'`), '1');
  // expiry
  const e = await published({ title: '即将过期', expires_at: inFuture(1) });
  sql(`UPDATE announcements SET expires_at = now() - interval '1 second', publish_at = NULL WHERE id = '${e.id}'`);
  await waitFor(async () => (await show(e.id, 'manager')).json.status === 'expired', 'the expiry');
  assert.ok(!(await feed('owner1')).some((x) => x.id === e.id));
  assert.equal((await show(e.id, 'owner1')).status, 404);
  assert.deepEqual((await show(e.id, 'manager')).json.allowed_actions, ['archive']);
  // a scheduled one the sweep reaches after its expiry never goes out
  const late = await draft({ title: '过期的定时通知', expires_at: inFuture(2) });
  await act(late.id, 'schedule', { publish_at: inFuture(1) }, 'manager');
  sql(`UPDATE announcements SET publish_at = now() - interval '2 seconds', expires_at = now() - interval '1 second' WHERE id = '${late.id}'`);
  await waitFor(async () => (await show(late.id, 'manager')).json.status === 'expired', 'the late one expiring');
  assert.equal(sql(`SELECT count(*) FROM events WHERE subject_id = '${late.id}' AND type = 'announcement.published'`), '0');
  assert.equal((await act(e.id, 'archive', {}, 'manager')).status, 'archived');
});

test('a published notice is corrected by a new version; withdrawn ones leave the feed', async () => {
  const a = await published({ title: '周六游园活动', category: 'event' });
  await act(a.id, 'amend', { title: 'x' }, 'agent', 403);
  const r = await post(`/v1/announcements/${a.id}/amend`, { body: '活动改为周日上午9点。' }, { token: T.manager });
  assert.equal(r.status, 201, r.text);
  const v2 = r.json;
  assert.deepEqual([v2.status, v2.amended, v2.amends_id, v2.title, v2.body], ['published', true, a.id, a.title, '活动改为周日上午9点。']);
  const old = (await show(a.id, 'manager')).json;
  assert.deepEqual([old.status, old.amended_by_id], ['archived', v2.id]);
  const mine = (await feed('owner1')).map((x) => x.id);
  assert.ok(mine.includes(v2.id) && !mine.includes(a.id));
  const inbox = (await get('/v1/me/notifications?limit=100', { token: T.owner1 })).json.items;
  assert.ok(inbox.some((n) => n.subject_id === v2.id && n.title.startsWith('[Correction] ')));
  const w = await act(v2.id, 'withdraw', { reason: '活动取消' }, 'manager');
  assert.deepEqual([w.status, w.withdraw_reason], ['withdrawn', '活动取消']);
  assert.ok(!(await feed('owner1')).some((x) => x.id === v2.id));
  await act(v2.id, 'publish', {}, 'manager', 409);
});

test('a notice\'s attachments: the author\'s uploads; its readers download them once it is out', async () => {
  const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb004300ffd9', 'hex');
  const up = async (who) => (await call('POST', '/v1/attachments', { token: T[who], raw: jpeg, direct: true,
    headers: { 'content-type': 'image/jpeg' } })).json;
  const notMine = await up('owner1');
  assert.deepEqual(fieldsOf(await post('/v1/announcements', { title: '附图', body: '见附图', category: 'notice',
    audience: 'communities', community_ids: [DEMO.xinyuan], attachment_ids: [notMine.id] }, { token: T.agent })),
  ['attachment_ids[0]']);
  const photo = await up('agent');
  const d = await draft({ title: '附图：施工区域', attachment_ids: [photo.id] });
  const fetchAs = (who) => call('GET', `/v1/attachments/${photo.id}`, { token: T[who], direct: true });
  assert.equal((await fetchAs('owner1')).status, 404, 'not out yet');
  await act(d.id, 'publish', {}, 'manager');
  for (const who of ['owner1', 'owner3', 'super']) assert.equal((await fetchAs(who)).status, 200, who);
  for (const who of ['owner2', 'otherOwner']) assert.equal((await fetchAs(who)).status, 404, who);
});

test('the monthly service report: a draft written from the month\'s figures, which match the data', async () => {
  // two repairs worked to the end, moved back to March 2025 (a month nobody else writes)
  const ids = [];
  for (const description of ['厨房水管漏水', '卫生间下水道堵塞']) {
    const t = (await post('/v1/tickets', { kind: 'repair', category: 'plumbing', description,
      unit_id: (await get('/v1/me', { token: T.owner1 })).json.units[0].id }, { token: T.owner1 })).json;
    const d = (await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: DEMO.users.tech }, { token: T.agent })).json;
    for (const [action, body] of [['accept', {}], ['start', {}], ['complete', { notes: '已修好', labor_minutes: 20 }]])
      assert.equal((await post(`/v1/work-orders/${d.work_orders[0].id}/${action}`, body, { token: T.tech })).status, 200);
    ids.push(t.id);
  }
  const list = ids.map((x) => `'${x}'`).join(',');
  const shift = `(now() - timestamptz '2025-03-15 10:00+08')`;
  sql(`UPDATE tickets SET created_at = created_at - ${shift}, resolved_at = resolved_at - ${shift} WHERE id IN (${list})`);
  sql(`UPDATE clocks SET started_at = started_at - ${shift}, met_at = met_at - ${shift}, due = due - ${shift}
       WHERE subject_type = 'ticket' AND subject_id IN (${list})`);
  const r = await post('/v1/announcements/service-report', { community_id: DEMO.xinyuan, month: '2025-03' }, { token: T.manager });
  assert.equal(r.status, 201, r.text);
  const a = r.json;
  assert.deepEqual([a.status, a.category, a.audience, a.community_ids], ['draft', 'service_report', 'communities', [DEMO.xinyuan]]);
  assert.equal(a.title, '新苑小区2025年3月服务简报');
  const t = a.report.tickets;
  // March 2025 holds these two (and those of an earlier run on the same database)
  const march = `SELECT id FROM tickets WHERE community_id = '${DEMO.xinyuan}'
    AND created_at >= '2025-03-01 00:00+08' AND created_at < '2025-04-01 00:00+08'`;
  const n = Number(sql(`SELECT count(*) FROM (${march}) x`));
  assert.ok(n >= 2);
  assert.deepEqual([t.received, t.resolved, t.by_category], [n, n, [{ category: 'plumbing', received: n, resolved: n }]]);
  const median = (name) => Number(sql(`SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM met_at - started_at) / 60))::numeric, 1)
    FROM clocks WHERE subject_type = 'ticket' AND subject_id IN (${march}) AND name = '${name}'`));
  for (const name of ['contact', 'arrival', 'resolution']) {
    assert.equal(t.times[name].median_minutes, median(name), name);
    assert.equal(t.times[name].met_on_time_rate, 1, name);
  }
  assert.equal(t.sla_compliance, 1);
  assert.match(a.body, new RegExp(`本月共受理报事 ${n} 件，处理完成 ${n} 件。按类别：给排水 ${n} 件（完成 ${n} 件）。`));
  assert.match(a.body, /时效达标率：100\.0%/);
  assert.match(a.body, /本小区尚无已结束的满意度调查/);
  assert.equal(a.report.survey.available, false);
  // last month's complaints, as the table has them
  const month = sql(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai' - interval '1 month', 'YYYY-MM')`);
  const last = (await post('/v1/announcements/service-report', { community_id: DEMO.xinyuan, month }, { token: T.super })).json;
  assert.equal(last.report.complaints.received, Number(sql(`SELECT count(*) FROM complaints WHERE community_id = '${DEMO.xinyuan}'
    AND merged_into IS NULL AND (created_at AT TIME ZONE 'Asia/Shanghai') >= '${month}-01'::date
    AND (created_at AT TIME ZONE 'Asia/Shanghai') < '${month}-01'::date + interval '1 month'`)));
  assert.match(last.body, new RegExp(`本月收到投诉 ${last.report.complaints.received} 件`));
  // a manager edits and publishes it like any notice; it stays a service report; owners read
  // its text, not its figures nor who wrote it
  assert.deepEqual(fieldsOf(await call('PATCH', `/v1/announcements/${last.id}`, { token: T.manager, body: { category: 'notice' } })),
    ['category']);
  assert.deepEqual(fieldsOf(await post('/v1/announcements', { title: '简报', body: '手写的简报', category: 'service_report',
    audience: 'communities', community_ids: [DEMO.xinyuan] }, { token: T.manager })), ['category']);
  const pub = await act(last.id, 'publish', {}, 'manager');
  assert.equal(pub.status, 'published');
  const seen = (await show(last.id, 'owner1')).json;
  assert.deepEqual([seen.report, seen.created_by, seen.published_by, seen.body], [null, null, null, last.body]);
  assert.ok((await show(last.id, 'manager')).json.report.tickets);
  // refused: a month not ended, a community out of reach, the desk and owners
  const thisMonth = sql(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`);
  for (const m of [thisMonth, '2031-01'])
    assert.deepEqual(fieldsOf(await post('/v1/announcements/service-report', { community_id: DEMO.xinyuan, month: m },
      { token: T.manager })), ['month'], m);
  assert.equal((await post('/v1/announcements/service-report', { community_id: DEMO.otherCommunity, month },
    { token: T.manager })).status, 404);
  for (const who of ['agent', 'owner1'])
    assert.equal((await post('/v1/announcements/service-report', { community_id: DEMO.xinyuan, month }, { token: T[who] })).status,
      403, who);
});

test('integration clients read announcements with announcements:read, and only then', async () => {
  const made = await post('/v1/api-clients', { name: '公告对接', scopes: ['announcements:read'] }, { token: T.admin });
  assert.equal(made.status, 201, made.text);
  const tok = (await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: made.json.client_id,
    client_secret: made.json.client_secret })).json.access_token;
  const r = await get('/v1/announcements?limit=5', { token: tok });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.items.length > 0);
  assert.equal((await post('/v1/announcements', { title: 'x', body: 'x', category: 'notice', audience: 'org' }, { token: tok })).status, 403);
  const other = await post('/v1/api-clients', { name: '报事对接', scopes: ['tickets:read'] }, { token: T.admin });
  const tok2 = (await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: other.json.client_id,
    client_secret: other.json.client_secret })).json.access_token;
  assert.equal((await get('/v1/announcements', { token: tok2 })).status, 403);
});

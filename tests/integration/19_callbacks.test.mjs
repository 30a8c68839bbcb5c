// Callbacks (回访) through the contract proxy: the system schedules them when a repair ticket
// closes (per the policy's rate) and when a valid complaint is replied to (never an anonymous
// one, nor one a superior body wanted a written reply to); staff ask for others; the desk
// takes them from the queue; attempts are retried through the job table until the last fails
// it; a visit needs the owner's signature; owners answer in the app when asked; supervisors
// approve or return them; who sees which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { get, post, call, login, fieldsOf, DEMO, waitFor } from './lib.mjs';

const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', process.env.DATABASE_URL, '-c', q]).toString().trim();
const U = DEMO.users;
const T = {};
let unit1;

const inbox = async (who) => (await get('/v1/me/notifications?limit=100', { token: T[who] })).json.items;
const show = (id, who) => get(`/v1/callbacks/${id}`, { token: T[who] });
async function act(id, action, body, who, status = 200) {
  const r = await post(`/v1/callbacks/${id}/${action}`, body, { token: T[who] });
  assert.equal(r.status, status, `${action} by ${who}: ${r.text}`);
  return r.json;
}
const of = async (source) => (await get(`/v1/callbacks?source_id=${source}`, { token: T.manager })).json.items;

/* A repair ticket of owner1's unit, worked and resolved, ready to close. */
async function resolvedTicket(extra = {}, who = 'owner1') {
  const t = (await post('/v1/tickets', { kind: 'repair', category: 'plumbing', description: '水管漏水', unit_id: unit1, ...extra },
    { token: T[who] })).json;
  const d = (await post(`/v1/tickets/${t.id}/dispatch`, { mode: 'assign', assignee_id: U.tech }, { token: T.agent })).json;
  const wo = d.work_orders[0].id;
  for (const [a, body] of [['accept', {}], ['start', {}], ['complete', { notes: '已修好', labor_minutes: 30 }]])
    assert.equal((await post(`/v1/work-orders/${wo}/${a}`, body, { token: T.tech })).status, 200);
  return t;
}

async function staffCallback(body = {}, who = 'agent') {
  const r = await post('/v1/callbacks', { kind: 'opinion', unit_id: unit1, purpose: '业主意见征询',
    window_end: new Date(Date.now() + 3 * 86400e3).toISOString(), ...body }, { token: T[who] });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('logins', async () => {
  for (const who of ['owner1', 'owner3', 'owner2', 'agent', 'tech', 'super', 'engSuper', 'manager', 'quality', 'admin', 'otherAdmin'])
    T[who] = await login(who);
  unit1 = (await get('/v1/me', { token: T.owner1 })).json.units[0].id;
});

test('a repair ticket that closes gets its callback, a week to ten days later, assigned to customer service, once', async () => {
  const t = await resolvedTicket();
  assert.equal((await post(`/v1/tickets/${t.id}/confirm`, { rating: 5 }, { token: T.owner1 })).status, 200);
  const [k] = await of(t.id);
  assert.ok(k, 'a callback was scheduled');
  assert.equal(k.kind, 'repair');
  assert.equal(k.status, 'scheduled');
  assert.equal(k.source_type, 'ticket');
  assert.equal(k.source_number, t.number);
  assert.equal(k.resident_id, U.owner1);
  assert.equal(k.assignee_id, U.super, "the community's customer-service supervisor");
  const days = (x) => Math.round((Date.parse(x) - Date.parse(k.created_at)) / 86400e3);
  assert.deepEqual([days(k.window_start), days(k.window_end)], [7, 10]);
  assert.ok((await inbox('super')).some((n) => n.type === 'callback.assigned' && n.subject_id === k.id));
  // never twice for one source
  assert.equal(sql(`SELECT pd_callback_from_ticket('${DEMO.org}', '${t.id}') IS NULL`), 't');
  assert.equal((await of(t.id)).length, 1);
  // the window opens: the sweep makes it open and tells the assignee
  sql(`UPDATE callbacks SET window_start = now() - interval '1 second' WHERE id = '${k.id}'`);
  await waitFor(async () => (await show(k.id, 'super')).json.status === 'open', 'the window to open');
  assert.ok((await inbox('super')).some((n) => n.type === 'callback.opened' && n.subject_id === k.id));
});

test('the policy samples: a community at rate 0 gets no repair callbacks; inquiries never do', async () => {
  const policy = (await get('/v1/sla-policy', { token: T.super })).json;
  assert.deepEqual(policy.callback_defaults.map((d) => [d.source_kind, d.rate, d.window_start_hours, d.window_end_hours]),
    [['repair', 1, 168, 240], ['help', 0, 24, 168], ['complaint', 1, 0, 72]]);
  const body = { community_id: DEMO.xinyuan, source_kind: 'repair', rate: 0, window_start_hours: 168, window_end_hours: 240,
    max_attempts: 3, retry_hours: 24, on_unsatisfied: 'reopen' };
  assert.equal((await post('/v1/sla-policy/callback-targets', body, { token: T.super })).status, 403);
  const made = await post('/v1/sla-policy/callback-targets', body, { token: T.admin });
  assert.equal(made.status, 201, made.text);
  try {
    assert.equal((await post('/v1/sla-policy/callback-targets', body, { token: T.admin })).status, 409);
    const t = await resolvedTicket();
    assert.equal((await post(`/v1/tickets/${t.id}/close`, {}, { token: T.agent })).status, 200);
    assert.deepEqual(await of(t.id), []);
  } finally {
    assert.equal((await call('DELETE', `/v1/sla-policy/callback-targets/${made.json.id}`, { token: T.admin })).status, 204);
  }
  const bad = await post('/v1/sla-policy/callback-targets', { source_kind: 'complaint', rate: 2, window_start_hours: 10,
    window_end_hours: 5, max_attempts: 0, retry_hours: 1, on_unsatisfied: 'reopen' }, { token: T.admin, expectInvalidRequest: true });
  assert.deepEqual(fieldsOf(bad).sort(), ['max_attempts', 'on_unsatisfied', 'rate', 'window_end_hours']);
  const q = (await post('/v1/tickets', { kind: 'inquiry', category: 'other', description: '物业费怎么交', unit_id: unit1 },
    { token: T.owner1 })).json;
  await post(`/v1/tickets/${q.id}/reply`, { reply: '在App缴费' }, { token: T.agent });
  await post(`/v1/tickets/${q.id}/close`, {}, { token: T.agent });
  assert.deepEqual(await of(q.id), []);
});

async function repliedComplaint(body = {}, severity = 'general') {
  const c = (await post('/v1/complaints', { community_id: DEMO.xinyuan, description: '电梯故障', subject: { department: 'engineering' },
    ...body }, { token: T.owner1 })).json;
  await post(`/v1/complaints/${c.id}/accept`, { nature: 'valid', content: 'facilities', severity }, { token: T.agent });
  await post(`/v1/complaints/${c.id}/forward`, { departments: ['engineering'] }, { token: T.agent });
  await post(`/v1/complaints/${c.id}/acknowledge`, {}, { token: T.engSuper });
  await post(`/v1/complaints/${c.id}/resolve`, { result: '已修复', root_cause: '老化', corrective_action: '更换' }, { token: T.engSuper });
  const r = await post(`/v1/complaints/${c.id}/reply`, { method: 'phone', content: '已修复' }, { token: T.agent });
  assert.equal(r.status, 200, r.text);
  return c;
}

test('a replied complaint gets its callback within three days, from the right person; never an anonymous one', async () => {
  const c = await repliedComplaint();
  const [k] = await of(c.id);
  assert.equal(k.kind, 'complaint');
  assert.equal(k.status, 'open', 'its window opens at once');
  assert.equal(Math.round((Date.parse(k.window_end) - Date.parse(k.created_at)) / 3600e3), 72);
  assert.equal(k.assignee_id, U.engSuper, 'the head of the department complained about');
  const major = await repliedComplaint({}, 'major');
  assert.equal((await of(major.id))[0].assignee_id, U.manager, 'a major complaint: the manager');
  const anonymous = await repliedComplaint({ anonymous: true });
  assert.deepEqual(await of(anonymous.id), [], '第十九条: no callback for an anonymous complaint');
  const written = (await post('/v1/complaints', { community_id: DEMO.xinyuan, channel: 'superior', written_reply_only: true,
    contact_name: '街道办', description: '转办：噪音扰民' }, { token: T.agent })).json;
  await post(`/v1/complaints/${written.id}/accept`, { nature: 'communicative', communicative_kind: 'inquiry',
    content: 'other', severity: 'general' }, { token: T.agent });
  await post(`/v1/complaints/${written.id}/reply`, { method: 'letter', content: '书面答复' }, { token: T.agent });
  assert.deepEqual(await of(written.id), []);
});

test('staff ask for a callback; it waits in the queue; attempts are retried until the last fails it', async () => {
  const k = await staffCallback();
  assert.equal(k.status, 'open');
  assert.equal(k.assignee_id, null);
  assert.ok(k.allowed_actions.includes('take'));
  const queue = (await get('/v1/callbacks?unassigned=true&limit=100', { token: T.agent })).json.items;
  assert.ok(queue.some((x) => x.id === k.id));
  // only the assignee records attempts
  await act(k.id, 'attempt', { method: 'phone', outcome: 'unreachable' }, 'agent', 403);
  await act(k.id, 'take', {}, 'agent');
  assert.equal((await post(`/v1/callbacks/${k.id}/take`, {}, { token: T.super })).status, 409, 'already taken');
  const first = await act(k.id, 'attempt', { method: 'phone', outcome: 'unreachable', notes: '无人接听' }, 'agent');
  assert.equal(first.status, 'open');
  assert.equal(first.attempts.length, 1);
  // the next attempt is a job of the job table, due a day later: brought forward, it reminds the agent
  assert.equal(sql(`SELECT count(*) FROM jobs WHERE kind = 'callback_retry' AND payload->>'callback_id' = '${k.id}'`), '1');
  sql(`UPDATE jobs SET run_at = now() WHERE kind = 'callback_retry' AND payload->>'callback_id' = '${k.id}'`);
  await waitFor(async () => (await inbox('agent')).some((n) => n.type === 'callback.retry_due' && n.subject_id === k.id),
    'the retry reminder');
  await act(k.id, 'attempt', { method: 'phone', outcome: 'unreachable' }, 'agent');
  const last = await act(k.id, 'attempt', { method: 'visit', outcome: 'unreachable', notes: '上门无人' }, 'agent');
  assert.equal(last.status, 'failed');
  assert.deepEqual(last.allowed_actions, []);
  assert.ok((await inbox('super')).some((n) => n.type === 'callback.failed' && n.subject_id === k.id));
  const timeline = (await get(`/v1/callbacks/${k.id}/events`, { token: T.agent })).json.items.map((e) => e.type);
  assert.deepEqual(timeline, ['callback.created', 'callback.taken', 'callback.attempted', 'callback.retry_due',
    'callback.attempted', 'callback.failed']);
});

test('a visit needs the signature; a supervisor returns it, then approves it', async () => {
  const k = await staffCallback({ assignee_id: U.agent, kind: 'move_in' });
  const bad = await post(`/v1/callbacks/${k.id}/complete`, { method: 'visit', satisfaction: 'satisfied' }, { token: T.agent });
  assert.deepEqual(fieldsOf(bad), ['signature_id']);
  const notMine = (await call('POST', '/v1/attachments', { token: T.owner1, raw: Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb004300ffd9', 'hex'),
    direct: true, headers: { 'content-type': 'image/jpeg' } })).json;
  assert.deepEqual(fieldsOf(await post(`/v1/callbacks/${k.id}/complete`, { method: 'visit', satisfaction: 'satisfied',
    signature_id: notMine.id }, { token: T.agent })), ['signature_id']);
  const sig = (await call('POST', '/v1/attachments', { token: T.agent, raw: Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb004300ffd9', 'hex'),
    direct: true, headers: { 'content-type': 'image/jpeg' } })).json;
  const done = await act(k.id, 'complete', { method: 'visit', satisfaction: 'very_satisfied', comment: '很好',
    signature_id: sig.id }, 'agent');
  assert.equal(done.status, 'completed');
  assert.equal(done.signature_id, sig.id);
  await act(k.id, 'approve', {}, 'agent', 403);
  const back = await act(k.id, 'return', { reason: '签字不清晰，请重新上门' }, 'super');
  assert.equal(back.status, 'open');
  assert.equal(back.returned_count, 1);
  assert.equal(back.satisfaction, null);
  assert.deepEqual(back.attempts, [], 'a return starts the tries afresh');
  assert.ok((await inbox('agent')).some((n) => n.type === 'callback.returned' && n.subject_id === k.id));
  await act(k.id, 'complete', { method: 'phone', satisfaction: 'satisfied' }, 'agent');
  const ok = await act(k.id, 'approve', { note: '已核实' }, 'super');
  assert.equal(ok.status, 'reviewed');
  assert.equal(ok.reviewed_by, U.super);
  // nobody reviews their own callback
  const own = await staffCallback({ assignee_id: U.super });
  await act(own.id, 'complete', { method: 'phone', satisfaction: 'satisfied' }, 'super');
  await act(own.id, 'approve', {}, 'super', 403);
  await act(own.id, 'return', { reason: '自查' }, 'super', 403);
  assert.equal((await act(own.id, 'approve', {}, 'manager')).status, 'reviewed');
});

test('owners answer in the app when asked, and see nothing else', async () => {
  const k = await staffCallback({ assignee_id: U.agent });
  assert.equal((await show(k.id, 'owner1')).status, 404, 'not asked yet');
  assert.equal((await get('/v1/me/callbacks', { token: T.owner1 })).json.items.some((x) => x.id === k.id), false);
  await act(k.id, 'request', {}, 'agent');
  assert.ok((await inbox('owner1')).some((n) => n.type === 'callback.requested' && n.subject_id === k.id));
  const mine = (await get('/v1/me/callbacks', { token: T.owner1 })).json.items;
  assert.ok(mine.some((x) => x.id === k.id));
  assert.deepEqual((await show(k.id, 'owner1')).json.allowed_actions, ['respond']);
  assert.equal((await show(k.id, 'owner3')).status, 404);
  await act(k.id, 'respond', { satisfaction: 'dissatisfied' }, 'owner3', 404);
  const answered = await act(k.id, 'respond', { satisfaction: 'neutral', comment: '维修及时，但态度一般' }, 'owner1');
  assert.equal(answered.status, 'completed');
  assert.equal(answered.owner_confirmed, true);
  assert.equal(answered.method, 'in_app');
  // owners never list staff callbacks, nor reach the staff list
  assert.equal((await get('/v1/callbacks', { token: T.owner1 })).status, 403);
  // a visit the owner confirms in the app is a signed visit
  const v = await staffCallback({ assignee_id: U.agent });
  await act(v.id, 'attempt', { method: 'visit', outcome: 'reached' }, 'agent');
  await act(v.id, 'request', { confirm_visit: true }, 'agent');
  // the staff's notes of their tries are theirs: the owner sees none of them, nor their events
  assert.equal((await show(v.id, 'agent')).json.attempts.length, 1);
  assert.deepEqual((await show(v.id, 'owner1')).json.attempts, []);
  const ownerTimeline = (await get(`/v1/callbacks/${v.id}/events`, { token: T.owner1 })).json.items.map((e) => e.type);
  assert.ok(!ownerTimeline.includes('callback.attempted') && ownerTimeline.includes('callback.requested'), ownerTimeline);
  const confirmed = await act(v.id, 'respond', { satisfaction: 'very_satisfied' }, 'owner1');
  assert.deepEqual([confirmed.method, confirmed.owner_confirmed, confirmed.signature_id], ['visit', true, null]);
});

test('who sees which: the community, the assignee for technicians, no other org; the phone masked for quality', async () => {
  const k = await staffCallback({ contact_phone: '13912345678' });
  for (const who of ['agent', 'super', 'manager', 'quality', 'admin'])
    assert.equal((await show(k.id, who)).status, 200, who);
  for (const who of ['tech', 'otherAdmin', 'owner2'])
    assert.equal((await show(k.id, who)).status, 404, who);
  assert.equal((await show(k.id, 'quality')).json.contact_phone, '139****5678');
  assert.equal((await show(k.id, 'agent')).json.contact_phone, '13912345678');
  await act(k.id, 'reassign', { assignee_id: U.tech }, 'super');
  assert.equal((await show(k.id, 'tech')).status, 200, 'a technician sees what is assigned to them');
  assert.deepEqual(fieldsOf(await post(`/v1/callbacks/${k.id}/reassign`, { assignee_id: U.owner1 }, { token: T.super })),
    ['assignee_id']);
  await act(k.id, 'cancel', { reason: '业主已搬离' }, 'super');
  // overdue: a window that ended before it was done
  const late = await staffCallback();
  sql(`UPDATE callbacks SET window_start = now() - interval '2 days', window_end = now() - interval '1 hour' WHERE id = '${late.id}'`);
  assert.ok((await get('/v1/callbacks?overdue=true&limit=100', { token: T.agent })).json.items.some((x) => x.id === late.id));
});

test('bad input names every field; a place out of reach is 404', async () => {
  const r = await post('/v1/callbacks', { kind: 'repair', unit_id: 'x', window_start: 'soon', window_end: '2020-01-01T00:00:00Z',
    contact_phone: 'abc', extra: 1 }, { token: T.agent, expectInvalidRequest: true });
  for (const f of ['kind', 'unit_id', 'window_start', 'contact_phone', 'extra'])
    assert.ok(fieldsOf(r).includes(f), f);
  const past = await post('/v1/callbacks', { kind: 'opinion', unit_id: unit1, window_end: '2020-01-01T00:00:00Z' }, { token: T.agent });
  assert.deepEqual(fieldsOf(past), ['window_end']);
  const far = await post('/v1/callbacks', { kind: 'opinion', resident_id: U.owner2,
    window_end: new Date(Date.now() + 86400e3).toISOString() }, { token: T.agent });
  assert.equal(far.status, 404, '光华 is not the agent\'s');
  const k = await staffCallback({ assignee_id: U.agent });
  assert.deepEqual(fieldsOf(await post(`/v1/callbacks/${k.id}/attempt`, { method: 'fax', outcome: 'maybe' },
    { token: T.agent, expectInvalidRequest: true })).sort(), ['method', 'outcome']);
  assert.deepEqual(fieldsOf(await post(`/v1/callbacks/${k.id}/complete`, { method: 'phone', satisfaction: 'meh' },
    { token: T.agent, expectInvalidRequest: true })), ['satisfaction']);
});

test('an unsatisfied result follows up its source: the repair is reopened, the complaint gets a follow-up complaint', async () => {
  const t = await resolvedTicket();
  await post(`/v1/tickets/${t.id}/confirm`, { rating: 3 }, { token: T.owner1 });
  const [k] = await of(t.id);
  sql(`UPDATE callbacks SET status = 'open', window_start = now() WHERE id = '${k.id}'`);
  const done = await act(k.id, 'complete', { method: 'phone', satisfaction: 'very_dissatisfied', comment: '还是漏水' }, 'super');
  assert.deepEqual(done.follow_up, { type: 'ticket', id: t.id, number: t.number });
  const reopened = (await get(`/v1/tickets/${t.id}`, { token: T.agent })).json;
  assert.equal(reopened.status, 'reopened');
  assert.equal(reopened.reopen_count, 1);
  assert.ok(reopened.allowed_actions.includes('dispatch'), 'back to the desk for dispatch');
  const timeline = (await get(`/v1/tickets/${t.id}/events`, { token: T.agent })).json.items;
  const ev = timeline.at(-1);
  assert.equal(ev.event_type, 'ticket.reopened');
  assert.match(ev.details.reason, /回访不满意/);
  // a complaint's unhappy callback opens a follow-up complaint, received by the callback's assignee
  const c = await repliedComplaint();
  const [kc] = await of(c.id);
  const answered = await act(kc.id, 'complete', { method: 'phone', satisfaction: 'dissatisfied', comment: '问题没有根治' },
    'engSuper');
  assert.equal(answered.follow_up.type, 'complaint');
  const f = (await get(`/v1/complaints/${answered.follow_up.id}`, { token: T.manager })).json;
  assert.equal(f.channel, 'callback');
  assert.equal(f.receiver_id, U.engSuper);
  assert.equal(f.complainant.id, U.owner1);
  assert.match(f.description, new RegExp(c.number));
  assert.ok((await get(`/v1/complaints/${c.id}/events`, { token: T.agent })).json.items
    .some((e) => e.type === 'complaint.followed_up' && e.details.complaint_id === f.id));
  // a community whose policy opens a complaint for unhappy repairs: the ticket's timeline shows it
  const pol = await post('/v1/sla-policy/callback-targets', { community_id: DEMO.xinyuan, source_kind: 'repair', rate: 1,
    window_start_hours: 0, window_end_hours: 48, max_attempts: 3, retry_hours: 24, on_unsatisfied: 'complaint' }, { token: T.admin });
  assert.equal(pol.status, 201, pol.text);
  try {
    const t2 = await resolvedTicket();
    await post(`/v1/tickets/${t2.id}/confirm`, { rating: 2 }, { token: T.owner1 });
    const [k2] = await of(t2.id);
    assert.equal(k2.status, 'open', 'this policy opens the window at once');
    const r2 = await act(k2.id, 'complete', { method: 'phone', satisfaction: 'dissatisfied' }, 'super');
    assert.equal(r2.follow_up.type, 'complaint');
    const ev2 = (await get(`/v1/tickets/${t2.id}/events`, { token: T.agent })).json.items.at(-1);
    assert.deepEqual([ev2.type, ev2.event_type, ev2.details.complaint_id], ['followed_up', 'ticket.followed_up', r2.follow_up.id]);
  } finally {
    await call('DELETE', `/v1/sla-policy/callback-targets/${pol.json.id}`, { token: T.admin });
  }
  // one without a source (asked for by staff) follows up nothing
  const s2 = await staffCallback({ assignee_id: U.agent });
  assert.equal((await act(s2.id, 'complete', { method: 'phone', satisfaction: 'very_dissatisfied' }, 'agent')).follow_up, null);
});

test('a new issue raised during the callback is opened at once; one letter answers many owners', async () => {
  const k = await staffCallback({ assignee_id: U.agent });
  assert.deepEqual(fieldsOf(await post(`/v1/callbacks/${k.id}/complete`, { method: 'phone', satisfaction: 'satisfied',
    open_as: 'ticket' }, { token: T.agent })).sort(), ['category', 'new_issues']);
  const done = await act(k.id, 'complete', { method: 'phone', satisfaction: 'satisfied', new_issues: '阳台下水道堵塞',
    open_as: 'ticket', category: 'plumbing' }, 'agent');
  assert.equal(done.new_issue.type, 'ticket');
  const t = (await get(`/v1/tickets/${done.new_issue.id}`, { token: T.agent })).json;
  assert.equal(t.unit_id, unit1);
  assert.equal(t.description, '阳台下水道堵塞');
  assert.equal(t.reporter.id, U.owner1);
  assert.equal(t.number, done.new_issue.number);
  const k2 = await staffCallback({ assignee_id: U.agent });
  const c = (await act(k2.id, 'complete', { method: 'phone', satisfaction: 'neutral', new_issues: '保安夜间巡逻不到位',
    open_as: 'complaint' }, 'agent')).new_issue;
  assert.equal((await get(`/v1/complaints/${c.id}`, { token: T.agent })).json.channel, 'callback');
  // 第十六条: one open letter closes several callbacks, all or none
  const a = await staffCallback({ assignee_id: U.agent, kind: 'other', purpose: '停车费调整征询' });
  const b = await staffCallback({ assignee_id: U.agent, kind: 'other', purpose: '停车费调整征询' });
  const other = await staffCallback({ assignee_id: U.super });
  const refused = await post('/v1/callback-letters', { callback_ids: [a.id, other.id], content: '停车费调整说明' }, { token: T.agent });
  assert.deepEqual(fieldsOf(refused), ['callback_ids[1]']);
  assert.equal((await show(a.id, 'agent')).json.status, 'open', 'nothing was written');
  // a repair's callback is the owner's own answer, never a letter's, even when it is the caller's to complete
  const repair = sql(`UPDATE callbacks SET status = 'open', assignee_id = '${U.agent}' WHERE id = (SELECT id FROM callbacks
    WHERE org_id = '${DEMO.org}' AND kind = 'repair' AND status IN ('scheduled', 'open') LIMIT 1) RETURNING id`);
  assert.deepEqual(fieldsOf(await post('/v1/callback-letters', { callback_ids: [a.id, repair], content: '停车费调整说明' },
    { token: T.agent })), ['callback_ids[1]']);
  const letter = await post('/v1/callback-letters', { callback_ids: [a.id, b.id], content: '关于停车费调整的公开信' }, { token: T.agent });
  assert.equal(letter.status, 200, letter.text);
  assert.deepEqual(letter.json.items.map((x) => [x.status, x.method, x.satisfaction]),
    [['completed', 'letter', null], ['completed', 'letter', null]]);
});

test('the monthly quality sample (第八条): 5% of the month\'s work orders, at most 5% of households, a job of the job table', async () => {
  for (let i = 0; i < 2; i++) await resolvedTicket();
  const month = sql(`SELECT to_char(date_trunc('month', now()), 'YYYY-MM-DD')`);
  const expected = Number(sql(`SELECT coalesce(sum(n), 0) FROM (
    SELECT least(ceil(count(*) * 0.05), floor((SELECT count(*) FROM units u WHERE u.org_id = w.org_id AND u.community_id = w.community_id) * 0.05),
                 count(DISTINCT t.unit_id)) AS n
    FROM work_orders w JOIN tickets t ON t.org_id = w.org_id AND t.id = w.ticket_id
    WHERE w.status = 'completed' AND t.unit_id IS NOT NULL AND t.complaint_id IS NULL
      AND w.completed_at >= date_trunc('month', now()) GROUP BY w.org_id, w.community_id) q`));
  assert.ok(expected >= 1, 'this month has completed work orders to sample');
  // the job the sweep schedules at the start of each month, here for this month and due now
  sql(`INSERT INTO jobs (kind, payload, dedup_key) VALUES ('callback_sample', '{"month": "${month}"}', 'test-sample-${month}')`);
  const sampled = await waitFor(async () => {
    const n = Number(sql(`SELECT count(*) FROM callbacks WHERE kind = 'quality_sample'`));
    return n > 0 && n;
  }, 'the sample');
  assert.equal(sampled, expected);
  const [k] = (await get('/v1/callbacks?kind=quality_sample&limit=100', { token: T.super })).json.items;
  assert.equal(k.status, 'open');
  assert.equal(k.source_type, 'ticket');
  assert.equal(k.assignee_id, U.engSuper, 'the repair supervisor');
  // drawn again, it adds nothing
  assert.equal(sql(`SELECT pd_callback_quality_sample(date_trunc('month', now())::date)`), '0');
});

test('statistics in SQL: rates against targets, on time, methods, signed visits, satisfaction, follow-ups', async () => {
  const from = new Date(Date.now() - 86400e3).toISOString(), to = new Date(Date.now() + 86400e3).toISOString();
  const r = await get(`/v1/stats/callbacks?from=${from}&to=${to}`, { token: T.manager });
  assert.equal(r.status, 200, r.text);
  const k = `FROM callbacks WHERE org_id = '${DEMO.org}' AND created_at >= '${from}' AND created_at < '${to}'`;
  const n = (q) => Number(sql(q));
  assert.equal(r.json.callbacks, n(`SELECT count(*) ${k}`));
  assert.equal(r.json.completed, n(`SELECT count(*) ${k} AND status IN ('completed', 'reviewed')`));
  assert.equal(r.json.failed, n(`SELECT count(*) ${k} AND status = 'failed'`));
  assert.ok(r.json.failed >= 1 && r.json.completed >= 4);
  assert.equal(r.json.follow_ups, n(`SELECT count(*) ${k} AND follow_up IS NOT NULL`));
  assert.ok(r.json.follow_ups >= 2);
  assert.equal(r.json.methods.phone, n(`SELECT count(*) ${k} AND status IN ('completed', 'reviewed') AND method = 'phone'`));
  assert.ok(r.json.methods.in_app >= 1);
  const sat = r.json.satisfaction;
  assert.equal(Object.values(sat).reduce((a, b) => a + b, 0),
    n(`SELECT count(*) ${k} AND status IN ('completed', 'reviewed') AND satisfaction IS NOT NULL`), 'letters ask no satisfaction');
  assert.ok(r.json.methods.letter >= 2);
  assert.ok(sat.very_dissatisfied >= 1 && sat.neutral >= 1);
  // the rates: complaints replied in the period that were called back, against 100%
  const complaintRate = r.json.sources.find((x) => x.source_kind === 'complaint');
  assert.equal(complaintRate.target, 1);
  assert.equal(complaintRate.sources, n(`SELECT count(*) FROM complaints WHERE org_id = '${DEMO.org}' AND nature = 'valid'
    AND NOT anonymous AND NOT written_reply_only AND replied_at >= '${from}' AND replied_at < '${to}'`));
  assert.ok(complaintRate.called_back >= 1 && complaintRate.called_back < complaintRate.sources);
  assert.equal(complaintRate.met, false, 'not every valid complaint was called back yet');
  assert.ok(r.json.attempts_per_completed > 0);
  // 件件有着落 over every kind of source; a special service stands for itself
  assert.deepEqual(r.json.sources.map((x) => x.source_kind), ['repair', 'help', 'complaint', 'special_service']);
  const all = r.json.sources.reduce((a, x) => [a[0] + x.called_back, a[1] + x.sources], [0, 0]);
  assert.equal(r.json.accounted_share, Math.round((all[0] / all[1]) * 1e4) / 1e4);
  assert.equal(r.json.signed_visit_share.opinion, Number(sql(`SELECT round(avg((method = 'visit' AND (signature_id IS NOT NULL
    OR owner_confirmed))::int)::numeric, 4) ${k} AND kind = 'opinion' AND status IN ('completed', 'reviewed')`)));
  assert.ok(r.json.signed_visit_share.opinion > 0, 'signed visits, by image and in the app');
  assert.ok(r.json.year_phone_letter_share > 0.6 && r.json.year_phone_letter_over === true, 'mostly phone calls here: flagged');
  for (const who of ['agent', 'tech', 'owner1'])
    assert.equal((await get(`/v1/stats/callbacks?from=${from}&to=${to}`, { token: T[who] })).status, 403, who);
  assert.deepEqual(fieldsOf(await get(`/v1/stats/callbacks?from=nope&to=${to}`, { token: T.manager, expectInvalidRequest: true })), ['from']);
});

test('integration clients read callbacks with callbacks:read, and only then', async () => {
  const made = await post('/v1/api-clients', { name: '回访对接', scopes: ['callbacks:read'] }, { token: T.admin });
  assert.equal(made.status, 201, made.text);
  const tok = (await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: made.json.client_id,
    client_secret: made.json.client_secret })).json.access_token;
  const list = await get('/v1/callbacks?limit=5', { token: tok });
  assert.equal(list.status, 200);
  assert.ok(list.json.items.length > 0);
  assert.ok(list.json.items.every((x) => x.contact_phone === null || x.contact_phone.includes('****')), 'phones masked without pii:read');
  assert.equal((await get(`/v1/callbacks/${list.json.items[0].id}`, { token: tok })).status, 200);
  assert.equal((await post(`/v1/callbacks/${list.json.items[0].id}/take`, {}, { token: tok })).status, 403);
  const other = await post('/v1/api-clients', { name: '报事对接', scopes: ['tickets:read'] }, { token: T.admin });
  const tok2 = (await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: other.json.client_id,
    client_secret: other.json.client_secret })).json.access_token;
  assert.equal((await get('/v1/callbacks', { token: tok2 })).status, 403);
});

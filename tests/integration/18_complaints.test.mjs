// Complaints (投诉) end to end, through the contract proxy: intake from the app, the desk and
// an integration client; classification; 首问负责 (only the receiver or a supervisor replies
// and closes); forwarding with department sign-off; resolution, reply, the complainant's
// answer; communicative and invalid complaints; merging duplicates; extensions; escalation by
// the sweep and the 30-day rule; who sees which complaint and who sees the complainant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { get, post, call, login, fieldsOf, unique, DEMO, waitFor } from './lib.mjs';

const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', process.env.DATABASE_URL, '-c', q]).toString().trim();
const U = DEMO.users;
const T = {};  // tokens by demo login


async function inbox(who) {
  return (await get('/v1/me/notifications?limit=100', { token: T[who] })).json.items;
}

async function show(id, who) {
  return get(`/v1/complaints/${id}`, { token: T[who] });
}

/* An action as who; asserts the status (200 by default) and returns the reply. */
async function act(id, action, body, who, status = 200) {
  const r = await post(`/v1/complaints/${id}/${action}`, body, { token: T[who] });
  assert.equal(r.status, status, `${action} by ${who}: ${r.text}`);
  return r;
}

async function ownerComplaint(body = {}, who = 'owner1') {
  const r = await post('/v1/complaints', { community_id: DEMO.xinyuan, description: '电梯坏了一周没人修，老人只能爬楼',
    demand: '尽快修好电梯', subject: { department: 'engineering' }, ...body }, { token: T[who] });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

async function deskComplaint(body = {}) {
  const r = await post('/v1/complaints', { community_id: DEMO.xinyuan, channel: 'phone', contact_name: '钱女士',
    contact_phone: '13912345678', description: '保安态度恶劣，不让快递进小区', demand: '道歉并整改',
    subject: { department: 'security' }, ...body }, { token: T.agent });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const types = async (id, who = 'agent') =>
  (await get(`/v1/complaints/${id}/events`, { token: T[who] })).json.items.map((e) => e.type);

test('logins', async () => {
  for (const who of ['owner1', 'owner3', 'owner2', 'agent', 'tech', 'tech2', 'super', 'engSuper', 'manager',
    'quality', 'admin', 'otherAdmin'])
    T[who] = await login(who);
});

test('an owner complains from the app: received, numbered, forward deadline running, waiting for the desk', async () => {
  const c = await ownerComplaint({ occurred_at: '2026-11-29T08:00:00Z', location: '3号楼电梯厅' });
  assert.equal(c.status, 'received');
  assert.match(c.number, /^TS\d{8}-\d{4,}$/);
  assert.equal(c.channel, 'app');
  assert.equal(c.receiver_id, null);
  assert.deepEqual(c.complainant, { id: U.owner1, name: '张业主', phone: '13800000001' });
  assert.equal(c.deadlines.forward.state, 'running');
  assert.deepEqual(c.allowed_actions, ['withdraw', 'comment']);
  // the desk's supervisors hear of it
  assert.ok((await inbox('super')).some((n) => n.type === 'complaint.received' && n.subject_id === c.id));
  const seen = await show(c.id, 'agent');
  assert.deepEqual(seen.json.allowed_actions, ['accept', 'reject', 'merge', 'comment']);
  assert.match(seen.headers.get('etag'), new RegExp(`^"${c.version}-[0-9a-f]{16}"$`));
});

test('numbers are unique under concurrent creates, and Idempotency-Key replays the first answer', async () => {
  const made = await Promise.all(Array.from({ length: 8 }, () => deskComplaint()));
  assert.equal(new Set(made.map((c) => c.number)).size, 8);
  const key = unique('idem-');
  const body = { community_id: DEMO.xinyuan, channel: 'visit', contact_name: '孙先生', contact_phone: '13700000000',
    description: '物业费收费标准不透明' };
  const a = await post('/v1/complaints', body, { token: T.agent, headers: { 'idempotency-key': key } });
  const b = await post('/v1/complaints', body, { token: T.agent, headers: { 'idempotency-key': key } });
  assert.equal(a.status, 201);
  assert.equal(b.json.id, a.json.id);
  const c = await post('/v1/complaints', { ...body, description: '别的事' }, { token: T.agent, headers: { 'idempotency-key': key } });
  assert.equal(c.status, 422);
});

test('bad input names every invalid field and writes nothing', async () => {
  const before = sql('SELECT count(*) FROM complaints');
  const r = await post('/v1/complaints', { community_id: 'nope', channel: 'fax', anonymous: 'yes', description: '',
    subject: { department: 'kitchen', user_id: 7 }, contact_phone: 'abc', occurred_at: 'yesterday',
    attachment_ids: ['x'], written_reply_only: true, extra: 1 }, { token: T.agent, expectInvalidRequest: true });
  const fields = fieldsOf(r);
  for (const f of ['community_id', 'channel', 'anonymous', 'description', 'subject.department', 'subject.user_id',
    'contact_phone', 'occurred_at', 'attachment_ids', 'written_reply_only', 'extra', 'contact_name'])
    assert.ok(fields.includes(f), `${f} in ${fields}`);
  // owners: contact from the account, channel app
  const o = await post('/v1/complaints', { community_id: DEMO.xinyuan, description: '噪音', channel: 'phone',
    contact_name: '我' }, { token: T.owner1 });
  assert.deepEqual(fieldsOf(o).sort(), ['channel', 'contact_name']);
  // a community out of reach is 404 naming it; a subject who is no staff member is 400
  const far = await post('/v1/complaints', { community_id: DEMO.guanghua, description: '噪音' }, { token: T.owner1 });
  assert.equal(far.status, 404);
  assert.match(far.json.detail, /community/);
  const nobody = await post('/v1/complaints', { community_id: DEMO.xinyuan, description: '噪音',
    subject: { user_id: U.owner3 } }, { token: T.owner1 });
  assert.deepEqual(fieldsOf(nobody), ['subject.user_id']);
  assert.equal(sql('SELECT count(*) FROM complaints'), before);
  // action bodies
  const c = await deskComplaint();
  const bad = await post(`/v1/complaints/${c.id}/accept`, { nature: 'invalid', content: 'x', communicative_kind: 'venting' },
    { token: T.agent, expectInvalidRequest: true });
  assert.deepEqual(fieldsOf(bad).sort(), ['communicative_kind', 'content', 'nature', 'severity']);
  const fw = await post(`/v1/complaints/${c.id}/forward`, { departments: ['engineering', 'engineering'] },
    { token: T.agent, expectInvalidRequest: true });
  assert.deepEqual(fieldsOf(fw), ['departments']);
  assert.equal((await show(c.id, 'agent')).json.version, c.version, 'nothing changed');
});

test('two desk members accept the same app complaint at once: exactly one becomes its receiver', async () => {
  const c = await ownerComplaint();
  const body = { nature: 'valid', content: 'facilities', severity: 'general' };
  const [a, b] = await Promise.all([post(`/v1/complaints/${c.id}/accept`, body, { token: T.agent }),
    post(`/v1/complaints/${c.id}/accept`, body, { token: T.admin })]);
  // the loser finds it someone else's: 403, a question of who, not of state
  assert.deepEqual([a.status, b.status].sort(), [200, 403]);
  const winner = a.status === 200 ? U.agent : U.admin;
  assert.equal((await show(c.id, 'agent')).json.receiver_id, winner);
});

test('a major complaint by phone: the manager is told at once, departments sign, resolve, reply, close', async () => {
  const c = await deskComplaint({ subject: { department: 'engineering' }, description: '承诺三天修好的电梯一周未修' });
  assert.equal(c.receiver_id, U.agent, '首问负责: the desk member taking it receives it');
  assert.equal(c.complainant.phone, '13912345678');
  const accepted = (await act(c.id, 'accept', { nature: 'valid', content: 'facilities', severity: 'major' }, 'agent')).json;
  assert.equal(accepted.status, 'accepted');
  assert.equal(accepted.deadlines.resolution.state, 'running');
  assert.ok((await inbox('manager')).some((n) => n.type === 'complaint.accepted' && n.subject_id === c.id),
    'the manager is notified of a major complaint');
  // the technician sees nothing until it is forwarded to engineering
  assert.equal((await show(c.id, 'tech')).status, 404);
  const fw = (await act(c.id, 'forward', { departments: ['engineering', 'cleaning'], note: '请工程部牵头' }, 'agent')).json;
  assert.equal(fw.status, 'forwarded');
  assert.equal(fw.deadlines.forward.state, 'met');
  assert.equal(fw.deadlines.acknowledge.state, 'running');
  assert.deepEqual(fw.forwards.map((f) => f.department), ['engineering', 'cleaning']);
  assert.ok((await inbox('engSuper')).some((n) => n.type === 'complaint.forwarded' && n.subject_id === c.id));
  const techView = await show(c.id, 'tech');
  assert.equal(techView.status, 200);
  assert.equal(techView.json.complainant.phone, '139****5678', 'department staff see the phone masked');
  // the customer-service supervisor heads no forwarded department: 403; the engineering head signs
  await act(c.id, 'acknowledge', {}, 'super', 403);
  const signed = (await act(c.id, 'acknowledge', {}, 'engSuper')).json;
  assert.equal(signed.status, 'forwarded', 'cleaning has not signed yet');
  assert.ok(signed.forwards[0].acknowledged_at);
  assert.equal(signed.forwards[0].acknowledged_by, U.engSuper);
  await act(c.id, 'acknowledge', {}, 'engSuper', 409);
  const all = (await act(c.id, 'acknowledge', { department: 'cleaning' }, 'manager')).json;
  assert.equal(all.status, 'acknowledged');
  assert.equal(all.deadlines.acknowledge.state, 'met');
  // the department orders the repair through the dispatch machinery: a ticket naming the
  // complaint, without the complainant, as a work order for the technician
  await act(c.id, 'dispatch', { category: 'elevator', description: '更换电梯主板', mode: 'queue' }, 'agent', 403);
  const work = (await act(c.id, 'dispatch', { category: 'elevator', priority: 'P2', description: '3号楼电梯主板故障，需更换',
    mode: 'assign', assignee_id: U.tech, note: '投诉转派' }, 'engSuper')).json;
  assert.equal(work.ticket_ids.length, 1);
  const ticket = (await get(`/v1/tickets/${work.ticket_ids[0]}`, { token: T.tech })).json;
  assert.equal(ticket.complaint_id, c.id);
  assert.equal(ticket.channel, 'complaint');
  assert.deepEqual(ticket.reporter, { id: null, name: null, phone: null });
  assert.equal(ticket.status, 'dispatched');
  assert.equal(ticket.work_orders[0].assignee_id, U.tech);
  assert.equal(ticket.description, '3号楼电梯主板故障，需更换', "the department's words, not the complainant's");
  assert.ok((await inbox('tech')).some((n) => n.type === 'work_order.assigned' && n.ticket_id === ticket.id));
  const ev = (await get(`/v1/complaints/${c.id}/events`, { token: T.agent })).json.items.at(-1);
  assert.equal(ev.type, 'complaint.dispatched');
  assert.equal(ev.details.ticket_id, ticket.id);
  const nobody = await post(`/v1/complaints/${c.id}/dispatch`, { category: 'elevator', description: 'x', mode: 'assign',
    assignee_id: U.agent }, { token: T.engSuper });
  assert.deepEqual(fieldsOf(nobody), ['assignee_id']);
  // the department resolves; the receiver is told and has until the end of the day to reply
  await act(c.id, 'reply', { method: 'phone', content: '已处理' }, 'agent', 409);
  const resolved = (await act(c.id, 'resolve', { result: '更换电梯主板，已恢复运行', root_cause: '配件采购延误',
    corrective_action: '常用配件建立库存' }, 'tech')).json;
  assert.equal(resolved.status, 'resolved');
  assert.equal(resolved.resolution.resolved_by, U.tech);
  assert.equal(resolved.deadlines.resolution.state, 'met');
  assert.equal(resolved.deadlines.reply.state, 'running');
  assert.ok((await inbox('agent')).some((n) => n.type === 'complaint.resolved' && n.subject_id === c.id));
  // 首问负责: another desk member who is not a supervisor may not reply (403), the receiver may
  await act(c.id, 'reply', { method: 'phone', content: '已处理' }, 'admin', 403);
  const replied = (await act(c.id, 'reply', { method: 'phone', content: '电梯已修复，向您致歉' }, 'agent')).json;
  assert.equal(replied.status, 'replied');
  assert.equal(replied.reply.method, 'phone');
  assert.equal(replied.deadlines.reply.state, 'met');
  await act(c.id, 'close', {}, 'admin', 403);
  const closed = (await act(c.id, 'close', {}, 'super')).json;
  assert.equal(closed.status, 'closed');
  assert.deepEqual(await types(c.id), ['complaint.created', 'complaint.accepted', 'complaint.forwarded',
    'complaint.acknowledged', 'complaint.acknowledged', 'complaint.dispatched', 'complaint.resolved',
    'complaint.replied', 'complaint.closed']);
  const events = (await get(`/v1/complaints/${c.id}/events`, { token: T.agent })).json.items;
  assert.deepEqual(events[1].details, { nature: 'valid', content: 'facilities', severity: 'major', receiver_id: U.agent,
    notified: 'managers' });
  assert.equal(events[2].from_status, 'accepted');
  assert.equal(events[2].to_status, 'forwarded');
});

test('an important complaint: the managers are told at once, and it runs its course on its deadlines', async () => {
  const c = await deskComplaint({ channel: 'superior', written_reply_only: true, contact_phone: undefined,
    contact_name: '街道办转办', description: '街道转来：小区消防通道被长期占用' });
  assert.equal(c.written_reply_only, true);
  const acc = (await act(c.id, 'accept', { nature: 'valid', content: 'service_quality', severity: 'important' }, 'agent')).json;
  assert.ok((await inbox('manager')).some((n) => n.type === 'complaint.accepted' && n.subject_id === c.id));
  // important: the policy's deadlines for 新苑小区 (its community's target, else the org's, else
  // the defaults: 4 hours to sign for it, 3 days to solve it), around the clock
  const policy = (await get('/v1/sla-policy', { token: T.manager })).json;
  const target = policy.complaint_targets.find((x) => x.severity === 'important' && x.community_id === DEMO.xinyuan)
    ?? policy.complaint_targets.find((x) => x.severity === 'important' && x.community_id === null)
    ?? policy.complaint_defaults.find((x) => x.severity === 'important');
  assert.equal(target.business_hours, false);
  const fw = (await act(c.id, 'forward', { departments: ['security'] }, 'agent')).json;
  const minutes = (clock, from) => Math.round((Date.parse(clock.due_at) - Date.parse(from)) / 60e3);
  assert.equal(minutes(fw.deadlines.acknowledge, fw.forwards[0].forwarded_at), target.acknowledge_minutes);
  assert.equal(minutes(acc.deadlines.resolution, c.created_at), target.resolve_minutes);
  await act(c.id, 'acknowledge', { department: 'security' }, 'manager');
  await act(c.id, 'resolve', { result: '已清理消防通道并张贴告示', root_cause: '巡查不到位', corrective_action: '每日巡查两次' }, 'manager');
  const r = (await act(c.id, 'reply', { method: 'letter', content: '书面回复街道办' }, 'agent')).json;
  assert.equal(r.reply.method, 'letter');
  assert.equal((await act(c.id, 'close', {}, 'agent')).json.status, 'closed');
});

test('the owner follows an app complaint, disputes the reply, then accepts the next one', async () => {
  const c = await ownerComplaint({ subject: { department: 'engineering' } });
  await act(c.id, 'accept', { nature: 'valid', content: 'service_quality', severity: 'general' }, 'agent');
  await act(c.id, 'forward', { departments: ['engineering'] }, 'agent');
  await act(c.id, 'acknowledge', {}, 'engSuper');
  await act(c.id, 'resolve', { result: '已调试', root_cause: '传感器老化', corrective_action: '更换传感器' }, 'engSuper');
  await act(c.id, 'reply', { method: 'in_app', content: '电梯已恢复' }, 'agent');
  assert.ok((await inbox('owner1')).some((n) => n.type === 'complaint.replied' && n.subject_id === c.id));
  const mine = await show(c.id, 'owner1');
  assert.deepEqual(mine.json.allowed_actions, ['confirm', 'dispute', 'comment']);
  const disputed = (await act(c.id, 'dispute', { reason: '还是经常停' }, 'owner1')).json;
  assert.equal(disputed.status, 'accepted');
  assert.equal(disputed.reopen_count, 1);
  assert.equal(disputed.deadlines.resolution.state === 'met', false, 'solved again, on its clock');
  assert.ok((await inbox('agent')).some((n) => n.type === 'complaint.disputed' && n.subject_id === c.id));
  await act(c.id, 'forward', { departments: ['engineering'] }, 'agent');
  await act(c.id, 'acknowledge', {}, 'engSuper');
  await act(c.id, 'resolve', { result: '更换主机', root_cause: '主机故障', corrective_action: '纳入年度大修' }, 'tech');
  await act(c.id, 'reply', { method: 'visit', content: '已更换主机' }, 'super');
  const done = (await act(c.id, 'confirm', { rating: 4, comment: '这次好了' }, 'owner1')).json;
  assert.equal(done.status, 'closed');
  assert.equal(done.rating, 4);
  // the owner sees public entries only, and the whole story
  const seen = await types(c.id, 'owner1');
  assert.equal(seen.filter((t) => t === 'complaint.replied').length, 2);
  assert.equal(seen.at(-1), 'complaint.confirmed');
});

test('the complainant adds information, staff comment publicly or internally', async () => {
  const c = await ownerComplaint({ anonymous: true });
  await act(c.id, 'accept', { nature: 'valid', content: 'facilities', severity: 'general' }, 'agent');
  const added = await post(`/v1/complaints/${c.id}/comments`, { body: '补充：晚上十点后电梯也停运' }, { token: T.owner1 });
  assert.equal(added.status, 201, added.text);
  assert.equal(added.json.type, 'complaint.commented');
  assert.equal(added.json.actor_id, null, 'an anonymous complainant is not named');
  assert.ok((await inbox('agent')).some((n) => n.type === 'complaint.commented' && n.subject_id === c.id));
  assert.equal((await post(`/v1/complaints/${c.id}/comments`, { body: 'x', internal: true }, { token: T.owner1 })).status, 400);
  assert.equal((await post(`/v1/complaints/${c.id}/comments`, { body: '别人的' }, { token: T.owner3 })).status, 404);
  const note = await post(`/v1/complaints/${c.id}/comments`, { body: '内部：与电梯维保合同有关', internal: true }, { token: T.agent });
  assert.equal(note.json.visibility, 'internal');
  await post(`/v1/complaints/${c.id}/comments`, { body: '已安排工程部核查' }, { token: T.super });
  assert.ok((await inbox('owner1')).some((n) => n.type === 'complaint.commented' && n.subject_id === c.id));
  const seen = (await get(`/v1/complaints/${c.id}/events`, { token: T.owner1 })).json.items.filter((e) => e.type === 'complaint.commented');
  assert.deepEqual(seen.map((e) => e.details.body), ['补充：晚上十点后电梯也停运', '已安排工程部核查'], 'owners never see internal notes');
  const w = await ownerComplaint();
  await act(w.id, 'withdraw', {}, 'owner1');
  assert.equal((await post(`/v1/complaints/${w.id}/comments`, { body: '还在吗' }, { token: T.owner1 })).status, 409);
});

test('a communicative complaint is answered without forwarding; an invalid one is rejected with a reply', async () => {
  const c = await ownerComplaint({ description: '想问一下物业费怎么交', subject: undefined });
  const acc = (await act(c.id, 'accept', { nature: 'communicative', communicative_kind: 'inquiry', content: 'fees',
    severity: 'general' }, 'agent')).json;
  assert.ok(acc.allowed_actions.includes('reply'));
  const replied = (await act(c.id, 'reply', { method: 'in_app', content: '可在App缴费页面缴纳' }, 'agent')).json;
  assert.equal(replied.status, 'replied');
  assert.equal(replied.deadlines.forward.state, 'met');
  await act(c.id, 'close', {}, 'agent');
  // a valid complaint cannot skip its departments
  const v = await ownerComplaint();
  await act(v.id, 'accept', { nature: 'valid', content: 'facilities', severity: 'general' }, 'agent');
  const skip = await act(v.id, 'reply', { method: 'phone', content: 'x' }, 'agent', 409);
  assert.equal(skip.json.state, 'accepted');
  // invalid
  const i = await ownerComplaint({ description: '邻居家小孩太吵' });
  const rej = (await act(i.id, 'reject', { reply: '属邻里纠纷，建议协商；物业可协助调解' }, 'agent')).json;
  assert.equal(rej.status, 'rejected');
  assert.equal(rej.nature, 'invalid');
  assert.equal(rej.receiver_id, U.agent);
  assert.ok((await inbox('owner1')).some((n) => n.type === 'complaint.rejected' && n.subject_id === i.id));
  // the owner withdraws another before it is resolved
  const w = await ownerComplaint();
  const gone = (await act(w.id, 'withdraw', { reason: '已自行解决' }, 'owner1')).json;
  assert.equal(gone.status, 'withdrawn');
});

test('an anonymous complainant is seen only by the receiver, supervisors and managers; the staff member complained about never sees who complained', async () => {
  const unit = (await get('/v1/me', { token: T.owner1 })).json.units[0].id;
  const photo = await call('POST', '/v1/attachments', { token: T.owner1, raw: Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb004300ffd9', 'hex'),
    direct: true, headers: { 'content-type': 'image/jpeg' } });
  const c = await ownerComplaint({ anonymous: true, unit_id: unit, community_id: undefined, attachment_ids: [photo.json.id],
    subject: { department: 'engineering', user_id: U.tech }, description: '王师傅上门维修态度很差' });
  assert.equal(c.complainant.id, U.owner1, 'the complainant sees themself');
  assert.equal(c.unit_id, unit);
  for (const who of ['agent', 'quality', 'admin']) {
    const seen = (await show(c.id, who)).json;
    assert.equal(seen.complainant, null, `${who} does not see an anonymous complainant`);
    assert.deepEqual([seen.unit_id, seen.unit_number, seen.attachment_ids], [null, null, []], `${who}: nor where they live`);
    assert.equal((await get(`/v1/attachments/${photo.json.id}`, { token: T[who] })).status, 404, `${who}: nor their photo`);
  }
  for (const who of ['super', 'manager']) {
    const seen = (await show(c.id, who)).json;
    assert.equal(seen.complainant.id, U.owner1, `${who} does`);
    assert.equal(seen.unit_id, unit);
    assert.equal((await get(`/v1/attachments/${photo.json.id}`, { token: T[who] })).status, 200, `${who}: and the photo`);
  }
  await act(c.id, 'accept', { nature: 'valid', content: 'staff_attitude', severity: 'important' }, 'agent');
  assert.equal((await show(c.id, 'agent')).json.complainant.id, U.owner1, 'its receiver does');
  await act(c.id, 'forward', { departments: ['engineering'] }, 'agent');
  // the subject (a technician of engineering) now sees the complaint, but never its complainant
  const subject = await show(c.id, 'tech');
  assert.equal(subject.status, 200);
  assert.equal(subject.json.complainant, null);
  assert.equal(subject.json.unit_id, null);
  assert.equal((await get(`/v1/attachments/${photo.json.id}`, { token: T.tech })).status, 404);
  const list = (await get(`/v1/complaints?department=engineering&limit=100`, { token: T.tech })).json.items;
  assert.equal(list.find((x) => x.id === c.id).complainant, null);
  const events = (await get(`/v1/complaints/${c.id}/events`, { token: T.tech })).json.items;
  assert.ok(events.every((e) => e.actor_id !== U.owner1), 'no event names the complainant');
  // nor do events (the timeline, webhooks, the stream) or anyone's inbox but theirs and the
  // receiver's carry the anonymous complainant
  assert.equal(sql(`SELECT count(*) FROM events WHERE subject_id = '${c.id}'
    AND (actor_id = '${U.owner1}' OR details::text LIKE '%13800000001%' OR details::text LIKE '%张业主%')`), '0');
  assert.equal(sql(`SELECT count(*) FROM notifications WHERE subject_id = '${c.id}'
    AND user_id NOT IN ('${U.owner1}', '${U.agent}') AND (title || body) ~ '13800000001|张业主'`), '0');
  assert.ok(Number(sql(`SELECT count(*) FROM notifications WHERE subject_id = '${c.id}'`)) > 0, 'notifications were written');
  // an ordinary complaint about tech: tech still does not see who complained
  const named = await deskComplaint({ subject: { department: 'engineering', user_id: U.tech } });
  await act(named.id, 'accept', { nature: 'valid', content: 'staff_attitude', severity: 'general' }, 'agent');
  await act(named.id, 'forward', { departments: ['engineering'] }, 'agent');
  assert.equal((await show(named.id, 'tech')).json.complainant, null);
  assert.equal((await show(named.id, 'tech2')).json.complainant.name, '钱女士');
  // a complaint about an agent: that agent never receives it (403), a supervisor does
  const aboutAgent = await ownerComplaint({ subject: { department: 'customer_service', user_id: U.agent } });
  assert.equal((await show(aboutAgent.id, 'agent')).json.complainant, null);
  await act(aboutAgent.id, 'accept', { nature: 'valid', content: 'staff_attitude', severity: 'general' }, 'agent', 403);
  await act(aboutAgent.id, 'accept', { nature: 'valid', content: 'staff_attitude', severity: 'general' }, 'super');
});

test('who sees which complaint: the complainant only, their communities, the forwarded department, no other org', async () => {
  const c = await ownerComplaint();
  for (const who of ['owner3', 'owner2', 'otherAdmin', 'tech'])
    assert.equal((await show(c.id, who)).status, 404, `${who} may not see it`);
  for (const who of ['agent', 'super', 'manager', 'quality', 'admin'])
    assert.equal((await show(c.id, who)).status, 200, `${who} sees it`);
  const mine = (await get('/v1/complaints?limit=100', { token: T.owner1 })).json.items;
  assert.ok(mine.length > 0 && mine.every((x) => x.complainant?.id === U.owner1));
  assert.equal((await get('/v1/complaints?limit=100', { token: T.owner3 })).json.items.some((x) => x.id === c.id), false);
  const techList = (await get('/v1/complaints?limit=100', { token: T.tech })).json.items;
  assert.ok(techList.every((x) => x.forwards.some((f) => f.department === 'engineering')));
  assert.equal((await get(`/v1/complaints/${c.id}/events`, { token: T.owner3 })).status, 404);
  // quality reads but may not act
  assert.equal((await post(`/v1/complaints/${c.id}/accept`, { nature: 'valid', content: 'other', severity: 'general' },
    { token: T.quality })).status, 403);
  // filters
  const majors = (await get('/v1/complaints?severity=major&limit=100', { token: T.manager })).json.items;
  assert.ok(majors.length > 0 && majors.every((x) => x.severity === 'major'));
  const bad = await get('/v1/complaints?severity=huge&escalated=maybe', { token: T.manager, expectInvalidRequest: true });
  assert.deepEqual(fieldsOf(bad).sort(), ['escalated', 'severity']);
});

test('an integration client files complaints with complaints:write and reads with complaints:read', async () => {
  const made = await post('/v1/api-clients', { name: unique('投诉对接'), scopes: ['complaints:read', 'complaints:write'] },
    { token: T.admin });
  assert.equal(made.status, 201, made.text);
  const tok = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: made.json.client_id,
    client_secret: made.json.client_secret });
  const client = tok.json.access_token;
  const r = await post('/v1/complaints', { community_id: DEMO.xinyuan, contact_name: '热线转办', contact_phone: '12345678',
    description: '市民热线转来：小区垃圾清运不及时' }, { token: client });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.channel, 'integration');
  assert.equal(r.json.receiver_id, null);
  assert.equal(r.json.complainant.phone, '123****5678', 'masked without pii:read');
  assert.equal((await get(`/v1/complaints/${r.json.id}`, { token: client })).status, 200);
  assert.equal((await post(`/v1/complaints/${r.json.id}/accept`, { nature: 'valid', content: 'other', severity: 'general' },
    { token: client })).status, 403);
  const ticketsOnly = await post('/v1/api-clients', { name: unique('报事'), scopes: ['tickets:read'] }, { token: T.admin });
  const t2 = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: ticketsOnly.json.client_id,
    client_secret: ticketsOnly.json.client_secret });
  assert.equal((await get('/v1/complaints', { token: t2.json.access_token })).status, 403);
});

test('a duplicate is merged into its primary: both timelines link, its complainant hears the reply', async () => {
  const primary = await ownerComplaint({ description: '3号楼电梯又坏了' });
  const dup = await ownerComplaint({ description: '电梯坏了' }, 'owner3');
  await act(primary.id, 'accept', { nature: 'valid', content: 'facilities', severity: 'general' }, 'agent');
  const bad = await post(`/v1/complaints/${dup.id}/merge`, { primary_id: dup.id }, { token: T.agent });
  assert.equal(bad.status, 409);
  const far = await post(`/v1/complaints/${dup.id}/merge`, { primary_id: '00000000-0000-4000-8000-000000000000' },
    { token: T.agent });
  assert.equal(far.status, 404);
  assert.match(far.json.detail, /complaint/);
  // a third one was folded into the duplicate first: it follows the duplicate into the primary
  const third = await ownerComplaint({ description: '电梯又停了' });
  await act(third.id, 'merge', { primary_id: dup.id }, 'agent');
  const merged = (await act(dup.id, 'merge', { primary_id: primary.id }, 'agent')).json;
  assert.equal(merged.status, 'merged');
  assert.equal(merged.merged_into, primary.id);
  assert.ok((await types(primary.id)).includes('complaint.duplicate_merged'));
  const dups = (await get(`/v1/complaints?merged_into=${primary.id}`, { token: T.agent })).json.items;
  assert.deepEqual(dups.map((x) => x.id).sort(), [dup.id, third.id].sort());
  // a merged complaint is done: nothing more to do with it
  assert.deepEqual((await show(dup.id, 'agent')).json.allowed_actions, []);
  await act(primary.id, 'forward', { departments: ['engineering'] }, 'agent');
  await act(primary.id, 'acknowledge', {}, 'engSuper');
  await act(primary.id, 'resolve', { result: '已修复', root_cause: '老化', corrective_action: '更换' }, 'engSuper');
  await act(primary.id, 'reply', { method: 'in_app', content: '3号楼电梯已修复' }, 'agent');
  assert.ok((await inbox('owner3')).some((n) => n.type === 'complaint.replied' && n.subject_id === primary.id),
    "the duplicate's complainant is told");
  // … of the reply only: a comment to the primary's complainant stays theirs
  await post(`/v1/complaints/${primary.id}/comments`, { body: '张先生，您好' }, { token: T.agent });
  assert.ok(!(await inbox('owner3')).some((n) => n.type === 'complaint.commented' && n.subject_id === primary.id));
});

test('extensions: the department asks, a manager decides, never the one who asked', async () => {
  const c = await deskComplaint({ subject: { department: 'engineering' } });
  await act(c.id, 'accept', { nature: 'valid', content: 'facilities', severity: 'general' }, 'agent');
  await act(c.id, 'forward', { departments: ['engineering'] }, 'agent');
  const due = (await show(c.id, 'agent')).json.deadlines.resolution.due_at;
  const later = new Date(Date.parse(due) + 5 * 86400e3).toISOString();
  const past = await post(`/v1/complaints/${c.id}/extend`, { reason: '等配件', due_at: '2020-01-01T00:00:00Z' },
    { token: T.engSuper });
  assert.equal(past.status, 409);
  await act(c.id, 'extend', { reason: '等配件', due_at: later }, 'super', 403);  // heads no forwarded department
  const asked = (await act(c.id, 'extend', { reason: '进口配件需等待到货', due_at: later }, 'engSuper')).json;
  assert.equal(asked.extensions[0].status, 'pending');
  assert.equal(asked.deadlines.resolution.due_at, due, 'the clock moves only on approval');
  assert.ok((await inbox('manager')).some((n) => n.type === 'complaint.extension_requested' && n.subject_id === c.id));
  await act(c.id, 'extend', { reason: '再等', due_at: later }, 'engSuper', 409);  // one pending at a time
  for (const who of ['engSuper', 'super'])  // running late needs a manager (第十七条)
    assert.equal((await post(`/v1/complaints/${c.id}/approve-extension`, {}, { token: T[who] })).status, 403, who);
  const approved = (await act(c.id, 'approve-extension', { note: '同意' }, 'manager')).json;
  assert.equal(approved.extensions[0].status, 'approved');
  assert.equal(approved.extensions[0].decided_by, U.manager);
  assert.equal(Date.parse(approved.deadlines.resolution.due_at), Date.parse(later));
  await act(c.id, 'reject-extension', {}, 'manager', 409);  // nothing pending
  // major: only a manager or admin
  await act(c.id, 'reclassify', { severity: 'major', note: '影响全楼' }, 'agent');
  const later2 = new Date(Date.parse(later) + 86400e3).toISOString();
  await act(c.id, 'extend', { reason: '仍需时间', due_at: later2 }, 'engSuper');
  const rejected = (await act(c.id, 'reject-extension', { note: '不同意，加派人手' }, 'manager')).json;
  assert.equal(rejected.extensions[1].status, 'rejected');
  assert.equal(Date.parse(rejected.deadlines.resolution.due_at), Date.parse(later), 'a rejection leaves the clock');
  const ev = (await get(`/v1/complaints/${c.id}/events`, { token: T.agent })).json.items;
  const re = ev.find((e) => e.type === 'complaint.reclassified');
  assert.deepEqual(re.details, { from: { severity: 'general' }, to: { severity: 'major' }, note: '影响全楼' });
});

test('a missed deadline escalates the complaint up the chain (the sweep)', async () => {
  const c = await deskComplaint();
  sql(`UPDATE clocks SET due = now() - interval '1 second' WHERE subject_type = 'complaint' AND subject_id = '${c.id}' AND name = 'forward'`);
  const up = await waitFor(async () => {
    const r = await show(c.id, 'agent');
    return r.json.escalation_level === 1 && r.json;
  }, 'the escalation');
  assert.equal(up.deadlines.forward.state, 'breached');
  assert.equal(up.overdue, true);
  const t = await types(c.id);
  assert.ok(t.includes('complaint.sla_breached') && t.includes('complaint.escalated'));
  assert.ok((await inbox('super')).some((n) => n.type === 'sla.breached' && n.subject_id === c.id), 'supervisors hear of the breach');
  assert.ok((await inbox('manager')).some((n) => n.type === 'complaint.escalated' && n.subject_id === c.id),
    'the escalation goes up to the managers');
  assert.ok(!(await inbox('super')).some((n) => n.type === 'complaint.escalated' && n.subject_id === c.id));
  const overdue = (await get('/v1/complaints?overdue=true&escalated=true&limit=100', { token: T.agent })).json.items;
  assert.ok(overdue.some((x) => x.id === c.id));
});

test('a valid complaint unsolved 30 days after receipt becomes major (the sweep)', async () => {
  const c = await deskComplaint();
  await act(c.id, 'accept', { nature: 'valid', content: 'service_quality', severity: 'general' }, 'agent');
  sql(`UPDATE complaints SET created_at = now() - interval '31 days' WHERE id = '${c.id}'`);
  const up = await waitFor(async () => {
    const r = await show(c.id, 'agent');
    return r.json.severity === 'major' && r.json;
  }, 'the 30-day upgrade');
  assert.ok(up.upgraded_at);
  const ev = (await get(`/v1/complaints/${c.id}/events`, { token: T.agent })).json.items.at(-1);
  assert.equal(ev.type, 'complaint.reclassified');
  assert.equal(ev.actor_role, 'system');
  assert.deepEqual(ev.details, { from: { severity: 'general' }, to: { severity: 'major' }, reason: 'unsolved_30_days' });
  assert.ok((await inbox('manager')).some((n) => n.type === 'complaint.upgraded' && n.subject_id === c.id));
});

test('If-Match guards every action: a stale version is 412 and changes nothing', async () => {
  const c = await deskComplaint();
  const r = await call('POST', `/v1/complaints/${c.id}/accept`, { token: T.agent, headers: { 'if-match': '"99"' },
    body: { nature: 'valid', content: 'other', severity: 'general' } });
  assert.equal(r.status, 412);
  assert.equal((await show(c.id, 'agent')).json.status, 'received');
});

test('statistics in SQL: duplicates once, nature, deadlines, escalations, extensions, repeats', async () => {
  // a repeat: the same unit complaining about the same content twice within 90 days
  const unit = (await get('/v1/me', { token: T.owner1 })).json.units[0].id;
  for (let i = 0; i < 2; i++) {
    const k = await ownerComplaint({ unit_id: unit, community_id: undefined, description: `物业费多收 ${i}` });
    await act(k.id, 'accept', { nature: 'valid', content: 'fees', severity: 'general' }, 'agent');
  }
  const from = new Date(Date.now() - 86400e3).toISOString(), to = new Date(Date.now() + 86400e3).toISOString();
  const q = (extra = '') => `/v1/stats/complaints?from=${from}&to=${to}${extra}`;
  const r = await get(q(), { token: T.manager });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.group_by, 'content');
  const t = r.json.totals;
  const count = (where) => Number(sql(`SELECT count(*) FROM complaints WHERE org_id = '${DEMO.org}'
    AND created_at >= '${from}' AND created_at < '${to}' AND ${where}`));
  assert.equal(t.complaints, count("status <> 'merged'"));
  assert.equal(t.duplicates, count("status = 'merged'"));
  assert.ok(t.duplicates >= 1);
  assert.equal(t.valid, count("status <> 'merged' AND nature = 'valid'"));
  assert.equal(t.escalated, count("status <> 'merged' AND escalation_level > 0"));
  assert.ok(t.escalated >= 1);
  assert.equal(t.upgraded, count("status <> 'merged' AND upgraded_at IS NOT NULL"));
  assert.equal(t.extensions, Number(sql(`SELECT coalesce(sum(jsonb_array_length(extensions)), 0) FROM complaints
    WHERE org_id = '${DEMO.org}' AND created_at >= '${from}' AND created_at < '${to}' AND status <> 'merged'`)));
  assert.ok(t.extensions >= 2 && t.extensions_approved >= 1);
  assert.ok(t.repeat >= 1);
  assert.ok(t.reopen_rate > 0 && t.average_rating >= 1);
  assert.ok(t.forward.compliance !== null && t.resolution.median_minutes !== null);
  assert.equal(r.json.groups.reduce((n, g) => n + g.complaints, 0), t.complaints, 'the groups add up');
  const fees = r.json.groups.find((g) => g.key === 'fees');
  assert.ok(fees.repeat >= 1);
  const bySeverity = (await get(q('&group_by=severity'), { token: T.quality })).json.groups.map((g) => g.key);
  assert.ok(bySeverity.includes('major') && bySeverity.includes('general'));
  const byHour = (await get(q('&group_by=hour'), { token: T.super })).json.groups;
  assert.ok(byHour.every((g) => g.key === null || /^\d{2}$/.test(g.key)));
  // a community out of reach, a bad group, and who may not
  assert.equal((await get(q(`&community_id=${DEMO.guanghua}`), { token: T.super })).status, 404);
  assert.deepEqual(fieldsOf(await get(q('&group_by=colour'), { token: T.manager, expectInvalidRequest: true })), ['group_by']);
  for (const who of ['agent', 'tech', 'owner1'])
    assert.equal((await get(q(), { token: T[who] })).status, 403, who);
});

test('the deadline policy: per org and community by severity, managed with the SLA policy', async () => {
  const policy = (await get('/v1/sla-policy', { token: T.super })).json;
  assert.deepEqual(policy.complaint_defaults.map((d) => [d.severity, d.forward_minutes]),
    [['major', 10], ['important', 10], ['general', 10]]);
  const body = { community_id: DEMO.guanghua, severity: 'general', forward_minutes: 5, acknowledge_minutes: 30,
    resolve_minutes: 120, business_hours: false };
  assert.equal((await post('/v1/sla-policy/complaint-targets', body, { token: T.super })).status, 403);
  const made = await post('/v1/sla-policy/complaint-targets', body, { token: T.admin });
  assert.equal(made.status, 201, made.text);
  assert.equal((await post('/v1/sla-policy/complaint-targets', body, { token: T.admin })).status, 409);
  // a complaint in 光华 now has 5 minutes to be forwarded and 2 hours to be solved
  const r = await post('/v1/complaints', { community_id: DEMO.guanghua, channel: 'phone', contact_name: '吴先生',
    contact_phone: '13611112222', description: '垃圾桶满了没人清' }, { token: T.admin });
  const k = r.json;
  const minutes = (due) => Math.round((Date.parse(due) - Date.parse(k.created_at)) / 60000);
  assert.equal(minutes(k.deadlines.forward.due_at), 5);
  const acc = (await act(k.id, 'accept', { nature: 'valid', content: 'service_quality', severity: 'general' }, 'admin')).json;
  assert.equal(minutes(acc.deadlines.resolution.due_at), 120);
  assert.ok((await get('/v1/sla-policy', { token: T.manager })).json.complaint_targets.some((t) => t.id === made.json.id));
  const gone = await call('DELETE', `/v1/sla-policy/complaint-targets/${made.json.id}`, { token: T.admin });
  assert.equal(gone.status, 204);
  assert.deepEqual(fieldsOf(await post('/v1/sla-policy/complaint-targets', { severity: 'urgent', forward_minutes: 0 },
    { token: T.admin, expectInvalidRequest: true })).sort(), ['acknowledge_minutes', 'forward_minutes', 'resolve_minutes', 'severity']);
});

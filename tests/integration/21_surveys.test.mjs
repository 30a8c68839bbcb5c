// Satisfaction surveys (满意度调查) through the contract proxy: the default questionnaire, a
// template's versions, a campaign from draft to closed with app and paper answers, the quality
// audit voiding an answer and the results moving with it, the trend across two campaigns, the
// CSV export, and nobody answering or reading what is not theirs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { get, post, patch, call, login, fieldsOf, DEMO, DIRECT, waitFor } from './lib.mjs';

const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', process.env.DATABASE_URL, '-c', q]).toString().trim();
const T = {};
const inFuture = (days) => new Date(Date.now() + days * 86400e3).toISOString();
let template;        // the default template
let units;           // 新苑's units that no demo owner lives in
const LEVELS = { very_satisfied: 100, satisfied: 75, neutral: 50, dissatisfied: 25, very_dissatisfied: 0 };

/* An answer sheet of the default questionnaire: every required rating at level, some overrides. */
function sheet(level, over = {}) {
  const a = {};
  for (const s of template.sections)
    for (const q of s.questions) if (q.type === 'rating5' && q.required) a[q.code] = level;
  return { ...a, ...over };
}

/* The index and rate the results must show, computed here from the sheets that count. */
function expected(sheets) {
  const sections = [];
  let sat = 0, n = 0;
  for (const s of template.sections) {
    const means = [];
    for (const q of s.questions.filter((q) => q.type === 'rating5')) {
      const scores = sheets.map((a) => a[q.code]).filter(Boolean).map((l) => LEVELS[l]);
      if (scores.length) means.push(scores.reduce((x, y) => x + y) / scores.length);
      sat += scores.filter((x) => x >= 75).length;
      n += scores.length;
    }
    if (means.length) sections.push(means.reduce((x, y) => x + y) / means.length);
  }
  return { index: Math.round(sections.reduce((x, y) => x + y) / sections.length * 100) / 100,
           rate: Math.round(sat / n * 10000) / 10000 };
}

async function campaign(body = {}, who = 'quality') {
  const r = await post('/v1/surveys', { title: '2026年度客户满意度调查', template_id: template.id,
    community_ids: [DEMO.xinyuan], opens_at: new Date().toISOString(), closes_at: inFuture(14), ...body }, { token: T[who] });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
async function act(id, action, who = 'quality', status = 200, body = {}) {
  const r = await post(`/v1/surveys/${id}/${action}`, body, { token: T[who] });
  assert.equal(r.status, status, `${action} by ${who}: ${r.text}`);
  return r.json;
}
const answer = (id, body, who) => post(`/v1/surveys/${id}/responses`, body, { token: T[who] });
const paper = (id, unit, serial, answers, who = 'agent') => answer(id, { unit_id: unit, answers, serial,
  collector_id: DEMO.users.agent, collected_at: new Date(Date.now() - 3600e3).toISOString() }, who);
const results = async (id, query = '') => {
  const r = await get(`/v1/surveys/${id}/results${query}`, { token: T.quality });
  assert.equal(r.status, 200, r.text);
  return r.json;
};

test('logins', async () => {
  for (const who of ['owner1', 'owner3', 'owner2', 'otherOwner', 'agent', 'tech', 'super', 'manager', 'quality', 'admin', 'otherAdmin'])
    T[who] = await login(who);
  units = sql(`SELECT u.id FROM units u WHERE u.community_id = '${DEMO.xinyuan}' AND NOT EXISTS (SELECT 1 FROM residencies r
    WHERE r.unit_id = u.id) ORDER BY u.id LIMIT 20`).split('\n');
});

test('the default template is the seed questionnaire: seven rated areas, eighteen items, three open questions', async () => {
  const r = await get('/v1/survey-templates?is_default=true', { token: T.agent });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 1);
  template = r.json.items[0];
  const rated = template.sections.filter((s) => s.questions.some((q) => q.type === 'rating5'));
  assert.deepEqual(rated.map((s) => s.label['zh-CN']),
    ['客户服务', '工程服务', '安全服务', '环境管理', '有偿服务', '投诉受理', '物业管理总体满意度']);
  const questions = template.sections.flatMap((s) => s.questions);
  assert.equal(questions.filter((q) => q.type === 'rating5').length, 18);
  assert.deepEqual(questions.filter((q) => q.type === 'text').map((q) => q.label['zh-CN']),
    ['有待改进的方面', '还应提供哪些服务', '其他意见或建议']);
  assert.ok(questions.some((q) => q.label['zh-CN'] === '设备维修及时性'));
  assert.equal(template.rating_questions, 18);
  // the other org has its own
  const other = await get('/v1/survey-templates', { token: T.otherAdmin });
  assert.equal(other.json.items.length, 1);
  assert.notEqual(other.json.items[0].id, template.id);
  assert.equal((await get(`/v1/survey-templates/${template.id}`, { token: T.otherAdmin })).status, 404);
  assert.equal((await get('/v1/survey-templates', { token: T.owner1 })).status, 403);
});

test('templates: every problem named, versions, and a stale revision is 412', async () => {
  const bad = await post('/v1/survey-templates', { name: '', sections: [{ code: 'A', label: { 'zh-CN': '' }, weight: 0,
    questions: [{ code: 'q1', label: { 'zh-CN': '单选' }, type: 'single', options: [{ code: 'x', label: { 'zh-CN': 'X' } }] },
                { code: 'q1', label: { 'zh-CN': '?' }, type: 'essay' }] }], extra: 1 },
    { token: T.quality, expectInvalidRequest: true });
  assert.equal(bad.status, 400, bad.text);
  for (const f of ['name', 'extra', 'sections[0].code', 'sections[0].label', 'sections[0].weight',
    'sections[0].questions[0].options', 'sections[0].questions[1].code', 'sections[0].questions[1].type'])
    assert.ok(fieldsOf(bad).includes(f), `${f} in ${fieldsOf(bad)}`);
  const sections = [{ code: 'service', label: { 'zh-CN': '服务', en: 'Service' }, weight: 2, questions: [
    { code: 'attitude', label: { 'zh-CN': '态度' }, type: 'rating5', weight: 1 },
    { code: 'speed', label: { 'zh-CN': '速度' }, type: 'rating5', weight: 3, required: false },
    { code: 'channel', label: { 'zh-CN': '了解渠道' }, type: 'single',
      options: [{ code: 'app', label: { 'zh-CN': '业主App' } }, { code: 'board', label: { 'zh-CN': '公告栏' } }] },
    { code: 'wishes', label: { 'zh-CN': '希望增加' }, type: 'multiple', required: false,
      options: [{ code: 'gym', label: { 'zh-CN': '健身房' } }, { code: 'parking', label: { 'zh-CN': '车位' } }] }] }];
  const r = await post('/v1/survey-templates', { name: '维修回访问卷', sections }, { token: T.quality });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.version, 1);
  assert.equal(r.json.sections[0].questions[2].required, true);
  assert.equal((await post('/v1/survey-templates', { name: 'x', sections }, { token: T.agent })).status, 403);
  const v2 = await patch(`/v1/survey-templates/${r.json.id}`, { name: '维修回访问卷（修订）' },
    { token: T.quality, headers: { 'if-match': '"1"' } });
  assert.equal(v2.status, 200, v2.text);
  assert.equal(v2.json.version, 2);
  assert.deepEqual(v2.json.sections, r.json.sections);
  const stale = await patch(`/v1/survey-templates/${r.json.id}`, { name: 'again' }, { token: T.quality, headers: { 'if-match': '"1"' } });
  assert.equal(stale.status, 412, stale.text);
  const v1 = await get(`/v1/survey-templates/${r.json.id}?version=1`, { token: T.agent });
  assert.equal(v1.json.name, '维修回访问卷');
  assert.equal(v1.json.latest, false);
  // a campaign freezes the version it uses; choice questions are counted per option
  const s = await campaign({ template_id: r.json.id, template_version: 1, title: '维修回访' });
  assert.equal(s.template_version, 1);
  await act(s.id, 'open');
  const sheets = [{ attitude: 'satisfied', channel: 'app', wishes: ['gym', 'parking'] },
                  { attitude: 'very_satisfied', speed: 'neutral', channel: 'board', wishes: ['parking'] }];
  for (let i = 0; i < sheets.length; i++)
    assert.equal((await paper(s.id, units[i], `R-${i}`, sheets[i])).status, 201);
  assert.deepEqual(fieldsOf(await paper(s.id, units[5], 'R-9', { attitude: 'good', channel: 'fax', wishes: ['gym', 'gym'] })).sort(),
    ['answers.attitude', 'answers.channel', 'answers.wishes']);
  const res = await results(s.id);
  const q = Object.fromEntries(res.questions.map((x) => [x.code, x]));
  assert.deepEqual(q.channel.distribution, [{ code: 'app', count: 1 }, { code: 'board', count: 1 }]);
  assert.deepEqual(q.wishes.distribution, [{ code: 'gym', count: 1 }, { code: 'parking', count: 2 }]);
  assert.equal(q.attitude.mean_score, 87.5);
  // the section weighs speed three times attitude: (87.5 * 1 + 50 * 3) / 4
  assert.equal(res.summary.sections[0].index, 59.38);
  assert.equal(res.summary.index, 59.38);
});

test('a campaign end to end: draft, bad input, open (residents told, its notice out), app and paper answers', async () => {
  const bad = await post('/v1/surveys', { title: '', template_id: 'x', community_ids: [], opens_at: 'soon',
    closes_at: '2020-01-01T00:00:00Z', audience: 'some', sample_percent: 200, answer_per: 'flat', anonymous: 'no',
    target_rate: 2, extra: 1 }, { token: T.quality, expectInvalidRequest: true });
  for (const f of ['title', 'template_id', 'community_ids', 'opens_at', 'closes_at', 'audience', 'answer_per', 'anonymous',
    'target_rate', 'extra'])
    assert.ok(fieldsOf(bad).includes(f), `${f} in ${fieldsOf(bad)}`);
  assert.equal((await post('/v1/surveys', { title: 'x', template_id: template.id, community_ids: [DEMO.otherCommunity],
    opens_at: new Date().toISOString(), closes_at: inFuture(1) }, { token: T.quality })).status, 404);
  for (const who of ['agent', 'super', 'owner1'])
    assert.equal((await post('/v1/surveys', { title: 'x', template_id: template.id, community_ids: [DEMO.xinyuan],
      opens_at: new Date().toISOString(), closes_at: inFuture(1) }, { token: T[who] })).status, 403, who);

  const s = await campaign({ announce: true, title: '2026年下半年客户满意度调查' });
  assert.equal(s.status, 'draft');
  assert.equal(s.target_rate, 0.85);
  assert.deepEqual(s.allowed_actions, ['update', 'schedule', 'open']);
  // owners see nothing of a draft; nobody answers it
  assert.equal((await get(`/v1/surveys/${s.id}`, { token: T.owner1 })).status, 404);
  assert.equal((await answer(s.id, { answers: sheet('satisfied') }, 'owner1')).status, 404);
  assert.equal((await paper(s.id, units[0], 'P-0', sheet('satisfied'))).status, 409);

  const open = await act(s.id, 'open');
  assert.equal(open.status, 'open');
  const households = Number(sql(`SELECT count(*) FROM units WHERE community_id = '${DEMO.xinyuan}'`));
  assert.equal(open.targets, households);
  // the targeted residents are told; the notice links the campaign
  await waitFor(async () => (await get('/v1/me/notifications?limit=100', { token: T.owner1 })).json.items
    .some((n) => n.type === 'survey.opened' && n.subject_id === s.id), 'owner1 told');
  const notice = (await get(`/v1/announcements/${open.announcement_id}`, { token: T.owner1 })).json;
  assert.equal(notice.category, 'survey');
  assert.equal(notice.survey_id, s.id);
  assert.equal((await get('/v1/me/notifications?limit=100', { token: T.owner2 })).json.items.some((n) => n.subject_id === s.id), false);

  const mine = (await get('/v1/me/surveys', { token: T.owner1 })).json.items.find((x) => x.id === s.id);
  assert.equal(mine.units.length, 1);
  assert.equal(mine.units[0].answered_at, null);
  assert.ok(mine.sections.length >= 7);
  assert.equal((await get('/v1/me/surveys', { token: T.owner2 })).json.items.some((x) => x.id === s.id), false);

  // required questions: every missing one named; unknown ones too
  const missing = await answer(s.id, { answers: { cs_attitude: 'satisfied', bogus: 'x' } }, 'owner1');
  assert.equal(missing.status, 400);
  assert.ok(fieldsOf(missing).includes('answers.overall'));
  assert.ok(fieldsOf(missing).includes('answers.bogus'));
  assert.equal(fieldsOf(missing).includes('answers.paid_cleaning'), false);   // optional
  // another unit is not theirs; 光华's owner is not in the audience
  assert.deepEqual(fieldsOf(await answer(s.id, { unit_id: units[0], answers: sheet('satisfied') }, 'owner1')), ['unit_id']);
  assert.equal((await answer(s.id, { answers: sheet('satisfied') }, 'owner2')).status, 404);
  assert.equal((await answer(s.id, { answers: sheet('satisfied') }, 'otherOwner')).status, 404);

  const a1 = await answer(s.id, { answers: sheet('very_satisfied', { improve: '=HYPERLINK("x")' }) }, 'owner1');
  assert.equal(a1.status, 201, a1.text);
  assert.equal(a1.json.channel, 'app');
  const again = await answer(s.id, { answers: sheet('satisfied') }, 'owner1');
  assert.equal(again.status, 409, again.text);
  assert.equal((await answer(s.id, { answers: sheet('dissatisfied', { sec_parking: 'very_dissatisfied' }) }, 'owner3')).status, 201);

  // paper: collector, time and serial required; one answer per unit across both channels
  const noCollector = await answer(s.id, { unit_id: units[0], answers: sheet('satisfied') }, 'agent');
  assert.deepEqual(fieldsOf(noCollector).sort(), ['collected_at', 'collector_id', 'serial']);
  assert.deepEqual(fieldsOf(await answer(s.id, { unit_id: units[0], answers: sheet('satisfied'), serial: 'P-X',
    collector_id: DEMO.users.owner1, collected_at: new Date().toISOString() }, 'agent')), ['collector_id']);
  // a collector must serve the unit's community: staff of 光华小区 only cannot have collected in 新苑小区
  const elsewhere = await post('/v1/users', { kind: 'staff', name: '光华客服', username: `gh-${Date.now().toString(36)}`,
    password: 'correct horse battery' }, { token: T.admin });
  assert.equal(elsewhere.status, 201, elsewhere.text);
  assert.equal((await post('/v1/role-grants', { user_id: elsewhere.json.id, role: 'agent', community_id: DEMO.guanghua },
    { token: T.admin })).status, 201);
  assert.deepEqual(fieldsOf(await answer(s.id, { unit_id: units[0], answers: sheet('satisfied'), serial: 'P-Y',
    collector_id: elsewhere.json.id, collected_at: new Date().toISOString() }, 'agent')), ['collector_id']);
  const owner1Unit = mine.units[0].unit_id;
  assert.equal((await paper(s.id, owner1Unit, 'P-100', sheet('satisfied'))).status, 409);
  const levels = ['satisfied', 'neutral', 'satisfied', 'very_satisfied', 'satisfied', 'satisfied'];
  for (let i = 0; i < levels.length; i++) {
    const r = await paper(s.id, units[i], `P-${i}`, sheet(levels[i]));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.collector_id, DEMO.users.agent);
  }
  assert.equal((await paper(s.id, units[10], 'P-0', sheet('satisfied'))).status, 409);   // the serial again
  assert.equal((await paper(s.id, units[11], 'P-11', sheet('satisfied'), 'tech')).status, 403);

  const sheets = [sheet('very_satisfied'), sheet('dissatisfied', { sec_parking: 'very_dissatisfied' }), ...levels.map((l) => sheet(l))];
  const res = await results(s.id);
  const want = expected(sheets);
  assert.equal(res.summary.index, want.index);
  assert.equal(res.summary.satisfaction_rate, want.rate);
  assert.equal(res.participation.answered_units, 8);
  assert.equal(res.participation.targets, households);
  assert.equal(res.participation.response_rate, Math.round(8 / households * 10000) / 10000);
  assert.equal(res.participation.target_met, false);
  const overall = res.questions.find((q) => q.code === 'overall');
  assert.deepEqual(overall.distribution, { very_satisfied: 2, satisfied: 4, neutral: 1, dissatisfied: 1, very_dissatisfied: 0 });
  assert.equal(res.communities.length, 1);
  assert.equal(res.communities[0].index, want.index);
  assert.equal(res.buildings.reduce((n, b) => n + b.answered_units, 0), 8);
  // one building's slice: its own figures
  const b = res.buildings.find((x) => x.answered_units > 0);
  const slice = await results(s.id, `?building_id=${b.building_id}`);
  assert.equal(slice.participation.answered_units, b.answered_units);
  assert.equal(slice.summary.index, b.index);
  for (const who of ['owner1', 'agent', 'tech'])
    assert.equal((await get(`/v1/surveys/${s.id}/results`, { token: T[who] })).status, 403, who);
  assert.equal((await get(`/v1/surveys/${s.id}/results`, { token: T.otherAdmin })).status, 404);

  // the CSV: a BOM, a column per question, one line per answer, no formula let through
  const csv = await call('GET', `/v1/surveys/${s.id}/results.csv`, { token: T.quality });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const bytes = Buffer.from(await (await fetch(`${DIRECT}/v1/surveys/${s.id}/results.csv`,
    { headers: { authorization: `Bearer ${T.quality}` } })).arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
  assert.equal(lines.length, 1 + 8);
  assert.ok(lines[0].includes('房号'));
  assert.ok(lines[0].includes('"客户服务/客服工作态度"'));
  assert.equal(lines[0].split(',').length, 11 + 21);
  assert.ok(lines.some((l) => l.includes('"\'=HYPERLINK(""x"")"')), 'a formula is defused');
  assert.ok(lines.some((l) => l.includes('"非常满意"')));

  // closing: no answer after
  await act(s.id, 'close', 'agent', 403);
  const closed = await act(s.id, 'close');
  assert.equal(closed.status, 'closed');
  assert.equal((await paper(s.id, units[12], 'P-12', sheet('satisfied'))).status, 409);
  assert.equal((await get('/v1/me/surveys', { token: T.owner1 })).json.items.some((x) => x.id === s.id), false);
  test.survey = { id: s.id, sheets };
});

test('the quality audit: a reproducible sample of paper answers, a void leaves the results, voids per collector', async () => {
  const { id, sheets } = test.survey;
  assert.equal((await get(`/v1/surveys/${id}/audit`, { token: T.quality })).json.drawn, false);
  assert.equal((await post(`/v1/surveys/${id}/audit`, {}, { token: T.agent })).status, 403);
  const audit = await act(id, 'audit', 'quality', 200, { percent: 50, seed: 42 });
  assert.equal(audit.drawn, true);
  assert.equal(audit.seed, '42');
  assert.equal(audit.communities[0].paper_answers, 6);
  assert.equal(audit.communities[0].sampled, 3);   // the ceiling of 50% of 6
  assert.equal(audit.sample.length, 3);
  assert.ok(audit.sample.every((x) => x.channel === 'paper'));
  // the same seed draws the same answers
  const again = sql(`SELECT string_agg(x.id::text, ',' ORDER BY x.id) FROM (SELECT r.id, row_number() OVER (ORDER BY
    md5('42' || r.id::text)) AS k FROM survey_responses r WHERE r.survey_id = '${id}' AND r.channel = 'paper') x WHERE x.k <= 3`);
  assert.equal(audit.sample.map((x) => x.id).sort().join(','), again);
  assert.equal((await post(`/v1/surveys/${id}/audit`, {}, { token: T.quality })).status, 409);

  const [fake, real] = audit.sample;
  assert.deepEqual(fieldsOf(await post(`/v1/survey-responses/${fake.id}/audit`, { verdict: 'void' }, { token: T.quality })), ['reason']);
  const v = await post(`/v1/survey-responses/${fake.id}/audit`, { verdict: 'void', reason: '回访业主称未填写此问卷' }, { token: T.quality });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.audit.verdict, 'void');
  assert.equal((await post(`/v1/survey-responses/${fake.id}/audit`, { verdict: 'verified' }, { token: T.quality })).status, 409);
  assert.equal((await post(`/v1/survey-responses/${real.id}/audit`, { verdict: 'verified' }, { token: T.quality })).status, 200);
  const unsampled = sql(`SELECT id FROM survey_responses WHERE survey_id = '${id}' AND NOT audit_sampled LIMIT 1`);
  assert.equal((await post(`/v1/survey-responses/${unsampled}/audit`, { verdict: 'verified' }, { token: T.quality })).status, 409);
  assert.equal((await post(`/v1/survey-responses/${real.id}/audit`, { verdict: 'void', reason: 'x' }, { token: T.agent })).status, 403);

  const report = (await get(`/v1/surveys/${id}/audit`, { token: T.quality })).json;
  const agent = report.collectors.find((c) => c.collector_id === DEMO.users.agent);
  assert.deepEqual([agent.paper_answers, agent.sampled, agent.verified, agent.void], [6, 3, 1, 1]);
  assert.equal(report.communities[0].pending, 1);

  // the void answer leaves the results
  const counted = sheets.filter((x, i) => i !== 2 + Number(sql(`SELECT substr(serial, 3) FROM survey_responses WHERE id = '${fake.id}'`)));
  const res = await results(id);
  assert.equal(res.participation.void, 1);
  assert.equal(res.participation.answered_units, 7);
  assert.equal(res.summary.index, expected(counted).index);
  assert.equal(res.summary.satisfaction_rate, expected(counted).rate);
});

test('the trend: the next campaign of the same template against this one, per section', async () => {
  const first = test.survey.id;
  const s = await campaign({ title: '2027年上半年客户满意度调查', opens_at: new Date(Date.now() + 1500).toISOString(), anonymous: true,
    audience: 'sample', sample_percent: 50, sample_seed: 7 });
  assert.equal(s.sample_seed, '7');
  await act(s.id, 'schedule');
  // the sweep opens it at opens_at
  await waitFor(async () => (await get(`/v1/surveys/${s.id}`, { token: T.quality })).json.status === 'open', 'opened by the sweep');
  const drawn = sql(`SELECT string_agg(unit_id::text, ',' ORDER BY unit_id) FROM survey_targets WHERE survey_id = '${s.id}'`);
  const redraw = sql(`SELECT string_agg(unit_id::text, ',' ORDER BY unit_id) FROM pd_survey_draw('${DEMO.org}',
    ARRAY['${DEMO.xinyuan}']::uuid[], 50, 7)`);
  assert.equal(drawn, redraw, 'the same seed draws the same units');
  const targets = drawn.split(',');
  const households = Number(sql(`SELECT count(*) FROM units WHERE community_id = '${DEMO.xinyuan}'`));
  assert.equal(targets.length, Math.ceil(households / 2));
  const outside = sql(`SELECT id FROM units WHERE community_id = '${DEMO.xinyuan}' AND id <> ALL ('{${drawn}}'::uuid[]) LIMIT 1`);
  assert.deepEqual(fieldsOf(await paper(s.id, outside, 'Q-X', sheet('satisfied'))), ['unit_id']);
  const sheets = [];
  for (let i = 0; i < 6; i++) {
    sheets.push(sheet('very_satisfied', i % 2 ? { sec_parking: 'neutral' } : {}));
    assert.equal((await paper(s.id, targets[i], `Q-${i}`, sheets[i])).status, 201);
  }
  // anonymous: no unit on an answer, none in the export; small buildings withheld
  const listed = (await act(s.id, 'close'));
  assert.equal(listed.status, 'closed');
  const res = await results(s.id);
  assert.equal(res.trend.previous_survey_id, first);
  const prev = await results(first);
  assert.equal(res.trend.index_delta, Math.round((res.summary.index - prev.summary.index) * 100) / 100);
  const sec = res.trend.sections.find((x) => x.code === 'security');
  const mine = res.summary.sections.find((x) => x.code === 'security'), theirs = prev.summary.sections.find((x) => x.code === 'security');
  assert.equal(sec.index_delta, Math.round((mine.index - theirs.index) * 100) / 100);
  assert.ok(res.buildings.every((b) => b.answered_units >= 5));
  assert.equal(res.buildings_withheld + res.buildings.length,
    Number(sql(`SELECT count(DISTINCT building_id) FROM survey_targets WHERE survey_id = '${s.id}'`)));
  // six answers over 新苑's three buildings: one of them has fewer than five, and is not shown alone either
  const small = sql(`SELECT t.building_id FROM survey_targets t WHERE t.survey_id = '${s.id}' GROUP BY 1 HAVING
    (SELECT count(*) FROM survey_responses r WHERE r.survey_id = '${s.id}' AND r.building_id = t.building_id) < 5 LIMIT 1`);
  assert.equal((await get(`/v1/surveys/${s.id}/results?building_id=${small}`, { token: T.quality })).status, 409);
  const audit = await act(s.id, 'audit', 'quality', 200, { percent: 100 });
  assert.ok(audit.sample.every((x) => x.unit_id === null && x.building_id === null));
  const text = Buffer.from(await (await fetch(`${DIRECT}/v1/surveys/${s.id}/results.csv`,
    { headers: { authorization: `Bearer ${T.super}` } })).arrayBuffer()).toString('utf8');
  assert.equal(text.includes('房号'), false);
  assert.equal(text.trim().split('\r\n').length, 7);

  // the monthly service report gives the latest campaign closed by the month's end
  // (months in the org's time zone, as the report counts them: on a month's last evening in UTC,
  // Beijing is already in the next one)
  sql(`UPDATE surveys SET closed_at = (date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') - interval '5 days')
    AT TIME ZONE 'Asia/Shanghai' WHERE id = '${first}'`);
  const month = sql(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai' - interval '1 month', 'YYYY-MM')`);
  const report = await post('/v1/announcements/service-report', { community_id: DEMO.xinyuan, month }, { token: T.super });
  assert.equal(report.status, 201, report.text);
  assert.equal(report.json.report.survey.survey_id, first);
  assert.equal(report.json.report.survey.index, prev.communities[0].index);
  assert.match(report.json.body, new RegExp(`客户满意度指数 ${prev.communities[0].index.toFixed(1)}`));
});

test('the desk enters paper answers only for the units of its communities', async () => {
  const s = await campaign({ title: '两小区联合调查', community_ids: [DEMO.xinyuan, DEMO.guanghua] });
  await act(s.id, 'open');
  const gh = sql(`SELECT id FROM units WHERE community_id = '${DEMO.guanghua}' AND NOT EXISTS (SELECT 1 FROM residencies r
    WHERE r.unit_id = units.id) LIMIT 1`);
  assert.deepEqual(fieldsOf(await paper(s.id, gh, 'G-1', sheet('satisfied'))), ['unit_id']);   // the agent serves 新苑
  assert.equal((await answer(s.id, { unit_id: gh, answers: sheet('satisfied'), serial: 'G-1', collector_id: DEMO.users.admin,
    collected_at: new Date(Date.now() - 3600e3).toISOString() }, 'admin')).status, 201);   // (collected by someone serving 光华)
  assert.equal((await paper(s.id, units[0], 'G-2', sheet('satisfied'))).status, 201);
  // the agent sees the campaign (新苑 is in it) but 新苑's supervisor reads only 新苑's figures
  const mine = (await get(`/v1/surveys/${s.id}/results`, { token: T.super })).json;
  assert.deepEqual(mine.communities.map((c) => c.community_id), [DEMO.xinyuan]);
  assert.equal(mine.participation.answered_units, 1);
  assert.equal((await results(s.id)).participation.answered_units, 2);
  // … nor the other community's answers in the export
  const csv = async (who) => Buffer.from(await (await fetch(`${DIRECT}/v1/surveys/${s.id}/results.csv`,
    { headers: { authorization: `Bearer ${T[who]}` } })).arrayBuffer()).toString('utf8').trim().split('\r\n');
  assert.equal((await csv('super')).length, 2);
  assert.equal((await csv('quality')).length, 3);
  // owners are not shown who made it nor the seed
  const seen = (await get(`/v1/surveys/${s.id}`, { token: T.owner1 })).json;
  assert.equal(seen.sample_seed, undefined);
  assert.equal(seen.created_by, undefined);
  await act(s.id, 'close');
});

test('a draft is edited field by field; the window is checked', async () => {
  const s = await campaign({ title: '草稿' });
  const r = await patch(`/v1/surveys/${s.id}`, { title: '草稿（改）', audience: 'sample', sample_percent: 20 },
    { token: T.quality, headers: { 'if-match': `"${s.version}"` } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.title, r.json.audience, r.json.sample_percent, r.json.community_ids],
    ['草稿（改）', 'sample', 20, [DEMO.xinyuan]]);
  assert.deepEqual(fieldsOf(await patch(`/v1/surveys/${s.id}`, { opens_at: inFuture(30) }, { token: T.quality })), ['closes_at']);
  assert.equal((await patch(`/v1/surveys/${s.id}`, { title: 'x' }, { token: T.agent })).status, 403);
  await act(s.id, 'open');
  assert.equal((await patch(`/v1/surveys/${s.id}`, { title: 'x' }, { token: T.quality })).status, 409);
  await act(s.id, 'close');
});

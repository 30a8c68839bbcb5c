// The SLA policy and holiday calendar admins manage, and their effect on new tickets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, post, patch, del, login, fieldsOf, DEMO } from './lib.mjs';

test('policy: built-in defaults, settings changes, a community target that new tickets use', async () => {
  const admin = await login('admin');
  const sup = await login('super');
  const p = await get('/v1/sla-policy', { token: sup });
  assert.equal(p.status, 200, p.text);
  const p1 = p.json.defaults.find((d) => d.priority === 'P1');
  assert.deepEqual([p1.contact_minutes, p1.arrival_minutes, p1.business_hours], [15, 30, false]);
  assert.equal(p.json.defaults.find((d) => d.priority === 'P3').arrival_next_day, true);
  assert.equal(p.json.settings.auto_close_hours, 72);
  assert.deepEqual(p.json.allowed_actions, []);
  assert.equal((await patch('/v1/sla-policy', { warn_before_minutes: 15 }, { token: sup })).status, 403);
  const up = await patch('/v1/sla-policy', { warn_before_minutes: 15 }, { token: admin });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.settings.warn_before_minutes, 15);
  const bad = await patch('/v1/sla-policy', { auto_close_hours: 0, colour: 1 }, { token: admin, expectInvalidRequest: true });
  for (const f of ['auto_close_hours', 'colour']) assert.ok(fieldsOf(bad).includes(f));

  const t = await post('/v1/sla-policy/targets', { community_id: DEMO.xinyuan, priority: 'P3', category: 'elevator',
    contact_minutes: 5, arrival_minutes: 20, resolve_minutes: 120, business_hours: false }, { token: admin });
  assert.equal(t.status, 201, t.text);
  assert.equal((await post('/v1/sla-policy/targets', { community_id: DEMO.xinyuan, priority: 'P3', category: 'elevator',
    contact_minutes: 9, arrival_next_day: true, resolve_minutes: 99 }, { token: admin })).status, 409);
  const both = await post('/v1/sla-policy/targets', { priority: 'P2', contact_minutes: 9, arrival_minutes: 9,
    arrival_next_day: true, resolve_minutes: 9 }, { token: admin, expectInvalidRequest: true });
  assert.ok(fieldsOf(both).includes('arrival_minutes'));

  const owner = await login('owner1');
  const unit = (await get('/v1/me', { token: owner })).json.units[0].id;
  const before = Date.now();
  const tk = await post('/v1/tickets', { kind: 'repair', unit_id: unit, category: 'elevator', description: '电梯异响' }, { token: owner });
  assert.equal(tk.status, 201, tk.text);
  const due = Date.parse(tk.json.sla.contact.due_at);
  assert.ok(due - before >= 4.5 * 60e3 && due - before <= 5.5 * 60e3, `contact due ${tk.json.sla.contact.due_at}`);
  assert.equal(tk.json.sla.business_hours, false);
  assert.equal((await del(`/v1/sla-policy/targets/${t.json.id}`, { token: admin })).status, 204);
  assert.equal((await del(`/v1/sla-policy/targets/${t.json.id}`, { token: admin })).status, 404);
});

test('holiday calendar: days off and 调休 workdays, org-wide or per community', async () => {
  const admin = await login('admin');
  const h = await post('/v1/holidays', { day: '2026-12-25', name: '测试假日' }, { token: admin });
  assert.equal(h.status, 201, h.text);
  assert.equal(h.json.kind, 'holiday');
  const w = await post('/v1/holidays', { day: '2026-12-27', kind: 'workday', name: '调休上班', community_id: DEMO.xinyuan }, { token: admin });
  assert.equal(w.status, 201, w.text);
  assert.equal((await post('/v1/holidays', { day: '2026-12-25', name: '重复' }, { token: admin })).status, 409);
  const bad = await post('/v1/holidays', { day: '2026-13-40', name: '' }, { token: admin, expectInvalidRequest: true });
  for (const f of ['day', 'name']) assert.ok(fieldsOf(bad).includes(f));
  const list = await get(`/v1/holidays?community_id=${DEMO.xinyuan}&year=2026`, { token: await login('agent') });
  assert.ok(list.json.items.some((x) => x.day === '2026-12-25') && list.json.items.some((x) => x.kind === 'workday'));
  assert.equal((await post('/v1/holidays', { day: '2026-12-31', name: 'x' }, { token: await login('manager') })).status, 403);
  assert.equal((await del(`/v1/holidays/${h.json.id}`, { token: admin })).status, 204);
  assert.equal((await del(`/v1/holidays/${w.json.id}`, { token: admin })).status, 204);
});

test('holidays count as far ahead as a clock can run, not only the next 120 days', async () => {
  const admin = await login('admin');
  // 280 working days of 08:30–18:00 (every day is one in the demo): the clock runs ~280 days
  const t = await post('/v1/sla-policy/targets', { community_id: DEMO.xinyuan, priority: 'P3', category: 'greening',
    contact_minutes: 60, arrival_next_day: true, resolve_minutes: 160000, business_hours: true }, { token: admin });
  assert.equal(t.status, 201, t.text);
  const owner = await login('owner1');
  const unit = (await get('/v1/me', { token: owner })).json.units[0].id;
  const open = async () => {
    const tk = await post('/v1/tickets', { kind: 'repair', unit_id: unit, category: 'greening', description: '草坪修剪' }, { token: owner });
    assert.equal(tk.status, 201, tk.text);
    return Date.parse(tk.json.sla.resolution.due_at);
  };
  const before = await open();
  assert.ok(before - Date.now() > 250 * 86400e3, `resolve due ${new Date(before).toISOString()}`);

  // a Wednesday about 200 days out (Shanghai dates), well inside that clock
  const shanghaiDay = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(ms));
  let ms = Date.now() + 200 * 86400e3;
  while (new Date(`${shanghaiDay(ms)}T12:00:00Z`).getUTCDay() !== 3) ms += 86400e3;
  const h = await post('/v1/holidays', { day: shanghaiDay(ms), name: '远期假日', community_id: DEMO.xinyuan }, { token: admin });
  assert.equal(h.status, 201, h.text);
  try {
    const after = await open();
    // one working day less before the due: it moves to the next working day (1 to 3 days later)
    assert.ok(after - before >= 20 * 3600e3 && after - before <= 4 * 86400e3,
      `due ${new Date(before).toISOString()} → ${new Date(after).toISOString()} with a holiday on ${shanghaiDay(ms)}`);
  } finally {
    assert.equal((await del(`/v1/holidays/${h.json.id}`, { token: admin })).status, 204);
    assert.equal((await del(`/v1/sla-policy/targets/${t.json.id}`, { token: admin })).status, 204);
  }
});

// Lists built from a spec: the filters present make the statement; the search is a
// case-insensitive substring with LIKE's wildcards taken literally; bad parameters are all
// named at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, post, login, fieldsOf, unique } from './lib.mjs';

test('ticket search: any case, wildcards literal, combined with other filters and pages', async () => {
  const owner = await login('owner1');
  const unit = (await get('/v1/me', { token: owner })).json.units[0].id;
  const tag = unique('Zq');
  const made = [];
  for (const description of [`${tag} 水管 50%_OFF`, `${tag} 水管 50 percent off`, `${tag} 门禁`])
    made.push((await post('/v1/tickets', { kind: 'repair', unit_id: unit, category: description.includes('门禁') ? 'access' : 'plumbing', description }, { token: owner })).json);
  const agent = await login('agent');
  const q = (s, extra = '') => get(`/v1/tickets?q=${encodeURIComponent(s)}${extra}`, { token: agent });
  assert.equal((await q(tag.toLowerCase())).json.items.length, 3, 'any case');
  const literal = await q(`${tag} 水管 50%_`);
  assert.deepEqual(literal.json.items.map((t) => t.id), [made[0].id], '% and _ are literal characters');
  const plumbing = await q(tag, '&category=plumbing');
  assert.equal(plumbing.json.items.length, 2);
  const page1 = await q(tag, '&limit=2');
  assert.equal(page1.json.items.length, 2);
  const page2 = await q(tag, `&limit=2&cursor=${encodeURIComponent(page1.json.next_cursor)}`);
  assert.deepEqual(page2.json.items.map((t) => t.id), [made[0].id], 'the cursor continues the same shape');
});

test('every bad list parameter is named at once', async () => {
  const agent = await login('agent');
  const r = await get('/v1/tickets?status=nope&community_id=x&created_from=yesterday&overdue=maybe&q=' + 'x'.repeat(51),
    { token: agent, expectInvalidRequest: true });
  assert.deepEqual(fieldsOf(r).sort(), ['community_id', 'created_from', 'overdue', 'q', 'status']);
});

// Reads queued on an event loop's pipelined connection (api_read, src/db_pipe.c) answer the
// request that asked: many callers' reads in flight at once, with found and not-found rows
// mixed in one pipeline, each get exactly the answer they get one at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, post, login, unique } from './lib.mjs';

test('concurrent reads of several callers each get their own answer', async () => {
  const [owner1, owner3, admin, agent] = await Promise.all(['owner1', 'owner3', 'admin', 'agent'].map((w) => login(w)));
  const marker = unique('pipe');
  const unitOf = async (token) => (await get('/v1/me', { token })).json.units[0].id;
  const [unit1, unit3] = await Promise.all([unitOf(owner1), unitOf(owner3)]);
  const report = async (token, unit_id, n) => {
    const r = await post('/v1/tickets', { kind: 'repair', unit_id, category: 'plumbing',
      description: `${marker} 第${n}处水管滴水` }, { token });
    assert.equal(r.status, 201, r.text);
    return r.json.id;
  };
  const mine1 = await Promise.all([1, 2, 3].map((n) => report(owner1, unit1, n)));
  const mine3 = await Promise.all([4, 5].map((n) => report(owner3, unit3, n)));

  const callers = { owner1, owner3, admin, agent };
  const reads = [];
  for (const id of [...mine1, ...mine3])
    for (const who of Object.keys(callers)) reads.push({ who, path: `/v1/tickets/${id}`, id });
  for (const who of ['owner1', 'owner3', 'admin'])
    reads.push({ who, path: `/v1/tickets?q=${encodeURIComponent(marker)}&limit=10` });

  // one at a time: the answers to expect
  for (const r of reads) {
    const res = await get(r.path, { token: callers[r.who], direct: true });
    r.status = res.status;
    r.body = res.text;
  }
  const status = (who, id) => reads.find((r) => r.who === who && r.id === id).status;
  assert.equal(status('owner1', mine1[0]), 200);
  assert.equal(status('owner1', mine3[0]), 404, "another unit's ticket is not the owner's to read");
  assert.equal(status('owner3', mine1[0]), 404);
  assert.equal(status('admin', mine3[1]), 200);
  const listOf = (who) => JSON.parse(reads.find((r) => r.who === who && !r.id).body).items.map((t) => t.id).sort();
  assert.deepEqual(listOf('owner1'), [...mine1].sort());
  assert.deepEqual(listOf('owner3'), [...mine3].sort());
  assert.deepEqual(listOf('admin'), [...mine1, ...mine3].sort());
  assert.notEqual(reads.find((r) => r.who === 'admin' && r.id === mine1[0]).body,
    reads.find((r) => r.who === 'owner1' && r.id === mine1[0]).body, 'the same ticket reads differently per caller');

  // all at once, shuffled, many rounds: every answer is the caller's own
  const rounds = [];
  for (let i = 0; i < 12; i++) rounds.push(...reads);
  for (let i = rounds.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [rounds[i], rounds[j]] = [rounds[j], rounds[i]];
  }
  const answers = await Promise.all(rounds.map((r) => get(r.path, { token: callers[r.who], direct: true })));
  answers.forEach((res, i) => {
    const r = rounds[i];
    assert.equal(res.status, r.status, `${r.who} ${r.path}`);
    if (r.status === 200) assert.equal(res.text, r.body, `${r.who} ${r.path}: the body read one at a time`);
    if (r.id && r.status === 200) assert.equal(res.json.id, r.id);
  });
});

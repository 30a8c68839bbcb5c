// Reads queued on an event loop's pipelined connection (api_read, src/db_pipe.c) answer the
// request that asked: many callers' reads in flight at once, with found and not-found rows
// mixed in one pipeline, each get exactly the answer they get one at a time; and so do the
// reads in flight on a pipe whose connection is lost (they run again on the pool).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { get, post, login, unique, DEMO } from './lib.mjs';

const psql = (q) => new Promise((resolve, reject) => execFile('psql', ['-X', '-q', '-At', process.env.DATABASE_URL, '-c', q],
  (err, out) => (err ? reject(err) : resolve(out.trim()))));
let callers, reads;  // the first test's callers, and its reads with the answers one at a time

const shuffled = (list) => {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

// every read of the batch at once: each answer is the one its caller got alone
const allAtOnce = async (batch) => {
  const answers = await Promise.all(batch.map((r) => get(r.path, { token: callers[r.who], direct: true, allow5xx: true })));
  answers.forEach((res, i) => {
    const r = batch[i];
    assert.equal(res.status, r.status, `${r.who} ${r.path}: ${res.text}`);
    if (r.status === 200) assert.equal(res.text, r.body, `${r.who} ${r.path}: the body read one at a time`);
    if (r.id && r.status === 200) assert.equal(res.json.id, r.id);
  });
};

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

  callers = { owner1, owner3, admin, agent };
  reads = [];
  for (const id of [...mine1, ...mine3])
    for (const who of Object.keys(callers)) reads.push({ who, path: `/v1/tickets/${id}`, id });
  for (const who of ['owner1', 'owner3', 'admin'])
    reads.push({ who, path: `/v1/tickets?q=${encodeURIComponent(marker)}&limit=10` });
  // complaints (an owner's, the desk's view of it masks nothing the owner sees) and the
  // announcement feed: queued reads too
  const complaint = await post('/v1/complaints', { community_id: DEMO.xinyuan, description: `${marker} 电梯坏了`,
    demand: '尽快修好', subject: { department: 'engineering' } }, { token: owner1 });
  assert.equal(complaint.status, 201, complaint.text);
  for (const who of Object.keys(callers)) {
    reads.push({ who, path: `/v1/complaints/${complaint.json.id}`, id: complaint.json.id });
    reads.push({ who, path: '/v1/complaints?limit=5' });
  }
  const notice = await post('/v1/announcements', { title: `${marker} 电梯年检`, body: '本周五上午电梯年检', category: 'notice',
    audience: 'communities', community_ids: [DEMO.xinyuan] }, { token: agent });
  assert.equal(notice.status, 201, notice.text);
  assert.equal((await post(`/v1/announcements/${notice.json.id}/publish`, {}, { token: admin })).status, 200);
  assert.equal((await get(`/v1/announcements/${notice.json.id}`, { token: owner1 })).status, 200);  // read by owner1 only
  for (const who of ['owner1', 'owner3']) reads.push({ who, path: '/v1/me/announcements?limit=5' });

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
  assert.equal(status('owner1', complaint.json.id), 200);
  assert.equal(status('owner3', complaint.json.id), 404, "another owner's complaint");
  assert.notEqual(reads.find((r) => r.who === 'admin' && r.id === complaint.json.id).body,
    reads.find((r) => r.who === 'owner1' && r.id === complaint.json.id).body, 'the complaint reads differently per caller');
  const feedOf = (who) => reads.find((r) => r.who === who && r.path.startsWith('/v1/me/announcements')).body;
  assert.notEqual(feedOf('owner1'), feedOf('owner3'), 'each owner their own feed (read receipts, reach)');

  // all at once, shuffled, many rounds: every answer is the caller's own
  const rounds = [];
  for (let i = 0; i < 12; i++) rounds.push(...reads);
  await allAtOnce(shuffled(rounds));
});

test('pipes lost with reads in flight: the reads run again, every answer unchanged', async () => {
  assert.ok(reads, 'the reads of the test above');
  const metric = async (name) => Number((await get('/metrics')).text.match(new RegExp(`^${name} (\\d+)`, 'm'))[1]);
  const queued = () => metric('propdesk_db_pipe_reads_total');
  // warm: every caller's session known live (so that their reads are queued) and the pipes up
  for (const token of Object.values(callers)) assert.equal((await get('/v1/me', { token })).status, 200);
  let before = await queued();
  await allAtOnce(reads);
  assert.ok(await queued() - before >= reads.length, 'the reads went through this server\'s pipes');
  const lostBefore = await metric('propdesk_db_pipe_lost_total');
  // Reads held in flight: a lock on tickets stops them in their pipes' backends, which are
  // then terminated; the lock goes after, and the reads run again on the pool. (psql 15
  // prints each statement's result: the last line is the count.)
  const locker = psql(`BEGIN; LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE;
    DO $$ BEGIN FOR i IN 1..200 LOOP
      PERFORM pg_stat_clear_snapshot();  -- pg_stat_activity is otherwise read once per transaction
      EXIT WHEN (SELECT count(*) FROM pg_stat_activity
                 WHERE application_name = 'propdesk-pipe' AND wait_event_type = 'Lock') > 0;
      PERFORM pg_sleep(0.05);
    END LOOP; END $$;
    SELECT pg_stat_clear_snapshot();
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
      WHERE application_name = 'propdesk-pipe' AND wait_event_type = 'Lock';
    COMMIT;`);
  try {
    const held = "SELECT count(*) FROM pg_locks WHERE relation = 'tickets'::regclass AND mode = 'AccessExclusiveLock' AND granted";
    for (let i = 0; Number(await psql(held)) === 0; i++) {
      assert.ok(i < 100, 'the lock was taken');
      await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.all([allAtOnce(shuffled([...reads, ...reads])), locker.then((out) => {
      assert.ok(Number(out.split('\n').pop()) >= 1, 'backends with reads in flight were terminated');
    })]);
  } finally {
    await locker.catch(() => {});  // the lock is never left to the next test file
  }
  assert.ok(await metric('propdesk_db_pipe_lost_total') > lostBefore, 'the loops noticed');
  before = await queued();
  await allAtOnce(shuffled([...reads, ...reads]));  // and after: the pipes reconnect
  assert.ok(await queued() - before >= reads.length, 'queued on the pipes again');
});

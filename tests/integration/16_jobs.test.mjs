// The job table (sql/migrations/0015_jobs.sql, src/jobq.c) observed from the database while
// the suite's servers run it (the HS256 server every 500 ms, the ES256 one every 15 s): a job
// runs once, a failing one is retried with growing delays and ends dead with its last error,
// concurrent claimers never share a job, a lapsed lease is claimed again while a held one is
// not, and housekeeping runs through the table. Jobs here are `probe` jobs (src/jobs.c: they
// do nothing, or fail with payload.fail) marked with payload.test, deleted at the end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { DEMO } from './lib.mjs';

const psql = ['-X', '-q', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', process.env.DATABASE_URL];
const sql = (q) => execFileSync('psql', [...psql, '-c', q], { stdio: 'pipe' }).toString().trim();
/* Statements run one after the other in one session. */
const sqlAsync = async (qs) => (await promisify(execFile)('psql', [...psql, ...qs.flatMap((q) => ['-c', q])])).stdout.trim();
const rows = (q) => { const s = sql(q); return s === '' ? [] : s.split('\n').map((r) => r.split('\t')); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RUN = `t${Date.now()}`;  // this run's mark in payload.test

/* Schedules a probe job (columns given override the defaults); returns its id. */
function probe(payload = {}, columns = {}) {
  const cols = { kind: "'probe'", payload: `'${JSON.stringify({ test: RUN, ...payload })}'`, ...columns };
  return sql(`INSERT INTO jobs (${Object.keys(cols)}) VALUES (${Object.values(cols)}) RETURNING id`);
}
const job = (id) => {
  const [r] = rows(`SELECT status, attempts, coalesce(locked_by, ''), coalesce(last_error, ''),
    round(extract(epoch FROM run_at - updated_at) * 1000) FROM jobs WHERE id = '${id}'`);
  return r && { status: r[0], attempts: Number(r[1]), lockedBy: r[2], lastError: r[3], delayMs: Number(r[4]) };
};
async function until(id, pred, ms = 10000) {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(50)) {
    const j = job(id);
    if (pred(j)) return j;
  }
  assert.fail(`job ${id} did not get there within ${ms} ms: ${JSON.stringify(job(id))}`);
}

after(() => sql(`DELETE FROM jobs WHERE payload->>'test' = '${RUN}'`));

test('a scheduled job runs once, when it is due', async () => {
  const later = probe({}, { run_at: "now() + interval '3 seconds'" });
  const now = probe();
  const done = await until(now, (j) => j.status === 'done');
  assert.equal(done.attempts, 1);
  assert.match(done.lockedBy, /^.+:\d+$/, 'the instance that ran it (host:pid)');
  assert.equal(done.lastError, '');
  assert.equal(job(later).status, 'pending', 'not before its run_at');
  const ran = await until(later, (j) => j.status === 'done');
  assert.equal(ran.attempts, 1);
  await sleep(1200);  // more ticks of both claimers change nothing
  assert.deepEqual(job(now), done);
});

test('scheduling the same (kind, org, dedup key) twice is a no-op, system jobs included', () => {
  const insert = (org) => sql(`INSERT INTO jobs (kind, org_id, payload, run_at, dedup_key)
    VALUES ('probe', ${org}, '{"test": "${RUN}"}', now() + interval '1 hour', '${RUN}:dedup')
    ON CONFLICT (kind, dedup_key, org_id) WHERE dedup_key IS NOT NULL DO NOTHING RETURNING id`);
  assert.notEqual(insert('NULL'), '');
  assert.equal(insert('NULL'), '', 'a second system job under the key is not scheduled');
  assert.notEqual(insert(`'${DEMO.org}'`), '', 'the same key in an org is another job');
  assert.equal(insert(`'${DEMO.org}'`), '');
});

test('a failing job is retried with growing delays, then dead with its last error', async () => {
  const id = probe({ fail: 'probe failed on purpose' },
    { max_attempts: 3, backoff_base_ms: 1000, backoff_cap_ms: 60000 });
  const seen = [];  // the state after each failed attempt: pending, run_at = failure + delay
  for (const t0 = Date.now(); Date.now() - t0 < 15000; await sleep(40)) {
    const j = job(id);
    if (j.status === 'pending' && j.attempts > 0 && !seen.some((s) => s.attempts === j.attempts)) seen.push(j);
    if (j.status === 'dead') break;
  }
  const dead = job(id);
  assert.equal(dead.status, 'dead', JSON.stringify(dead));
  assert.equal(dead.attempts, 3);
  assert.equal(dead.lastError, 'probe failed on purpose');
  assert.deepEqual(seen.map((s) => s.attempts), [1, 2], JSON.stringify(seen));
  for (const s of seen) assert.equal(s.lastError, 'probe failed on purpose');
  // d = 1 s, then 2 s; each delay within [d/2, d], so the second is at least the first
  const [d1, d2] = seen.map((s) => s.delayMs);
  assert.ok(d1 >= 500 && d1 <= 1000, `first delay ${d1} ms`);
  assert.ok(d2 >= 1000 && d2 <= 2000, `second delay ${d2} ms`);
  assert.ok(d2 >= d1);
  await sleep(1200);
  assert.equal(job(id).attempts, 3, 'a dead job is not claimed again');

  // a job failing only at first is done on a later attempt, its error cleared
  const recovers = probe({ fail: 'first attempt fails', fail_attempts: 1 },
    { max_attempts: 3, backoff_base_ms: 200, backoff_cap_ms: 200 });
  const done = await until(recovers, (j) => j.status === 'done');
  assert.equal(done.attempts, 2);
  assert.equal(done.lastError, '');
});

test('concurrent claimers never get the same job', async () => {
  const ids = sql(`INSERT INTO jobs (kind, payload) SELECT 'probe', '{"test": "${RUN}", "claim": true}'
    FROM generate_series(1, 120) RETURNING id`).split('\n');
  // two sessions claim at once (holding their row locks half a second) while both servers
  // claim too; the sessions' leases are an hour, so no server may take what they hold
  const claim = (worker) => sqlAsync(['BEGIN', `SELECT id FROM pd_job_claim('${worker}', '{probe}', 45, '1 hour')`,
    'SELECT pg_sleep(0.5)', 'COMMIT'])
    .then((out) => out.split('\n').filter((l) => /^[0-9a-f-]{36}$/.test(l)));
  const [a, b] = await Promise.all([claim(`${RUN}-a`), claim(`${RUN}-b`)]);
  try {
    assert.ok(a.length + b.length > 0, 'the sessions claimed something');
    assert.deepEqual(a.filter((x) => b.includes(x)), [], 'no job claimed by both sessions');
    for (const t0 = Date.now(); Date.now() - t0 < 15000; await sleep(100))
      if (sql(`SELECT count(*) FROM jobs WHERE payload->>'claim' = 'true' AND payload->>'test' = '${RUN}'
        AND (status = 'pending' OR (status = 'running' AND locked_by NOT LIKE '${RUN}-%'))`) === '0') break;
    const state = Object.fromEntries(rows(`SELECT id, status, attempts, locked_by FROM jobs
      WHERE payload->>'claim' = 'true' AND payload->>'test' = '${RUN}'`).map((r) => [r[0], r.slice(1)]));
    assert.equal(Object.keys(state).length, ids.length);
    for (const id of ids) {
      const [status, attempts, by] = state[id];
      assert.equal(attempts, '1', `job ${id} was claimed ${attempts} times`);
      if (a.includes(id)) assert.deepEqual([status, by], ['running', `${RUN}-a`]);
      else if (b.includes(id)) assert.deepEqual([status, by], ['running', `${RUN}-b`]);
      else assert.equal(status, 'done', `job ${id}: ${status} (claimed by ${by})`);
    }
  } finally {  // the sessions' hour-long leases would stand in the way of the next tests
    sql(`DELETE FROM jobs WHERE payload->>'claim' = 'true' AND payload->>'test' = '${RUN}'`);
  }
});

test('a job whose lease lapsed (its instance died) runs again; a held lease is left alone', async () => {
  const lapsed = probe({}, { status: "'running'", attempts: 1, locked_by: "'dead-instance'",
    locked_until: "now() - interval '1 second'" });
  const held = probe({}, { status: "'running'", attempts: 1, locked_by: "'live-instance'",
    locked_until: "now() + interval '1 hour'" });
  const again = await until(lapsed, (j) => j.status === 'done');
  assert.equal(again.attempts, 2, 'its second attempt');
  assert.notEqual(again.lockedBy, 'dead-instance');
  await sleep(1200);
  const h = job(held);
  assert.deepEqual([h.status, h.attempts, h.lockedBy], ['running', 1, 'live-instance']);
});

test('housekeeping runs through the job table: once per minute, and as a job due now', async () => {
  // every instance schedules the next minute's housekeeping under one dedup key
  let next = [];
  for (const t0 = Date.now(); next.length !== 1 && Date.now() - t0 < 3000; await sleep(100))
    next = rows(`SELECT dedup_key, status FROM jobs WHERE kind = 'housekeeping' AND run_at > now()
      AND org_id IS NULL AND dedup_key LIKE 'housekeeping:%'`);
  assert.equal(next.length, 1, JSON.stringify(next));
  assert.equal(next[0][1], 'pending');
  // those of the minutes past ran once each, by whichever instance claimed them
  assert.deepEqual(rows(`SELECT DISTINCT status, attempts FROM jobs WHERE kind = 'housekeeping'
    AND dedup_key LIKE 'housekeeping:%' AND run_at < now() - interval '5 seconds'`).filter((r) => r.join() !== 'done,1'), []);
  assert.match(next[0][0], /^housekeeping:\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
  // a due one purges: an expired idempotency key, and buries a job that died on its last attempt
  const key = `${RUN}-expired`;
  sql(`INSERT INTO idempotency_keys (org_id, principal_id, key, route, request_hash, expires_at)
    VALUES ('${DEMO.org}', 'jobs-test', '${key}', 'POST /v1/x', '\\x00', now() - interval '1 minute')`);
  const lastGasp = probe({}, { status: "'running'", attempts: 2, max_attempts: 2,
    locked_by: "'dead-instance'", locked_until: "now() - interval '1 second'" });
  const hk = sql(`INSERT INTO jobs (kind, payload, dedup_key) VALUES ('housekeeping', '{"test": "${RUN}"}',
    '${RUN}:housekeeping') RETURNING id`);
  const done = await until(hk, (j) => j.status === 'done');
  assert.equal(done.attempts, 1);
  assert.equal(sql(`SELECT count(*) FROM idempotency_keys WHERE key = '${key}'`), '0');
  const buried = job(lastGasp);
  assert.deepEqual([buried.status, buried.attempts], ['dead', 2], 'not run a third time');
  assert.match(buried.lastError, /lease lapsed/);
});

test('the kinds and statuses are held by generated CHECKs', () => {
  assert.throws(() => sql(`INSERT INTO jobs (kind, payload) VALUES ('no_such_kind', '{"test": "${RUN}"}')`),
    /jobs_kind_enum/);
  assert.throws(() => sql(`INSERT INTO jobs (kind, status, payload) VALUES ('probe', 'failed', '{"test": "${RUN}"}')`),
    /jobs_status_enum/);
});

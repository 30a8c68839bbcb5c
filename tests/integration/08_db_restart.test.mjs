// PostgreSQL restarts under a running API: while the database is down requests get 503
// problem+json and /readyz is 503; once it is back, requests succeed again within seconds,
// without restarting the API. The event loops' pipelined connections are lost with it: the
// reads queued on them run again on the pool, and the pipes reconnect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { get, login } from './lib.mjs';

const ctl = process.env.PD_PGCTL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the API rides out a PostgreSQL restart', { skip: !ctl && 'DATABASE_URL was given: the cluster is not ours to restart' }, async () => {
  const token = await login('agent');
  assert.equal((await get('/v1/me', { token })).status, 200);
  const metric = async (name) => Number((await get('/metrics')).text.match(new RegExp(`^${name} (\\d+)`, 'm'))[1]);
  const lost = () => metric('propdesk_db_pipe_lost_total');
  const queued = () => metric('propdesk_db_pipe_reads_total');
  // a pipe connected: the session's reads after its first are queued on a loop's pipe
  for (let i = 0; i < 3; i++) assert.equal((await get('/v1/tickets?limit=5', { token })).status, 200);
  const lostBefore = await lost();
  execSync(`${ctl} stop ${process.env.PD_PGDIR}`, { stdio: 'inherit' });
  try {
    const down = await get('/v1/me', { token, allow5xx: true });
    assert.equal(down.status, 503);
    assert.match(down.type, /application\/problem\+json/);
    assert.ok(down.headers.get('retry-after'));
    const ready = await get('/readyz', { allow5xx: true });
    assert.equal(ready.status, 503);
    assert.equal(ready.json.detail, 'The database is unreachable.', 'says why');
    assert.equal((await get('/healthz')).status, 200, 'the process itself is fine');
  } finally {
    execSync(`${ctl} start ${process.env.PD_PGDIR} ${process.env.PD_PGPORT}`, { stdio: 'inherit' });
  }
  const started = Date.now();
  let status = 0;
  while (Date.now() - started < 10000) {
    status = (await get('/v1/me', { token, allow5xx: true })).status;
    if (status === 200) break;
    await sleep(200);
  }
  assert.equal(status, 200, 'requests succeed again');
  assert.ok(Date.now() - started < 5000, `recovered in ${Date.now() - started} ms`);
  assert.equal((await get('/readyz')).status, 200);
  // every pooled connection was replaced: a burst of requests all succeed
  const burst = await Promise.all(Array.from({ length: 20 }, () => get('/v1/me', { token, allow5xx: true })));
  assert.deepEqual([...new Set(burst.map((r) => r.status))], [200]);
  // and every pipe: once a read is queued again (the session known live anew), a burst of
  // pipelined reads all succeed, the same page each
  for (let i = 0; ; i++) {
    const before = await queued();
    assert.equal((await get('/v1/tickets?limit=5', { token })).status, 200);
    if (await queued() > before) break;
    assert.ok(i < 50, 'reads are queued on the pipes again');
    await sleep(100);
  }
  const queuedBefore = await queued();
  const reads = await Promise.all(Array.from({ length: 20 }, () => get('/v1/tickets?limit=5', { token, allow5xx: true })));
  assert.deepEqual([...new Set(reads.map((r) => r.status))], [200]);
  assert.equal(new Set(reads.map((r) => r.text)).size, 1);
  assert.ok(await queued() - queuedBefore >= 20, 'the burst went through the pipes');
  assert.ok(await lost() > lostBefore, 'the pipes noticed their connections were lost');
});

// PostgreSQL restarts under a running API: while the database is down requests get 503
// problem+json and /readyz is 503; once it is back, requests succeed again within seconds,
// without restarting the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { get, login } from './lib.mjs';

const ctl = process.env.PD_PGCTL;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the API rides out a PostgreSQL restart', { skip: !ctl && 'DATABASE_URL was given: the cluster is not ours to restart' }, async () => {
  const token = await login('agent');
  assert.equal((await get('/v1/me', { token })).status, 200);
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
});

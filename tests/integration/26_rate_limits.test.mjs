// Request quotas per user (and client), held across instances: two instances of this file's
// own (RATE_LIMIT_PER_MINUTE=20, counts added up every 50 ms) share one caller's quota; every
// counted reply says what is left (RateLimit-Policy / RateLimit, the IETF draft), the 21st
// request of the minute is a 429 with Retry-After, from either instance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { post, login, unique, waitFor, DIRECT, freePort } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const servers = [];

function start(port) {
  const p = spawn(process.env.PROPDESK_BIN ?? './build/propdesk', ['serve'], {
    env: { ...process.env, PORT: String(port), JWT_SECRET: process.env.JWT_SECRET_FOR_TESTS, RATE_LIMIT_PER_MINUTE: '20',
      RATE_LIMIT_SYNC_MS: '50', WEBHOOK_WORKERS: '0', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  servers.push(p);
  const base = `http://127.0.0.1:${port}`;
  return waitFor(async () => {
    try { return (await fetch(`${base}/healthz`)).ok && base; } catch { return false; }
  }, `an instance on ${port}`, 20000);
}

let A; let B; let token;
before(async () => {
  const ports = [await freePort()];
  while (ports.length < 2) {
    const p = await freePort();
    if (p !== ports[0]) ports.push(p);
  }
  [A, B] = await Promise.all(ports.map(start));
  // a caller nobody else counts this minute
  const admin = await login('admin');
  const name = unique('quota');
  const u = await post('/v1/users', { kind: 'staff', name: '限流测试', username: name, password: 'long-enough-pw', department: 'quality' }, { token: admin });
  assert.equal(u.status, 201, u.text);
  assert.equal((await post('/v1/role-grants', { user_id: u.json.id, role: 'quality' }, { token: admin })).status, 201);
  token = (await post('/v1/auth/login', { login: name, password: 'long-enough-pw' })).json.access_token;
});
after(async () => {
  for (const p of servers) {
    p.kill('SIGTERM');
    await new Promise((r) => p.on('exit', r));
  }
});

const me = (base) => fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

const left = (r) => Number(r.headers.get('ratelimit').match(/;t=(\d+)$/)[1]);

test('one quota per caller and minute across instances, with RateLimit headers and a 429 past it', async () => {
  // the quota is per minute: start well inside one (the server's own word for how much is left)
  let first = await me(A);
  if (left(first) < 15) {
    await sleep(left(first) * 1000 + 300);
    first = await me(A);
  }
  assert.equal(first.headers.get('ratelimit-policy'), '"per-caller";q=20;w=60');
  assert.match(first.headers.get('ratelimit'), /^"per-caller";r=19;t=\d+$/);
  for (let i = 1; i < 12; i++) {
    const r = await me(A);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('ratelimit'), new RegExp(`^"per-caller";r=${19 - i};t=\\d+$`));
  }
  await sleep(200);                     // A's counts reach the table
  assert.equal((await me(B)).status, 200, 'B has not counted this caller yet: it asks the table');
  await sleep(200);                     // B learns the caller has used 13
  let allowed = 0;
  for (let r = await me(B); r.status === 200; r = await me(B)) allowed++;
  assert.equal(allowed, 7, 'B lets through what is left of the 20, not 20 of its own');
  await sleep(200);                     // A learns the total
  const refused = await me(A);
  assert.equal(refused.status, 429);
  assert.match(refused.headers.get('content-type'), /problem\+json/);
  const wait = Number(refused.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
  assert.match(refused.headers.get('ratelimit'), /^"per-caller";r=0;t=\d+$/);
  // other callers are not affected
  const other = await login('agent', A.replace(/\/$/, ''));
  assert.equal((await fetch(`${A}/v1/me`, { headers: { authorization: `Bearer ${other}` } })).status, 200);
});

test('the suite\'s own server counts too (a quota so high it never bites)', async () => {
  const r = await fetch(`${DIRECT}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.ok(r.headers.get('ratelimit-policy'));
});

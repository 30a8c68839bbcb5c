// Runs last: 20 failed logins from one client address within 15 minutes lock that address
// out (429 + Retry-After) whatever account it tries — which would disturb any test after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginFull, unique } from './lib.mjs';

test('twenty failures from one address throttle every login from it', async () => {
  let status = 0;
  for (let i = 0; i < 25 && status !== 429; i++)
    status = (await loginFull(unique('ghost'), 'wrong-password-here')).status;
  assert.equal(status, 429);
  const r = await loginFull('admin');
  assert.equal(r.status, 429, 'even a valid login from this address waits');
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

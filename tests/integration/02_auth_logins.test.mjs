// Logins are one namespace across orgs (username, phone and e-mail alike), and the lockout
// counts failures per account — whatever identifier was typed — atomically, so concurrent
// guesses get no more password checks than the limit. The lockout tests talk to the server
// directly from their own loopback address (127.x.y.z), so the failures they cause count
// against that address only, not against 127.0.0.1, which the rest of the suite uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { post, patch, login, loginFull, unique, DIRECT, DEMO, LOGINS } from './lib.mjs';

const phone = () => `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
const octet = () => 1 + Math.floor(Math.random() * 250);
const usedAddresses = new Set();
/* A loopback source address no other test uses. */
function freshAddress() {
  for (;;) {
    const a = `127.${octet()}.${octet()}.${octet()}`;
    if (!usedAddresses.has(a)) { usedAddresses.add(a); return a; }
  }
}

/* POST /v1/auth/login straight to the server from a chosen local address. */
function loginFrom(from, loginName, password) {
  const body = JSON.stringify({ login: loginName, password });
  const url = new URL('/v1/auth/login', DIRECT);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: from, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = text ? JSON.parse(text) : undefined;
        if (res.statusCode >= 400) {
          assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/, text);
          assert.equal(json.instance, res.headers['x-request-id']);
        }
        assert.ok(res.statusCode < 500, `login → ${res.statusCode}: ${text}`);
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/* A staff user of the demo org with a role, so a right password gets 200. */
async function staffUser(extra = {}) {
  const admin = await login('admin');
  const username = unique('lk');
  const u = await post('/v1/users', { kind: 'staff', name: '锁定测试', username, password: 'long-enough-pw', ...extra }, { token: admin });
  assert.equal(u.status, 201, u.text);
  const g = await post('/v1/role-grants', { user_id: u.json.id, role: 'agent', community_id: DEMO.xinyuan }, { token: admin });
  assert.equal(g.status, 201, g.text);
  return { id: u.json.id, username, password: 'long-enough-pw', ...extra };
}

test('a username may not shadow another org\'s phone: 409 naming the field, and the resident still logs in', async () => {
  const admin = await login('admin');
  const taken = await post('/v1/users', { kind: 'staff', name: '影子账号', username: LOGINS.otherOwner, password: 'attacker-pass-1' }, { token: admin });
  assert.equal(taken.status, 409, taken.text);
  assert.deepEqual(taken.json.errors.map((e) => e.field), ['username']);
  assert.match(taken.json.detail, /username/);
  const owner = await loginFull(LOGINS.otherOwner);
  assert.equal(owner.status, 200, 'the real resident signs in with their own password');
  // within one org too, and a phone may not take another org's username either
  const asPhone = await post('/v1/users', { kind: 'resident', name: '住户', phone: LOGINS.owner2, password: 'long-enough-pw' }, { token: (await login('otherAdmin')) });
  assert.equal(asPhone.status, 409);
  assert.deepEqual(asPhone.json.errors.map((e) => e.field), ['phone']);
});

test('racing creates of one identifier as a username and as a phone in two orgs: one wins', async () => {
  const admin = await login('admin');
  const other = await login('otherAdmin');
  for (let round = 0; round < 5; round++) {
    const digits = phone();
    const both = await Promise.all([
      post('/v1/users', { kind: 'staff', name: '并发甲', username: digits, password: 'long-enough-pw' }, { token: admin }),
      post('/v1/users', { kind: 'resident', name: '并发乙', phone: digits, password: 'long-enough-pw' }, { token: other }),
    ]);
    assert.deepEqual(both.map((r) => r.status).sort(), [201, 409], both.map((r) => r.text).join('\n'));
    const lost = both.find((r) => r.status === 409);
    assert.deepEqual(lost.json.errors.map((e) => e.field), [lost === both[0] ? 'username' : 'phone']);
  }
});

test('PATCH may not move a phone or e-mail onto someone else\'s login; a freed login can be reused', async () => {
  const admin = await login('admin');
  const other = await login('otherAdmin');
  const digits = phone();
  // org 1: a staff member whose username is all digits
  const staff = await post('/v1/users', { kind: 'staff', name: '数字用户名', username: digits, password: 'long-enough-pw' }, { token: admin });
  assert.equal(staff.status, 201, staff.text);
  // org 2: a resident who then tries to take that as a phone
  const mine = phone();
  const res = await post('/v1/users', { kind: 'resident', name: '对照住户', phone: mine, email: `${unique('m')}@example.com`, password: 'long-enough-pw' }, { token: other });
  assert.equal(res.status, 201, res.text);
  const clash = await patch(`/v1/users/${res.json.id}`, { phone: digits }, { token: other });
  assert.equal(clash.status, 409, clash.text);
  assert.deepEqual(clash.json.errors.map((e) => e.field), ['phone']);
  // e-mails compare without case, as login does
  const mail = `${unique('Case')}@Example.COM`;
  const first = await post('/v1/users', { kind: 'resident', name: '邮箱住户', email: mail, password: 'long-enough-pw' }, { token: admin });
  assert.equal(first.status, 201, first.text);
  const lower = await patch(`/v1/users/${res.json.id}`, { email: mail.toLowerCase() }, { token: other });
  assert.equal(lower.status, 409);
  assert.deepEqual(lower.json.errors.map((e) => e.field), ['email']);
  // setting one's own login again is no conflict
  const same = await patch(`/v1/users/${res.json.id}`, { phone: mine, name: '对照住户二' }, { token: other });
  assert.equal(same.status, 200, same.text);
  // once given up, a login is free for anyone
  const moved = await patch(`/v1/users/${res.json.id}`, { phone: phone() }, { token: other });
  assert.equal(moved.status, 200, moved.text);
  const reuse = await post('/v1/users', { kind: 'staff', name: '接手', username: mine, password: 'long-enough-pw' }, { token: admin });
  assert.equal(reuse.status, 201, reuse.text);
  assert.equal((await loginFull(mine, 'long-enough-pw')).status, 403, 'the number now names the new staff account (no role yet)');
});

test('failures count per account: five wrong by username lock the phone and e-mail too', async () => {
  const u = await staffUser({ phone: phone(), email: `${unique('lock')}@example.com` });
  const from = freshAddress();
  for (let i = 0; i < 5; i++) assert.equal((await loginFrom(from, u.username, 'wrong-password')).status, 401);
  for (const id of [u.phone, u.email, u.email.toUpperCase(), u.username]) {
    const r = await loginFrom(from, id, u.password);
    assert.equal(r.status, 429, `right password by ${id} after five failures by username`);
    const retry = Number(r.headers['retry-after']);
    assert.ok(retry > 800 && retry <= 900, `Retry-After ${retry}`);
  }
  // from another address too: it is the account that is locked
  assert.equal((await loginFrom(freshAddress(), u.phone, u.password)).status, 429);
  // a success clears the account's failures: four wrong, then right, then four wrong again
  const v = await staffUser({ phone: phone() });
  const from2 = freshAddress();
  for (let i = 0; i < 4; i++) assert.equal((await loginFrom(from2, i % 2 ? v.username : v.phone, 'wrong-password')).status, 401);
  assert.equal((await loginFrom(from2, v.phone, v.password)).status, 200);
  for (let i = 0; i < 4; i++) assert.equal((await loginFrom(from2, v.username, 'wrong-password')).status, 401);
  assert.equal((await loginFrom(from2, v.username, v.password)).status, 200);
});

test('an unknown login is throttled exactly like a known one', async () => {
  const u = await staffUser();
  const ghost = unique('ghost');
  const fromKnown = freshAddress(), fromGhost = freshAddress();
  const strip = (r) => ({ status: r.status, body: { ...r.json, instance: undefined }, auth: r.headers['www-authenticate'] });
  for (let i = 0; i < 5; i++) {
    const known = await loginFrom(fromKnown, u.username, 'wrong-password');
    const unknown = await loginFrom(fromGhost, ghost, 'wrong-password');
    assert.deepEqual(strip(unknown), strip(known));
  }
  const known = await loginFrom(fromKnown, u.username, 'wrong-password');
  const unknown = await loginFrom(fromGhost, ghost, 'wrong-password');
  assert.equal(known.status, 429);
  assert.deepEqual(strip(unknown), strip(known));
  assert.ok(Math.abs(Number(unknown.headers['retry-after']) - Number(known.headers['retry-after'])) <= 5);
});

test('thirty concurrent wrong passwords get five checks; then even the right one waits', async () => {
  const u = await staffUser({ phone: phone() });
  const from = freshAddress();
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    loginFrom(from, i % 2 ? u.username : u.phone, `wrong-password-${i}`)));
  const statuses = answers.map((r) => r.status);
  const unauthorized = statuses.filter((s) => s === 401).length;
  const throttled = statuses.filter((s) => s === 429).length;
  assert.equal(unauthorized, 5, `password checks: ${statuses.join(' ')}`);
  assert.equal(throttled, 25, `statuses: ${statuses.join(' ')}`);
  for (const r of answers.filter((x) => x.status === 429)) assert.ok(Number(r.headers['retry-after']) > 0);
  const right = await loginFrom(from, u.username, u.password);
  assert.equal(right.status, 429, 'the right password waits for the window too');
  assert.ok(Number(right.headers['retry-after']) > 800);
  assert.equal((await loginFrom(freshAddress(), u.phone, u.password)).status, 429);
});

test('thirty concurrent wrong logins from one address over many accounts get twenty checks', async () => {
  const from = freshAddress();
  const answers = await Promise.all(Array.from({ length: 30 }, () => loginFrom(from, unique('nobody'), 'wrong-password')));
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 401).length, 20, statuses.join(' '));
  assert.equal(statuses.filter((s) => s === 429).length, 10, statuses.join(' '));
  const u = await staffUser();
  assert.equal((await loginFrom(from, u.username, u.password)).status, 429, 'the address waits');
  assert.equal((await loginFrom(freshAddress(), u.username, u.password)).status, 200, 'the account does not');
});

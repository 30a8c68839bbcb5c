// Who sees which people, and how much of them: /v1/users and /v1/role-grants in the caller's
// scope (a community-scoped supervisor or agent sees their communities' staff and residents,
// org-wide colleagues, nobody else), masked phones and e-mails that a search cannot
// confirm, and a desk-intake ticket's reporter phone masked for whoever is not working on
// it (quality, idle technicians, integration clients without pii:read), the same in the
// ticket list and in the ticket.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { get, post, patch, del, login, loginFull, unique, DEMO } from './lib.mjs';

const U = DEMO.users;
const PW = 'long-enough-pw';
const digits = (n) => String(Math.floor(Math.random() * 10 ** n)).padStart(n, '0');
const sql = (q) => execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', process.env.DATABASE_URL, '-c', q])
  .toString().trim();

/* Every item of a list, following the cursor. */
async function all(path, token) {
  const out = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await get(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    out.push(...r.json.items);
    cursor = r.json.next_cursor;
  } while (cursor);
  return out;
}

let admin; let su; let agent; let manager; let quality;
// people made for these tests
const p = {};

async function resident(label, email) {
  const phone = `139${digits(8)}`;
  const name = unique(label);
  const r = await post('/v1/users', { kind: 'resident', name, phone, email, password: PW }, { token: admin });
  assert.equal(r.status, 201, r.text);
  return { id: r.json.id, phone, name, email };
}

async function requestResidency(who, community, unitNumber) {
  const token = (await loginFull(who.phone, PW)).json.access_token;
  const r = await post('/v1/residencies', { relation: 'owner', community_id: community, unit_number: unitNumber }, { token });
  assert.equal(r.status, 201, r.text);
}

before(async () => {
  [admin, su, agent, manager, quality] = await Promise.all(['admin', 'super', 'agent', 'manager', 'quality'].map((w) => login(w)));
  p.nowhere = await resident('无房');                          // bound to no unit at all
  p.xy = await resident('新苑待审', `zhou.${unique('m')}@example.com`);
  await requestResidency(p.xy, DEMO.xinyuan, '2-2-201');       // pending in 新苑
  p.gh = await resident('光华待审');
  await requestResidency(p.gh, DEMO.guanghua, '1-2-301');      // pending in 光华
  // a supervisor of 光华 only
  const username = unique('ghsup');
  const s = await post('/v1/users', { kind: 'staff', name: '光华主管', username, email: `${username}@example.com`,
    password: PW, department: 'customer_service' }, { token: admin });
  assert.equal(s.status, 201, s.text);
  const g = await post('/v1/role-grants', { user_id: s.json.id, role: 'supervisor', community_id: DEMO.guanghua }, { token: admin });
  assert.equal(g.status, 201, g.text);
  p.ghSup = { id: s.json.id, grant: g.json.id, email: `${username}@example.com`,
    token: (await loginFull(username, PW)).json.access_token };
});

test('users: community-scoped staff see their communities\' residents and staff, org-wide colleagues, nobody else', async () => {
  for (const [who, token] of [['super', su], ['agent', agent]]) {
    const ids = new Set((await all('/v1/users', token)).map((u) => u.id));
    for (const [name, id] of Object.entries({ owner1: U.owner1, owner3: U.owner3, pendingXinyuan: p.xy.id, agent: U.agent,
      tech: U.tech, super: U.super, admin: U.admin, manager: U.manager, quality: U.quality }))
      assert.ok(ids.has(id), `${who} sees ${name}`);
    for (const [name, id] of Object.entries({ owner2: U.owner2, pendingGuanghua: p.gh.id, noResidency: p.nowhere.id,
      guanghuaSupervisor: p.ghSup.id, otherOrg: U.otherOwner }))
      assert.ok(!ids.has(id), `${who} must not see ${name}`);
    for (const id of [U.owner2, p.gh.id, p.nowhere.id, p.ghSup.id])
      assert.equal((await get(`/v1/users/${id}`, { token })).status, 404, `${who} GET /v1/users/${id}`);
    assert.equal((await get(`/v1/users/${U.owner1}`, { token })).status, 200);
    assert.equal((await get(`/v1/users/${p.xy.id}`, { token })).status, 200, 'a pending residency is in scope');
    const byName = await get(`/v1/users?q=${encodeURIComponent(p.nowhere.name)}`, { token });
    assert.equal(byName.json.items.length, 0, 'not findable by name either');
  }
  // the other community's supervisor: the mirror image
  const gh = p.ghSup.token;
  const ids = new Set((await all('/v1/users', gh)).map((u) => u.id));
  for (const id of [U.owner2, p.gh.id, p.ghSup.id, U.manager, U.admin]) assert.ok(ids.has(id), id);
  for (const id of [U.owner1, U.owner3, p.xy.id, U.agent, U.tech, U.super, p.nowhere.id]) assert.ok(!ids.has(id), id);
  assert.equal((await get(`/v1/users/${U.owner1}`, { token: gh })).status, 404);
  assert.equal((await get(`/v1/users/${U.owner2}`, { token: gh })).status, 200);
  // org-wide roles see the whole org
  for (const token of [admin, manager, quality]) {
    for (const id of [U.owner1, U.owner2, p.nowhere.id, p.gh.id, p.ghSup.id])
      assert.equal((await get(`/v1/users/${id}`, { token })).status, 200, id);
  }
  const found = await get(`/v1/users?q=${encodeURIComponent(p.nowhere.name)}`, { token: admin });
  assert.deepEqual(found.json.items.map((u) => u.id), [p.nowhere.id]);
});

test('users: a residency that is rejected takes the resident out of scope', async () => {
  const r = await resident('被拒');
  await requestResidency(r, DEMO.xinyuan, '1-2-402');
  assert.equal((await get(`/v1/users/${r.id}`, { token: su })).status, 200);
  const pending = await get(`/v1/residencies?user_id=${r.id}&status=pending`, { token: agent });
  const res = pending.json.items[0];
  assert.equal((await post(`/v1/residencies/${res.id}/reject`, { reason: '资料不符' }, { token: agent })).status, 200);
  assert.equal((await get(`/v1/users/${r.id}`, { token: su })).status, 404);
});

test('role grants: community-scoped staff see their communities\' grants and org-wide ones only', async () => {
  const mine = await all('/v1/role-grants', su);
  assert.ok(mine.length > 0);
  assert.ok(mine.every((g) => g.community_id === null || g.community_id === DEMO.xinyuan),
    `super sees grants elsewhere: ${JSON.stringify(mine.filter((g) => g.community_id && g.community_id !== DEMO.xinyuan))}`);
  assert.ok(mine.some((g) => g.user_id === U.agent), 'the agent\'s 新苑 grant');
  assert.ok(mine.some((g) => g.user_id === U.manager && g.community_id === null), 'org-wide colleagues');
  assert.ok(!mine.some((g) => g.id === p.ghSup.grant));
  assert.equal((await get(`/v1/role-grants?user_id=${p.ghSup.id}`, { token: su })).json.items.length, 0);
  assert.equal((await get(`/v1/role-grants?community_id=${DEMO.guanghua}`, { token: su })).json.items.length, 0);
  const theirs = await all('/v1/role-grants', p.ghSup.token);
  assert.ok(theirs.some((g) => g.id === p.ghSup.grant));
  assert.ok(theirs.every((g) => g.community_id === null || g.community_id === DEMO.guanghua));
  for (const token of [admin, manager, quality])
    assert.deepEqual((await get(`/v1/role-grants?user_id=${p.ghSup.id}`, { token })).json.items.map((g) => g.id), [p.ghSup.grant]);
});

test('a masked phone cannot be confirmed by search: only its visible last four digits match', async () => {
  for (const token of [su, agent, quality]) {
    const full = await get('/v1/users?q=13800000003', { token });
    assert.equal(full.json.items.length, 0, 'the full number finds nobody');
    for (const hidden of ['800000003', '38000', '0000', '00000003'])
      assert.ok(!(await get(`/v1/users?q=${hidden}`, { token })).json.items.some((u) => u.id === U.owner3),
        `q=${hidden} crosses hidden digits`);
    const last4 = await get('/v1/users?kind=resident&q=0003&limit=100', { token });
    assert.ok(last4.json.items.some((u) => u.id === U.owner3), 'the visible last four digits find it');
    assert.ok(last4.json.items.every((u) => u.phone.endsWith('0003') && u.phone.includes('****')));
    assert.equal((await get(`/v1/users?q=${p.xy.phone}`, { token })).json.items.length, 0);
    const mine = await get(`/v1/users?q=${p.xy.phone.slice(-4)}&limit=100`, { token });
    assert.ok(mine.json.items.some((u) => u.id === p.xy.id));
  }
  // admins see phones in full and search them as before
  const a = await get('/v1/users?q=13800000003', { token: admin });
  assert.deepEqual(a.json.items.map((u) => [u.id, u.phone]), [[U.owner3, '13800000003']]);
  assert.ok((await get('/v1/users?q=3800000003', { token: admin })).json.items.some((u) => u.id === U.owner3));
});

test('residents\' e-mails are masked like their phones for everyone but admins; staff\'s are not', async () => {
  const want = { phone: `${p.xy.phone.slice(0, 3)}****${p.xy.phone.slice(-4)}`, email: `z***@example.com` };
  for (const token of [su, agent, manager, quality]) {
    const one = await get(`/v1/users/${p.xy.id}`, { token });
    assert.deepEqual({ phone: one.json.phone, email: one.json.email }, want);
    const listed = (await all(`/v1/users?kind=resident&q=${encodeURIComponent(p.xy.name)}`, token)).find((u) => u.id === p.xy.id);
    assert.deepEqual({ phone: listed.phone, email: listed.email }, want, 'the list masks as the detail does');
  }
  const full = await get(`/v1/users/${p.xy.id}`, { token: admin });
  assert.deepEqual({ phone: full.json.phone, email: full.json.email }, { phone: p.xy.phone, email: p.xy.email });
  const self = (await loginFull(p.xy.phone, PW)).json.access_token;
  assert.equal((await get('/v1/me', { token: self })).json.user.email, p.xy.email, 'a resident sees their own');
  assert.equal((await get(`/v1/users/${p.ghSup.id}`, { token: manager })).json.email, p.ghSup.email, 'staff e-mails are not masked');
});

test('a desk-intake reporter phone: masked for quality, idle technicians and clients without pii:read, the same in list and ticket', async () => {
  const tech = await login('tech');
  const tech2 = await login('tech2');
  const unit = (await get('/v1/me', { token: await login('owner1') })).json.units[0].id;
  const phone = `137${digits(8)}`;
  const masked = `137****${phone.slice(-4)}`;
  const t = await post('/v1/tickets', { kind: 'repair', unit_id: unit, category: 'plumbing', description: '水管漏水（电话报修）',
    channel: 'phone', reporter_name: '钱先生', reporter_phone: phone }, { token: agent });
  assert.equal(t.status, 201, t.text);
  const seen = async (token) => {
    const one = await get(`/v1/tickets/${t.json.id}`, { token });
    assert.equal(one.status, 200, one.text);
    const list = await get(`/v1/tickets?q=${t.json.number}`, { token });
    assert.equal(list.status, 200, list.text);
    const item = list.json.items.find((x) => x.id === t.json.id);
    assert.ok(item, 'listed');
    return [one.json.reporter.phone, item.reporter.phone];
  };
  assert.deepEqual(await seen(agent), [phone, phone], 'the desk works on it');
  assert.deepEqual(await seen(su), [phone, phone]);
  assert.deepEqual(await seen(quality), [masked, masked], 'quality audits read-only');
  assert.deepEqual(await seen(tech), [masked, masked], 'not (yet) working on it');

  const d = await post(`/v1/tickets/${t.json.id}/dispatch`, { mode: 'assign', assignee_id: U.tech }, { token: agent });
  assert.equal(d.status, 200, d.text);
  assert.deepEqual(await seen(tech), [phone, phone], 'the assignee, in the list as in the ticket');
  assert.deepEqual(await seen(tech2), [masked, masked]);

  const client = async (scopes) => {
    const c = await post('/v1/api-clients', { name: unique('脱敏'), scopes }, { token: admin });
    assert.equal(c.status, 201, c.text);
    const tok = await post('/v1/auth/token', { grant_type: 'client_credentials', client_id: c.json.client_id, client_secret: c.json.client_secret });
    assert.equal(tok.status, 200, tok.text);
    return tok.json.access_token;
  };
  assert.deepEqual(await seen(await client(['tickets:read'])), [masked, masked], 'no pii:read');
  assert.deepEqual(await seen(await client(['tickets:read', 'pii:read'])), [phone, phone], 'pii:read');
  const enums = await get('/v1/meta/enums');
  assert.ok(enums.json.scope.some((e) => e.code === 'pii:read'));
});

test('the masking functions', { skip: !process.env.DATABASE_URL && 'needs DATABASE_URL' }, () => {
  const cases = [['13800000001', '138****0001'], ['13912345678', '139****5678'], ['+8613800000001', '+86****0001'],
    ['12345678', '123****5678'], ['1234567', '****'], ['1234', '****'], ['', '****'], ['123456789012345678901', '****']];
  for (const [phone, want] of cases) assert.equal(sql(`SELECT pd_mask_phone('${phone}')`), want, phone);
  assert.equal(sql("SELECT pd_mask_phone(NULL) IS NULL"), 't');
  assert.equal(sql("SELECT pd_mask_email('zhang.san@example.com')"), 'z***@example.com');
  assert.equal(sql("SELECT pd_mask_email('a@b.cn')"), 'a***@b.cn');
  assert.equal(sql("SELECT pd_mask_email('not-an-address')"), '***');
  const matches = (phone, q, m) => sql(`SELECT pd_phone_matches('${phone}', '${q}', ${m})`) === 't';
  assert.ok(matches('13800000003', '0003', true));
  for (const q of ['13800000003', '0000', '00003', '138', '000', '****', '8****0003'])
    assert.ok(!matches('13800000003', q, true), q);
  assert.ok(!matches('1234567', '4567', true), 'a number too short to show its tail shows nothing');
  assert.ok(matches('13800000003', '3800000', false));
});

test('an admin of one community edits only the people it sees, and cannot reach org-wide things', async () => {
  const username = unique('ghadmin');
  const a = await post('/v1/users', { kind: 'staff', name: '光华管理员', username, password: PW,
    department: 'customer_service' }, { token: admin });
  assert.equal(a.status, 201, a.text);
  const g = await post('/v1/role-grants', { user_id: a.json.id, role: 'admin', community_id: DEMO.guanghua }, { token: admin });
  assert.equal(g.status, 201, g.text);
  const scoped = (await loginFull(username, PW)).json.access_token;
  // the org-wide admin's account is not its to change (it does not see it): 404, unchanged
  const before = (await get(`/v1/users/${U.admin}`, { token: admin })).json;
  const takeover = await patch(`/v1/users/${U.admin}`, { email: `evil.${unique('x')}@example.com` }, { token: scoped });
  assert.equal(takeover.status, 404, takeover.text);
  const after = (await get(`/v1/users/${U.admin}`, { token: admin })).json;
  assert.equal(after.version, before.version);
  assert.equal(after.email, before.email);
  assert.equal((await patch(`/v1/users/${p.xy.id}`, { name: '改不到' }, { token: scoped })).status, 404, '新苑 is not its');
  // someone in its community is
  const mine = await patch(`/v1/users/${p.gh.id}`, { name: '光华业主' }, { token: scoped });
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.name, '光华业主');
  // integration clients reach the whole org: org-wide admins only
  assert.equal((await get('/v1/api-clients', { token: scoped })).status, 403);
  const made = await post('/v1/api-clients', { name: '越权对接', scopes: ['tickets:read', 'pii:read'] }, { token: scoped });
  assert.equal(made.status, 403, made.text);
  const real = await post('/v1/api-clients', { name: unique('对接'), scopes: ['tickets:read'] }, { token: admin });
  assert.equal(real.status, 201, real.text);
  assert.equal((await get(`/v1/api-clients/${real.json.id}`, { token: scoped })).status, 403);
  assert.equal((await del(`/v1/api-clients/${real.json.id}`, { token: scoped })).status, 403);
  assert.equal((await get(`/v1/api-clients/${real.json.id}`, { token: admin })).json.revoked_at, null, 'not revoked');
  assert.equal((await del(`/v1/api-clients/${real.json.id}`, { token: admin })).status, 204);
});

// The token verifier, against the ES256 server (and the HS256 one): the algorithm is pinned,
// the kid must be ours, and exp, nbf, iat, iss and aud are all checked. Every rejection is a
// 401 problem+json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { call, get, login, decodeJwt, API, ES_API, DEMO } from './lib.mjs';

const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const privateKey = createPrivateKey(readFileSync(process.env.ES_KEY_FILE));
const publicPem = readFileSync(process.env.ES_PUB_FILE);

let kid;
function claims(over = {}) {
  const t = now();
  return { iss: 'propdesk', aud: 'propdesk-api', sub: DEMO.users.admin, org: DEMO.org, role: 'admin',
           org_wide: true, communities: [], jti: 'test', iat: t, nbf: t, exp: t + 300, ...over };
}
function es256(payload, header = { alg: 'ES256', typ: 'JWT', kid }) {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}
function hs256(payload, secret, header = { alg: 'HS256', typ: 'JWT' }) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const me = (token, base = ES_API) => get('/v1/me', { base, headers: { authorization: `Bearer ${token}` }, expectInvalidRequest: true });

test('the ES256 server publishes its key and signs with it', async () => {
  const jwks = (await get('/.well-known/jwks.json', { base: ES_API })).json;
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].kty, 'EC');
  assert.equal(jwks.keys[0].alg, 'ES256');
  kid = jwks.keys[0].kid;
  const token = await login('admin', ES_API);
  const { header } = decodeJwt(token);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.kid, kid);
  assert.equal((await me(token)).status, 200);
  assert.equal((await me(es256(claims()))).status, 200, 'a token we sign the same way is accepted');
});

test('rejections: every forged, stale or foreign token is a 401 problem', async () => {
  const good = es256(claims());
  const [h, p, s] = good.split('.');
  const cases = {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`,
    'HS256 signed with the public key as secret': hs256(claims(), publicPem, { alg: 'HS256', typ: 'JWT', kid }),
    'expired': es256(claims({ exp: now() - 10, iat: now() - 400, nbf: now() - 400 })),
    'nbf in the future': es256(claims({ nbf: now() + 3600 })),
    'iat in the future': es256(claims({ iat: now() + 3600 })),
    'wrong iss': es256(claims({ iss: 'someone-else' })),
    'wrong aud': es256(claims({ aud: 'another-api' })),
    'tampered payload': `${h}.${b64({ ...claims(), role: 'admin', org: DEMO.otherOrg })}.${s}`,
    'unknown kid': es256(claims(), { alg: 'ES256', typ: 'JWT', kid: 'not-our-key' }),
    'no kid': es256(claims(), { alg: 'ES256', typ: 'JWT' }),
    'garbage': 'not.a.token',
    'two parts': `${h}.${p}`,
    'bad signature bytes': `${h}.${p}.${'A'.repeat(86)}`,
    'unknown role': es256(claims({ role: 'superuser' })),
  };
  for (const [name, token] of Object.entries(cases)) {
    const r = await me(token);
    assert.equal(r.status, 401, `${name}: ${r.status}`);
    assert.match(r.headers.get('www-authenticate'), /^Bearer/);
  }
  assert.equal((await get('/v1/me', { base: ES_API, expectInvalidRequest: true })).status, 401, 'no token');
  assert.equal((await get('/v1/me', { base: ES_API, headers: { authorization: 'Basic YTpi' }, expectInvalidRequest: true })).status, 401);
});

test('the HS256 server rejects tokens signed with another secret or algorithm', async () => {
  const secret = process.env.JWT_SECRET_FOR_TESTS;
  const wrong = hs256(claims(), 'a-different-secret-of-enough-length-123');
  assert.equal((await me(wrong, API)).status, 401);
  assert.equal((await me(es256(claims()), API)).status, 401, 'an ES256 token at the HS256 server');
  if (secret) {
    assert.equal((await me(hs256(claims(), secret), API)).status, 200);
    assert.equal((await me(hs256(claims({ exp: now() - 1 }), secret), API)).status, 401);
  }
});

test('a token from one server works at the other only when keys match', async () => {
  const hsToken = await login('admin', API);
  assert.equal((await me(hsToken, ES_API)).status, 401);
});

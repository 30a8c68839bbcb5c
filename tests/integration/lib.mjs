// Shared helpers for the integration suite: HTTP through the contract proxy, demo logins,
// and assertions every response must satisfy. The suite runs against a real propdesk
// binary and a throwaway PostgreSQL database prepared by tests/run.sh.
import assert from 'node:assert/strict';
import net from 'node:net';
import { appendFileSync, mkdirSync } from 'node:fs';

export const API = process.env.API_URL;          // through the contract proxy (Prism)
export const DIRECT = process.env.DIRECT_URL;    // the server itself, for raw-byte requests
export const ES_API = process.env.ES_API_URL;    // a second server signing with ES256
export const PASSWORD = 'demo-pass-1';

export const DEMO = {
  org: '10000000-0000-4000-8000-000000000001',
  otherOrg: '20000000-0000-4000-8000-000000000002',
  xinyuan: '10000000-0000-4000-8000-0000000000c1',    // 新苑小区
  guanghua: '10000000-0000-4000-8000-0000000000c2',   // 光华小区
  otherCommunity: '20000000-0000-4000-8000-0000000000c3',
  users: {
    admin: '10000000-0000-4000-8000-0000000000a1', agent: '10000000-0000-4000-8000-0000000000a2',
    tech: '10000000-0000-4000-8000-0000000000a3', tech2: '10000000-0000-4000-8000-0000000000a4',
    super: '10000000-0000-4000-8000-0000000000a5', manager: '10000000-0000-4000-8000-0000000000a6',
    quality: '10000000-0000-4000-8000-0000000000a7', engSuper: '10000000-0000-4000-8000-0000000000a8',
    owner1: '10000000-0000-4000-8000-0000000000b1',
    owner3: '10000000-0000-4000-8000-0000000000b3', owner2: '10000000-0000-4000-8000-0000000000b2',
    otherAdmin: '20000000-0000-4000-8000-0000000000a1', otherOwner: '20000000-0000-4000-8000-0000000000b1',
  },
};

export const LOGINS = {
  admin: 'admin', agent: 'agent', tech: 'tech', tech2: 'tech2', super: 'super', manager: 'manager',
  quality: 'quality', engSuper: 'eng-super', owner1: '13800000001', owner3: '13800000003', owner2: '13800000002',
  otherAdmin: 'other-admin', otherOwner: '13900000001',
};

/* Violations the contract proxy reported for this exchange, by side. */
function violations(res) {
  const raw = res.headers.get('sl-violations');
  if (!raw) return { request: [], response: [] };
  const list = JSON.parse(raw);
  const side = (v) => (v.location?.[0] === 'request' ? 'request' : 'response');
  return {
    request: list.filter((v) => side(v) === 'request'),
    response: list.filter((v) => side(v) === 'response'),
  };
}

/* One exchange (the reply's body as text, as json when it is JSON, and as raw bytes).
 * opts: token, body (JSON-encoded unless raw), raw (string|Buffer),
 * headers, direct (bypass the proxy), base (another server), expectInvalidRequest (the
 * request deliberately breaks the contract). Every response is checked:
 *  - the proxy found no response violation,
 *  - errors are problem+json with the request id as instance,
 *  - nothing is a 5xx unless the test says so (allow5xx). */
export async function call(method, path, opts = {}) {
  const base = opts.base ?? (opts.direct ? DIRECT : API);
  const headers = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body, redirect: 'manual' });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  const type = res.headers.get('content-type') ?? '';
  let json;
  if (type.includes('json') && text.length > 0) json = JSON.parse(text);
  const out = { status: res.status, headers: res.headers, text, json, type, bytes };

  const v = violations(res);
  assert.deepEqual(v.response, [], `${method} ${path} → ${res.status}: response breaks openapi.yaml: ${JSON.stringify(v.response)}`);
  if (!opts.expectInvalidRequest)
    assert.deepEqual(v.request, [], `${method} ${path}: request breaks openapi.yaml: ${JSON.stringify(v.request)}`);
  assert.ok(res.headers.get('x-request-id'), `${method} ${path}: no X-Request-Id`);
  if (res.status >= 400) {
    // the token endpoint answers RFC 6749's application/json (with the problem members too)
    const oauth = path.startsWith('/v1/auth/token') && res.status < 500 && /^application\/json/.test(type);
    if (oauth) assert.ok(json.error && json.error_description, `${method} ${path} → ${res.status}: not an RFC 6749 error: ${text}`);
    else assert.match(type, /^application\/problem\+json/, `${method} ${path} → ${res.status} is not problem+json: ${text}`);
    assert.equal(json.status, res.status);
    assert.equal(json.instance, res.headers.get('x-request-id'));
    assert.ok(json.title);
  }
  if (!opts.allow5xx) assert.ok(res.status < 500, `${method} ${path} → ${res.status}: ${text}`);
  if (CAPTURE && json !== undefined) capture(method, path, res, json);
  return out;
}

/* EXAMPLES_CAPTURE=<dir>: every JSON answer is appended to <dir>/<pid>.jsonl, the raw
 * material of the contract's examples (tests/contract/examples.mjs --write <dir>). */
const CAPTURE = process.env.EXAMPLES_CAPTURE;
if (CAPTURE) mkdirSync(CAPTURE, { recursive: true });
function capture(method, path, res, json) {
  const line = { method, path: path.split('?')[0], status: res.status, type: res.headers.get('content-type'), json };
  appendFileSync(`${CAPTURE}/${process.pid}.jsonl`, JSON.stringify(line) + '\n');
}

export const get = (path, opts) => call('GET', path, opts);
export const post = (path, body, opts = {}) => call('POST', path, { ...opts, body });
export const patch = (path, body, opts = {}) => call('PATCH', path, { ...opts, body });
export const del = (path, opts) => call('DELETE', path, opts);

const tokens = new Map();
/* An access token for a demo login (cached per process). */
export async function login(who, base = API) {
  const key = `${base}|${who}`;
  if (!tokens.has(key)) {
    const r = await call('POST', '/v1/auth/login', { base, body: { login: LOGINS[who] ?? who, password: PASSWORD } });
    assert.equal(r.status, 200, `login ${who}: ${r.text}`);
    tokens.set(key, r.json.access_token);
  }
  return tokens.get(key);
}

export async function loginFull(loginName, password = PASSWORD, base = API) {
  return call('POST', '/v1/auth/login', { base, body: { login: loginName, password } });
}

/* The names of the invalid fields a 400 reported. */
export function fieldsOf(res) {
  assert.equal(res.status, 400, `expected 400, got ${res.status}: ${res.text}`);
  return (res.json.errors ?? []).map((e) => e.field);
}

export function unique(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

/* Polls fn (every 200 ms, up to ms) until it returns something truthy, which it returns: a
 * condition another process (the sweep, a job) makes true, never a fixed sleep. */
export async function waitFor(fn, what, ms = 8000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/* A port nothing listens on now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

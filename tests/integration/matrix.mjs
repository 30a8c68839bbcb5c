// Machinery of the access matrix (09_access_matrix.test.mjs): the operations generated from
// openapi.yaml joined with the route table of api/routes.c (roles evaluated from the C role
// macros), the callers as their tokens describe them, a persistent database connection that
// fingerprints every table in one round trip, and the KNOWN_DEFECTS bookkeeping. Nothing here
// knows a resource: the oracle and the fixtures live in the test file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (rel) => readFileSync(ROOT + rel, 'utf8');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/* ---- operations from the contract -------------------------------------------------- */

/* Every operation of openapi.yaml under /v1: {operationId, method, path, pathParams,
 * queryParams: [{name, required, ref}], ifMatch, idempotent, public, body: 'none'|'json'|'raw'|'form',
 * bodyRequired}. `ref` is the parameter's $ref name (e.g. CommunityIdFilter) or null. */
export function contractOperations() {
  const doc = YAML.parse(read('openapi.yaml'));
  const resolve = (p) => {
    if (!p.$ref) return { ...p, refName: null };
    const name = p.$ref.split('/').pop();
    return { ...doc.components.parameters[name], refName: name };
  };
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve);
      const content = op.requestBody?.content ?? {};
      const types = Object.keys(content);
      let body = 'none';
      if (types.some((t) => t.includes('json'))) body = 'json';
      else if (types.some((t) => t.includes('x-www-form-urlencoded'))) body = 'form';
      else if (types.length > 0) body = 'raw';
      ops.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: !!p.required, ref: p.refName })),
        ifMatch: params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match'),
        public: Array.isArray(op.security) && op.security.length === 0,
        body,
        bodyRequired: !!op.requestBody?.required,
      });
    }
  }
  return ops;
}

/* ---- the route table and its role macros ------------------------------------------- */

/* #define NAME body (with line continuations) from C source text. */
function defines(src) {
  const out = {};
  const joined = src.replace(/\\\n/g, ' ');
  for (const m of joined.matchAll(/^#define\s+(\w+)(\([^)]*\))?\s+(.*)$/gm))
    out[m[1]] = { params: m[2] ? m[2].slice(1, -1).split(',').map((s) => s.trim()) : null, body: m[3].trim() };
  return out;
}

/* The pd_role enum in declaration order: name → value. */
function roleEnum(src) {
  const body = src.match(/enum\s+pd_role\s*\{([^}]*)\}/)[1].replace(/\/\*[\s\S]*?\*\//g, '');
  const out = {};
  let next = 0;
  for (const part of body.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    next = value !== undefined ? Number(value) : next;
    out[name] = next++;
  }
  return out;
}

/* Evaluates a role expression of the route table (identifiers, ROLE_BIT(x), |, <<, parens,
 * integer literals) with a small recursive-descent parser; unknown names throw, so a new
 * macro cannot silently mean "nobody". */
function roleEvaluator(defs, enums) {
  const evaluate = (text, env = {}) => {
    const tokens = text.match(/\d+u?|\w+|<<|[|()]/g) ?? [];
    let i = 0;
    const peek = () => tokens[i];
    const take = (t) => {
      if (t !== undefined && tokens[i] !== t) throw new Error(`role expression "${text}": expected ${t} at ${tokens[i]}`);
      return tokens[i++];
    };
    const primary = () => {
      const t = take();
      if (t === '(') { const v = or(); take(')'); return v; }
      if (/^\d/.test(t)) return Number.parseInt(t, 10);
      if (t in env) return env[t];
      if (t in enums) return enums[t];
      const d = defs[t];
      if (!d) throw new Error(`role expression "${text}": unknown name ${t}`);
      if (d.params) {
        take('(');
        const args = [or()];
        while (peek() === ',') { take(','); args.push(or()); }
        take(')');
        return evaluate(d.body, Object.fromEntries(d.params.map((p, k) => [p, args[k]])));
      }
      return evaluate(d.body);
    };
    const shift = () => { let v = primary(); while (peek() === '<<') { take('<<'); v = (v << primary()) >>> 0; } return v; };
    const or = () => { let v = shift(); while (peek() === '|') { take('|'); v = (v | shift()) >>> 0; } return v; };
    const v = or();
    if (i !== tokens.length) throw new Error(`role expression "${text}": trailing ${tokens.slice(i).join(' ')}`);
    return v;
  };
  return evaluate;
}

/* The route table: [{method, path, handler, roles: Set<role name> (empty = public), body,
 * clientScopes: the scopes that admit an integration client, any of them ([] = no scope)}]. */
export function routeTable() {
  const routes = read('api/routes.c');
  const pd = read('src/pd.h');
  const enums = roleEnum(pd);
  const evaluate = roleEvaluator({ ...defines(pd), ...defines(routes) }, enums);
  const roleNames = Object.fromEntries(Object.entries(enums).filter(([n]) => n !== 'ROLE_NONE' && n !== 'ROLE_COUNT')
    .map(([n, v]) => [v, n.replace(/^ROLE_/, '').toLowerCase()]));
  const table = routes.match(/api_routes\[\]\s*=\s*\{([\s\S]*?)\n\};/)[1];
  const out = [];
  const defs = defines(routes);
  // TICKETS_READ → SCOPE_TICKETS_READ → tickets:read
  const scopeName = (name) => (defs[name]?.body ?? name).trim().replace(/^SCOPE_/, '').toLowerCase().replace(/_([a-z]+)$/, ':$1');
  for (const m of table.matchAll(/\{\s*"(\w+)",\s*"([^"]+)",\s*(\w+),\s*([^,]+?),\s*(BODY_\w+)\s*(?:,\s*([^}]+?))?\s*\}/g)) {
    const mask = evaluate(m[4]);
    const roles = new Set(Object.entries(roleNames).filter(([bit]) => mask & (1 << Number(bit))).map(([, n]) => n));
    const scopes = m[6]?.split(',')[0].trim();  // (a seventh field holds ROUTE_* flags)
    const clientScopes = scopes && scopes !== '0' ? scopes.split('|').map((x) => scopeName(x.trim())) : [];
    out.push({ method: m[1], path: m[2], handler: m[3], roleExpr: m[4].trim(), roles, body: m[5], clientScopes });
  }
  const entries = table.split('\n').filter((l) => /^\s*\{\s*"/.test(l)).length;
  assert.equal(out.length, entries, 'every line of the route table was parsed');
  return out;
}

/* The contract's /v1 operations joined with their routes; throws listing every operation
 * without a route and every /v1 route without an operation. */
export function operations() {
  const ops = contractOperations();
  const routes = routeTable();
  const key = (m, p) => `${m} ${p}`;
  const byKey = new Map(routes.map((r) => [key(r.method, r.path), r]));
  const missingRoute = ops.filter((o) => !byKey.has(key(o.method, o.path))).map((o) => `${o.operationId} (${o.method} ${o.path})`);
  const opKeys = new Set(ops.map((o) => key(o.method, o.path)));
  const missingOp = routes.filter((r) => r.path.startsWith('/v1/') && !opKeys.has(key(r.method, r.path)))
    .map((r) => `${r.method} ${r.path} (${r.handler})`);
  const noId = ops.filter((o) => !o.operationId).map((o) => `${o.method} ${o.path}`);
  assert.deepEqual({ missingRoute, missingOp, noId }, { missingRoute: [], missingOp: [], noId: [] },
    'openapi.yaml and api/routes.c must describe the same /v1 operations');
  return ops.map((o) => ({ ...o, route: byKey.get(key(o.method, o.path)) }));
}

/* ---- the database: one persistent connection, one fingerprint per table ------------ */

export class Db {
  constructor(url = process.env.DATABASE_URL) {
    assert.ok(url, 'DATABASE_URL is exported by tests/run.sh');
    this.client = new pg.Client({ connectionString: url });
  }

  async open(excluded) {
    await this.client.connect();
    const { rows } = await this.client.query(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
    this.tables = rows.map((r) => r.tablename).filter((t) => !excluded.includes(t));
    for (const t of excluded)
      assert.ok(rows.some((r) => r.tablename === t), `excluded table ${t} exists (stale exclusion?)`);
    // one statement, one round trip: each table's rows as text, ordered, hashed
    const ident = (t) => `"${t.replace(/"/g, '""')}"`;
    this.fingerprintSql = `SELECT ${this.tables.map((t, i) =>
      `(SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) FROM ${ident(t)} x) AS t${i}`).join(', ')}`;
  }

  query(text, params) { return this.client.query(text, params); }

  /* {table: md5} for every public table not excluded. */
  async fingerprint() {
    const { rows } = await this.client.query({ text: this.fingerprintSql, rowMode: 'array' });
    return Object.fromEntries(this.tables.map((t, i) => [t, rows[0][i]]));
  }

  close() { return this.client.end(); }
}

/* Names of the tables whose fingerprint differs. */
export function changedTables(before, after) {
  return Object.keys(after).filter((t) => before[t] !== after[t]);
}

/* ---- callers ------------------------------------------------------------------------ */

export function claims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
}

// The roles and client scopes of every operation, from the route table into the contract:
// `x-roles` (the `role` codes api/routes.c admits; [] = public) and, where integration
// clients are admitted, `security` offering the oauth2 client-credentials scheme with the
// scopes that admit them. The route table is the truth; the contract is written from it.
//   node tests/contract/roles.mjs          check: prints every drift, exit 1 if any
//   node tests/contract/roles.mjs --write  rewrite openapi.yaml to agree
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { routeTable } from '../integration/matrix.mjs';

const FILE = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));
const ORDER = ['owner', 'agent', 'technician', 'supervisor', 'manager', 'quality', 'admin', 'integration'];
/* Routes that are not API operations: the redirect to the docs, and the docs' files. */
const NOT_OPERATIONS = ['GET /', 'GET /docs/{asset}'];

/* What the contract should say of each operation, by "METHOD path". */
export function expectedRoles() {
  const out = new Map();
  for (const r of routeTable()) {
    const roles = [...r.roles].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    out.set(`${r.method} ${r.path}`, { roles, scopes: r.roles.has('integration') ? r.clientScopes : null });
  }
  return out;
}

/* The drifts between the contract and the route table, as sentences. */
export function drifts() {
  const doc = YAML.parse(readFileSync(FILE, 'utf8'));
  const want = expectedRoles();
  const problems = [];
  for (const key of want.keys()) {
    if (NOT_OPERATIONS.includes(key)) continue;
    const [method, path] = key.split(' ');
    if (!doc.paths[path]?.[method.toLowerCase()]) problems.push(`${key}: a route without an operation in the contract`);
  }
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (!op) continue;
      const key = `${method.toUpperCase()} ${path}`;
      const w = want.get(key);
      if (!w) { problems.push(`${key}: no route`); continue; }
      if (JSON.stringify(op['x-roles']) !== JSON.stringify(w.roles))
        problems.push(`${key} (${op.operationId}): x-roles ${JSON.stringify(op['x-roles'])}, the route admits ${JSON.stringify(w.roles)}`);
      const oauth = (op.security ?? []).find((s) => s.oauth2)?.oauth2 ?? null;
      if (JSON.stringify(oauth) !== JSON.stringify(w.scopes))
        problems.push(`${key} (${op.operationId}): oauth2 scopes ${JSON.stringify(oauth)}, the route admits clients with ${JSON.stringify(w.scopes)}`);
    }
  }
  return problems;
}

/* Rewrites each operation's x-roles (after its operationId) and, for client operations, its
 * security block (dropping it from an operation clients may no longer call), keeping every
 * other line as it is. */
function write() {
  const want = expectedRoles();
  const lines = readFileSync(FILE, 'utf8').split('\n');
  const out = [];
  let path = null;
  let inPaths = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^paths:/.test(line)) inPaths = true;
    else if (/^\S/.test(line)) inPaths = false;
    const p = inPaths && line.match(/^ {2}(\/\S*):\s*$/);
    if (p) path = p[1];
    const m = inPaths && line.match(/^ {4}(get|post|put|patch|delete):\s*$/);
    if (!m) { out.push(line); continue; }
    out.push(line);
    const w = want.get(`${m[1].toUpperCase()} ${path}`);
    // copy the operation, dropping what this script writes, then write it after operationId
    const body = [];
    let j = i + 1;
    for (; j < lines.length && (/^ {6}/.test(lines[j]) || lines[j] === ''); j++) body.push(lines[j]);
    while (body.length && body[body.length - 1] === '') body.pop();
    const kept = [];
    for (let k = 0; k < body.length; k++) {
      if (/^ {6}x-roles:/.test(body[k])) continue;
      if (/^ {6}security:\s*$/.test(body[k])) {  // a block offering oauth2 is this script's
        let end = k;
        while (end + 1 < body.length && /^ {8}- /.test(body[end + 1])) end++;
        if (body.slice(k + 1, end + 1).some((l) => l.includes('oauth2'))) { k = end; continue; }
      }
      kept.push(body[k]);
      if (w && /^ {6}operationId:/.test(body[k])) {
        kept.push(`      x-roles: [${w.roles.join(', ')}]`);
        if (w.scopes) kept.push('      security:', '        - bearerAuth: []', `        - oauth2: [${w.scopes.join(', ')}]`);
      }
    }
    out.push(...kept);
    i = j - 1 - (lines.slice(i + 1, j).length - body.length);
  }
  writeFileSync(FILE, out.join('\n'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--write')) write();
  const problems = drifts();
  problems.forEach((p) => console.log(p));
  console.log(`${problems.length} drift(s) between openapi.yaml and api/routes.c`);
  process.exit(problems.length ? 1 : 0);
}

// The contract's response examples are answers the server really gave: the suite records
// every JSON answer (EXAMPLES_CAPTURE=<dir>, tests/integration/lib.mjs) and this script picks,
// for each operation's success response and each shared error response, the most realistic
// one (the most Chinese text, lists cut to a few items) into `components/examples`, with a
// `$ref` from the response. Redocly then validates every example against its schema.
//   node tests/contract/examples.mjs                check: every JSON success response of
//                                                   every operation, and every shared problem
//                                                   response, has an example; exit 1 if not
//   rm -rf /tmp/cap; EXAMPLES_CAPTURE=/tmp/cap make test; node tests/contract/examples.mjs --write /tmp/cap
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const FILE = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const JSON_TYPES = ['application/json', 'application/problem+json'];
const REF = '#/components/examples/';
const MARK = '  # Generated from real answers by tests/contract/examples.mjs --write; do not edit by hand.';
const MAX_ITEMS = 2;         // arrays in an example are cut to this many items
/* Two examples of each shared problem response: English, and Chinese (Accept-Language: zh-CN). */
const LANGS = { en: (j) => !hasCjk(j.title), 'zh-CN': (j) => hasCjk(j.title) };

const hasCjk = (s) => /[\u4e00-\u9fff]/.test(s ?? '');
const cjkCount = (s) => (s.match(/[\u4e00-\u9fff]/g) ?? []).length;

/* Where examples belong: each operation's JSON 2xx response written inline, and each shared
 * response (components/responses) with a JSON body, with the operations and statuses that
 * use it. */
function targets(doc) {
  const out = [];
  const shared = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      for (const [status, resp] of Object.entries(op.responses)) {
        if (resp.$ref) {
          const name = resp.$ref.split('/').pop();
          if (!shared.has(name)) shared.set(name, []);
          shared.get(name).push({ method: method.toUpperCase(), path, status: Number(status) });
          continue;
        }
        if (!status.startsWith('2')) continue;
        const type = JSON_TYPES.find((t) => resp.content?.[t]);
        if (!type) continue;
        out.push({
          key: op.operationId, type, content: resp.content[type], summary: `${op.summary} (${status})`,
          keys: ['paths', path, method, 'responses', status, 'content', type],
          uses: [{ method: method.toUpperCase(), path, status: Number(status) }],
        });
      }
    }
  }
  for (const [name, uses] of shared) {
    const resp = doc.components.responses[name];
    const type = JSON_TYPES.find((t) => resp.content?.[t]);
    if (!type) continue;
    out.push({
      key: name, type, content: resp.content[type], summary: resp.description.split('\n')[0],
      keys: ['components', 'responses', name, 'content', type], uses, problem: type.includes('problem'),
    });
  }
  return out;
}

/* --- check ---------------------------------------------------------------------------- */

function check() {
  const doc = YAML.parse(readFileSync(FILE, 'utf8'));
  const missing = targets(doc)
    .filter((t) => t.content.example === undefined && !t.content.examples)
    .map((t) => `${t.keys.slice(0, -2).join(' ')}: no example`);
  for (const m of missing) console.log(m);
  return missing.length === 0;
}

/* --- write ---------------------------------------------------------------------------- */

function readCaptures(dir) {
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort())
    for (const line of readFileSync(`${dir}/${f}`, 'utf8').split('\n'))
      if (line) out.push(JSON.parse(line));
  return out;
}

/* "METHOD /v1/x/{id}" of a concrete request: literal paths win over templated ones. */
function router(doc) {
  const routes = Object.keys(doc.paths)
    .map((p) => ({ p, re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`), params: (p.match(/\{/g) ?? []).length }))
    .sort((a, b) => a.params - b.params || b.p.length - a.p.length);
  return (path) => routes.find((r) => r.re.test(path))?.p;
}

/* Credentials the suite's throwaway servers issued, replaced by values that look like what
 * they stand for and are plainly not real (an access token keeps its claims: they document
 * it). */
const REDACTED = {
  access_token: (v) => v.replace(/\.[^.]*$/, '.c2lnbmF0dXJlLW9taXR0ZWQ'),
  refresh_token: () => 'ZXhhbXBsZS1yZWZyZXNoLXRva2VuLW5vdC1yZWFs',
  client_secret: () => 'ZXhhbXBsZS1jbGllbnQtc2VjcmV0LW5vdC1yZWFs',
  secret: (v) => (v.startsWith('whsec_') ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' : v),
};

function cut(v) {
  if (Array.isArray(v)) return v.slice(0, MAX_ITEMS).map(cut);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' && REDACTED[k] ? REDACTED[k](x) : cut(x)]));
  return v;
}

/* How realistic an answer looks: Chinese text counts for it, one-letter and "test" strings
 * (the bad-input and matrix tests' filler) against, and so does sheer size. */
function realism(value) {
  const text = JSON.stringify(value);
  let filler = 0;
  JSON.stringify(value, (k, v) => {
    if (typeof v === 'string' && (/^[a-z]$/i.test(v) || /test|矩阵|并发/i.test(v))) filler++;
    return v;
  });
  const fields = value?.errors?.length ?? 0;
  return Math.min(cjkCount(text), 300) + 10 * Math.min(fields, 3) - 25 * filler - text.length / 400;
}

function best(candidates) {
  let top = null;
  for (const c of candidates) {
    const value = cut(c.json);
    const score = realism(value);
    const text = JSON.stringify(value);
    if (!top || score > top.score || (score === top.score && text < top.text)) top = { value, score, text };
  }
  return top?.value;
}

function pick(t, captures, route) {
  const uses = new Set(t.uses.map((u) => `${u.method} ${u.path} ${u.status}`));
  const mine = captures.filter((c) => uses.has(`${c.method} ${route(c.path)} ${c.status}`)
    && (c.type ?? '').startsWith(t.type));
  if (!t.problem) {
    const value = best(mine);
    return value === undefined ? [] : [{ name: t.key, label: 'example', summary: t.summary, value }];
  }
  return Object.entries(LANGS).flatMap(([lang, wanted]) => {
    const value = best(mine.filter((c) => wanted(c.json)));
    return value === undefined ? [] : [{ name: `${t.key}-${lang}`, label: lang, summary: `${t.summary} (${lang})`, value }];
  });
}

/* The line of each mapping key, by its path of keys (block scalars skipped). */
function keyLines(lines) {
  const at = new Map();
  const stack = [];
  let scalarIndent = -1;
  lines.forEach((line, i) => {
    const indent = line.search(/\S/);
    if (indent < 0 || line.trimStart().startsWith('#')) return;
    if (scalarIndent >= 0 && indent > scalarIndent) return;
    scalarIndent = -1;
    const m = line.match(/^(\s*)("[^"]*"|'[^']*'|[^\s"'#-][^:]*):(\s|$)(.*)$/);
    if (!m) return;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    const key = m[2].replace(/^["']|["']$/g, '');
    stack.push({ indent, key });
    at.set(stack.map((s) => s.key).join('\u0000'), i);
    if (/^[|>][-+]?\s*$/.test(m[4])) scalarIndent = indent;
  });
  return at;
}

/* Drops the `examples:` blocks that only point into components/examples, and the generated
 * section at the end. */
function withoutGenerated(lines) {
  const markAt = lines.indexOf(MARK);
  const body = markAt >= 0 ? lines.slice(0, markAt - 1) : lines.slice();
  const out = [];
  for (let i = 0; i < body.length; i++) {
    const m = body[i].match(/^(\s*)examples:$/);
    if (m) {
      let j = i + 1;
      while (j < body.length && body[j].search(/\S/) > m[1].length) j++;
      const inner = body.slice(i + 1, j).map((l) => l.trim());
      if (inner.length && inner.every((l) => l.startsWith(`$ref: "${REF}`) || /^[\w.-]+:$/.test(l))) { i = j - 1; continue; }
    }
    out.push(body[i]);
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

function write(dir) {
  const captures = readCaptures(dir);
  let lines = withoutGenerated(readFileSync(FILE, 'utf8').split('\n'));
  const doc = YAML.parse(lines.join('\n'));
  const route = router(doc);
  const chosen = [];
  const inserts = [];
  const at = keyLines(lines);
  const without = [];
  for (const t of targets(doc)) {
    if (t.content.example !== undefined || t.content.examples) continue;   // written by hand
    const picks = pick(t, captures, route);
    if (!picks.length) { without.push(t.keys.slice(0, -2).join(' ')); continue; }
    const line = at.get(t.keys.join('\u0000'));
    const indent = lines[line].search(/\S/) + 2;
    let end = line + 1;
    while (end < lines.length && (lines[end].trim() === '' || lines[end].search(/\S/) >= indent)) end++;
    while (lines[end - 1].trim() === '') end--;
    const pad = ' '.repeat(indent);
    inserts.push({ end, text: [`${pad}examples:`, ...picks.flatMap((p) => [`${pad}  ${p.label}:`, `${pad}    $ref: "${REF}${p.name}"`])] });
    chosen.push(...picks);
  }
  for (const ins of inserts.sort((a, b) => b.end - a.end)) lines.splice(ins.end, 0, ...ins.text);
  const section = YAML.stringify(Object.fromEntries(chosen.sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => [p.name, { summary: p.summary, value: p.value }])), { lineWidth: 0, version: '1.1' });  // 1.1: quote what older parsers read as dates or booleans
  lines = [...lines, '', MARK, '  examples:', ...section.trimEnd().split('\n').map((l) => `    ${l}`), ''];
  writeFileSync(FILE, lines.join('\n'));
  console.log(`examples.mjs: ${chosen.length} examples written; ${without.length} responses without a captured answer`);
  for (const w of without) console.log(`  ${w}`);
}

if (process.argv[2] === '--write') write(process.argv[3]);
else if (!check()) { console.log('examples.mjs: responses without examples (see above)'); process.exit(1); }
else console.log('examples.mjs: every JSON success response and shared problem response has an example');

// Every English text the API can put in a problem (a title, a detail, a field's message) has
// its Chinese in api/zh.c, for callers who ask for it (Accept-Language: zh…). The texts are
// found where they are written: the arguments of verr_add, api_field_error, api_problem,
// api_error and fail, struct pd_error literals and `*detail =` in src/ and api/, the reasons of src/netguard.c, and
// the messages the survey engine's SQL returns. A printf conversion or a SQL `%s` in a text
// stands for a part that varies; the catalogue's `{}` does the same.
//   node tests/contract/messages.mjs    prints every text without Chinese; exit 1 if any
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (p) => readFileSync(ROOT + p, 'utf8');
const cFiles = ['src', 'api'].flatMap((d) => readdirSync(ROOT + d).filter((f) => f.endsWith('.c')).map((f) => `${d}/${f}`));

/* The arguments of each call of fn in s, as source text. */
function calls(s, fn) {
  const out = [];
  for (let i = s.indexOf(`${fn}(`); i >= 0; i = s.indexOf(`${fn}(`, i + 1)) {
    if (/[\w.>]/.test(s[i - 1] ?? '')) continue;   // another function whose name ends so
    const args = [];
    let depth = 0, cur = '';
    for (let k = i + fn.length + 1; k < s.length; k++) {
      const ch = s[k];
      if (ch === '"') { const m = s.slice(k).match(/^"(\\.|[^"\\])*"/); cur += m[0]; k += m[0].length - 1; continue; }
      if (ch === '\'') { const m = s.slice(k).match(/^'(\\.|[^'\\])*'/); cur += m[0]; k += m[0].length - 1; continue; }
      if ('([{'.includes(ch)) depth++;
      if (')]}'.includes(ch)) { if (depth === 0) { args.push(cur.trim()); break; } depth--; }
      if (ch === ',' && depth === 0) { args.push(cur.trim()); cur = ''; continue; }
      cur += ch;
    }
    out.push(args);
  }
  return out;
}

/* The C string literals of an argument (a ternary's branches apart, adjacent ones joined). */
function literals(arg) {
  if (arg === undefined) return [];
  return arg.split(/\s[?:]\s/).map((part) => [...part.matchAll(/"((?:\\.|[^"\\])*)"/g)].map((m) => m[1]).join(''))
    .filter((t) => t !== '').map((t) => t.replace(/\\"/g, '"').replace(/\\\\/g, '\\'));
}

export function texts() {
  const out = new Map();   // text → where
  const add = (t, where) => { if (t && !/^%s$/.test(t) && !out.has(t)) out.set(t, where); };
  for (const f of cFiles) {
    const s = read(f);
    for (const a of calls(s, 'verr_add')) literals(a[2]).forEach((t) => add(t, f));
    for (const a of calls(s, 'api_field_error')) literals(a[2]).forEach((t) => add(t, f));
    for (const a of calls(s, 'api_problem')) { literals(a[2]).forEach((t) => add(t, f)); literals(a[3]).forEach((t) => add(t, f)); }
    for (const a of calls(s, 'api_error')) literals(a[2]).forEach((t) => add(t, f));
    for (const a of calls(s, 'fail')) literals(a[3]).forEach((t) => add(t, f));   // (e, code, field, detail)
    // api_org_wide(c, what): "Only an org-wide admin may <what>." (what a literal or a #define)
    for (const a of calls(s, 'api_org_wide')) {
      const what = literals(a[1])[0] ?? literals(s.match(new RegExp(`#define ${a[1]} ((?:"[^"]*"\\s*)+)`))?.[1])[0];
      if (what) add(`Only an org-wide admin may ${what}.`, f);
    }
    for (const m of s.matchAll(/\*detail = ((?:"(?:\\.|[^"\\])*"\s*)+);/g)) literals(m[1]).forEach((t) => add(t, f));
    for (const m of s.matchAll(/\(struct pd_error\)\s*\{\s*\w+\s*,\s*[^,{}]+,\s*((?:"(?:\\.|[^"\\])*"\s*)+)/g)) literals(m[1]).forEach((t) => add(t, f));
  }
  const guard = read('src/netguard.c');
  for (const m of guard.matchAll(/return "((?:\\.|[^"\\])*)";|say\(why, whylen, "((?:\\.|[^"\\])+)"\)/g)) add(m[1] ?? m[2], 'src/netguard.c');
  for (const f of readdirSync(ROOT + 'sql/migrations').filter((n) => n.endsWith('.sql'))) {
    const s = read(`sql/migrations/${f}`);
    for (const m of s.matchAll(/RETURN QUERY SELECT [^;]*?,\s*(?:format\()?'((?:''|[^'])*)'/g)) add(m[1].replace(/''/g, '\''), f);
    for (const m of s.matchAll(/'((?:''|[^'])*)' AS message/g)) add(m[1].replace(/''/g, '\''), f);
    for (const m of s.matchAll(/(?:THEN|ELSE) (?:format\()?'((?:must|is|may|only|needs|repeats) (?:''|[^'])*)'/g)) add(m[1].replace(/''/g, '\''), f);
  }
  return out;
}

/* The catalogue of api/zh.c, as [english, chinese] patterns. */
export function catalogue() {
  const s = read('api/zh.c');
  const table = s.slice(s.indexOf('zh_catalogue[][2] = {'), s.indexOf('};', s.indexOf('zh_catalogue[][2] = {')));
  return [...table.matchAll(/\{\s*((?:"(?:\\.|[^"\\])*"\s*)+),\s*((?:"(?:\\.|[^"\\])*"\s*)+)\}/g)]
    .map((m) => [literals(m[1])[0], literals(m[2])[0]]);
}

/* Whether a text (its printf conversions or SQL %s standing for any part) is covered by an
 * English pattern: the conversions are given a sample value and matched as zh.c matches. */
function covered(text, patterns) {
  const sample = text.replace(/%(?:[-+ #0]*\d*(?:\.\d+)?(?:zu|lld|ld|d|g|s|u))/g, '7');
  return patterns.some((p) => matches(p, sample));
}

/* zh.c's match: the literal parts between "{}" in order, the first a prefix, the last a suffix
 * (at most 4 parts; a part between two holes not empty, and under 128 bytes). */
export function matches(pattern, text) {
  const parts = pattern.split('{}');
  if (parts.length > 5 || parts.slice(1, -1).some((p) => p === '' || Buffer.byteLength(p) >= 128)) return false;
  if (!text.startsWith(parts[0])) return false;
  let at = parts[0].length;
  for (let i = 1; i < parts.length; i++) {
    if (i === parts.length - 1) return text.length - at >= parts[i].length && text.endsWith(parts[i]);
    const next = text.indexOf(parts[i], at);
    if (next < 0) return false;
    at = next + parts[i].length;
  }
  return text.length === at;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const patterns = catalogue().map(([en]) => en);
  const missing = [...texts()].filter(([t]) => !covered(t, patterns));
  for (const [t, where] of missing) console.log(`${where}: ${JSON.stringify(t)}`);
  const zhless = catalogue().filter(([, zh]) => !/[\u4e00-\u9fff]/.test(zh));
  for (const [en, zh] of zhless) console.log(`api/zh.c: ${JSON.stringify(en)} → ${JSON.stringify(zh)} has no Chinese`);
  console.log(`messages.mjs: ${texts().size} texts, ${missing.length} without Chinese, ${zhless.length} bad entries`);
  process.exit(missing.length + zhless.length ? 1 : 0);
}

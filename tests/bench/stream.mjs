// The live stream's bench driver (tests/bench/stream.sh):
//   node stream.mjs open BASE TOKEN N READY_FILE   opens N idle streams, writes READY_FILE
//                                                  once all answered 200, holds them until killed
//   node stream.mjs latency BASE SAMPLES          SAMPLES times: the owner reports, the desk
//                                                  dispatches to tech; prints the p50 and p99 of
//                                                  dispatch answered → work_order.dispatched on
//                                                  tech's open stream (ms)
import http from 'node:http';
import { writeFileSync } from 'node:fs';

const [mode, base, ...rest] = process.argv.slice(2);
const TECH = '10000000-0000-4000-8000-0000000000a3';

function openStream(token, onEvent) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/v1/stream`, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`stream answered ${res.statusCode}`)); return; }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buf += d;
        for (let i; (i = buf.indexOf('\n\n')) >= 0;) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && onEvent) onEvent(ev, JSON.parse(data));
        }
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

async function call(method, path, token, body) {
  const r = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body) });
  const j = await r.json();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}
async function login(who) {
  const r = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: who, password: 'demo-pass-1' }) });
  return (await r.json()).access_token;
}

if (mode === 'open') {
  const [token, n, ready] = rest;
  const all = [];
  for (let i = 0; i < Number(n); i += 50)
    all.push(...await Promise.all(Array.from({ length: Math.min(50, Number(n) - i) }, () => openStream(token))));
  writeFileSync(ready, String(all.length));
  setInterval(() => {}, 1 << 30);
} else if (mode === 'latency') {
  const samples = Number(rest[0]);
  const [owner, agent, tech] = await Promise.all(['13800000001', 'agent', 'tech'].map(login));
  const unit = (await call('GET', '/v1/me', owner)).units[0].id;
  const waiting = new Map();  // ticket id → resolve
  await openStream(tech, (ev, data) => {
    if (ev !== 'work_order.dispatched') return;
    for (const [, w] of waiting) w(data);
  });
  const ms = [];
  for (let i = 0; i < samples; i++) {
    const t = await call('POST', '/v1/tickets', owner, { kind: 'repair', unit_id: unit, category: 'leak', description: `延迟测试 ${i}` });
    const seen = new Promise((resolve) => waiting.set(t.id, resolve));
    await call('POST', `/v1/tickets/${t.id}/dispatch`, agent, { mode: 'assign', assignee_id: TECH });
    const t0 = performance.now();
    await seen;
    ms.push(performance.now() - t0);
    waiting.delete(t.id);
  }
  ms.sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(1);
  console.log(`${q(0.5)} ${q(0.99)}`);
  process.exit(0);
}

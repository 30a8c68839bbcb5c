// Memory under hostile floods, measured on a running server (its RSS from /proc):
//  1. 800 anonymous requests of 1,000 query parameters each (a leak per request would show);
//  2. 48 anonymous, half-sent 8 MiB bodies held open at once (16 each to the login route,
//     the upload route and an unknown route) — refused from the head, never buffered;
//  3. 16 anonymous, half-sent bodies within the login route's limit — buffered, but only
//     what arrived, within the process-wide budget.
// Usage: node tests/bench/flood.mjs URL PID [MAX_GROWTH_MIB]. Prints the figures and exits
// non-zero when the growth after the floods exceeds MAX_GROWTH_MIB (default 24).
import net from 'node:net';
import { readFileSync } from 'node:fs';

const [url, pid, maxGrowth = '24'] = process.argv.slice(2);
const target = new URL(url);
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

function exchange(head, body) {  // resolves when the server answers or hangs up
  return new Promise((resolve) => {
    const s = net.connect(Number(target.port), target.hostname);
    s.on('error', () => {});
    s.on('data', () => { s.destroy(); resolve(); });
    s.on('close', resolve);
    s.write(head);
    if (body) s.write(body);
  });
}

function holdOpen(head, body) {  // resolves with the socket once the bytes are written
  return new Promise((resolve) => {
    const s = net.connect(Number(target.port), target.hostname, () => {
      s.write(head);
      s.write(body, () => resolve(s));
    });
    s.on('error', () => {});
  });
}

const head = (method, path, headers) =>
  `${method} ${path} HTTP/1.1\r\nHost: ${target.host}\r\n` +
  Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';

const before = rssMiB();
const query = '/v1/units?' + Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&');
for (let i = 0; i < 800; i += 16)
  await Promise.all(Array.from({ length: 16 }, () => exchange(head('GET', query, {}))));
const afterQueries = rssMiB();

const half = Buffer.alloc(4 << 20, 0x20);
const big = { 'content-type': 'application/json', 'content-length': 8 << 20 };
const open = [];
for (const path of ['/v1/auth/login', '/v1/attachments', '/v1/nowhere'])
  for (let i = 0; i < 16; i++) open.push(holdOpen(head('POST', path, big), half));
const sockets = await Promise.all(open);
await new Promise((r) => setTimeout(r, 300));
const duringBig = rssMiB();
sockets.forEach((s) => s.destroy());

const small = { 'content-type': 'application/json', 'content-length': 1 << 20 };
const within = await Promise.all(Array.from({ length: 16 }, () => holdOpen(head('POST', '/v1/auth/login', small), Buffer.alloc(512 << 10, 0x20))));
await new Promise((r) => setTimeout(r, 300));
const duringSmall = rssMiB();
within.forEach((s) => s.destroy());

const growth = Math.max(afterQueries, duringBig) - before;
console.log(`rss before ${before.toFixed(1)} MiB; after 800 × 1,000-parameter requests ${afterQueries.toFixed(1)}; ` +
  `48 half-sent 8 MiB bodies open ${duringBig.toFixed(1)}; 16 half-sent bodies within the limit open ${duringSmall.toFixed(1)}`);
console.log(`growth from the refused floods ${growth.toFixed(1)} MiB (limit ${maxGrowth})`);
process.exit(growth <= Number(maxGrowth) ? 0 : 1);

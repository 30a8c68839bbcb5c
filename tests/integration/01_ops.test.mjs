// Operations endpoints and the conventions every route shares: request ids, problem+json
// for unknown routes and methods, metrics, the contract and the docs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, get, login, DIRECT } from './lib.mjs';

test('healthz and readyz answer 200', async () => {
  assert.equal((await get('/healthz')).json.status, 'ok');
  assert.equal((await get('/readyz')).json.status, 'ready');
});

test('a client request id is echoed; otherwise one is generated', async () => {
  const r = await get('/healthz', { headers: { 'x-request-id': 'abc-123.X' } });
  assert.equal(r.headers.get('x-request-id'), 'abc-123.X');
  const g = await get('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(g.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
});

test('unknown route is 404 problem+json naming the request id', async () => {
  const r = await get('/v1/nope', { headers: { 'x-request-id': 'rid-404' }, direct: true });
  assert.equal(r.status, 404);
  assert.equal(r.json.instance, 'rid-404');
});

test('wrong method is 405 with Allow', async () => {
  const r = await call('DELETE', '/v1/communities', { direct: true });
  assert.equal(r.status, 405);
  assert.match(r.headers.get('allow'), /GET/);
  assert.match(r.headers.get('allow'), /POST/);
});

test('metrics expose requests by route template and status, latency and pool', async () => {
  await get('/healthz');
  const r = await get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.text, /propdesk_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  assert.match(r.text, /propdesk_http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="0.005"\}/);
  assert.match(r.text, /propdesk_db_pool_connections\{state="idle"\} \d+/);
  const token = await login('admin');
  await get(`/v1/units/${'0'.repeat(8)}-0000-4000-8000-000000000000`, { token });
  const m = await get('/metrics');
  assert.match(m.text, /route="\/v1\/units\/\{id\}",status="404"/, 'labels use the route template, not the raw path');
  // the last routes of the table are counted too (not folded into "unmatched")
  await get(`/v1/webhook-deliveries/${'0'.repeat(8)}-0000-4000-8000-000000000000`, { token });
  assert.match((await get('/metrics')).text, /route="\/v1\/webhook-deliveries\/\{id\}",status="404"/);
});

test('metrics for operators: the process, the build, the database, the jobs, the streams', async () => {
  const spec = (await get('/openapi.yaml')).text;
  const version = spec.match(/^info:[\s\S]*?^ {2}version: (\S+)$/m)[1];
  const m = (await get('/metrics')).text;
  assert.match(m, new RegExp(`^propdesk_build_info\\{version="${version.replace(/\./g, '\\.')}"\\} 1$`, 'm'), 'one version: the contract\'s');
  for (const name of ['process_resident_memory_bytes', 'process_virtual_memory_bytes', 'process_open_fds', 'process_max_fds',
    'process_start_time_seconds', 'process_cpu_seconds_total', 'propdesk_jobs_claims_total', 'propdesk_jobs_runs_total',
    'propdesk_jobs_failures_total', 'propdesk_jobs_lag_seconds', 'propdesk_streams_open'])
    assert.match(m, new RegExp(`^# TYPE ${name} (gauge|counter)\n${name} [0-9.e+]+$`, 'm'), name);
  assert.ok(Number(m.match(/^process_resident_memory_bytes (\d+)/m)[1]) > 1e6);
  assert.ok(Math.abs(Number(m.match(/^process_start_time_seconds (\d+)/m)[1]) - Date.now() / 1000) < 3600);
  assert.ok(Number(m.match(/^propdesk_db_query_duration_seconds_count (\d+)/m)[1]) > 0, 'database round trips are timed');
  assert.match(m, /^propdesk_db_query_duration_seconds_bucket\{le="\+Inf"\} \d+$/m);
  // the event loops' pipelined reads: a session's second read is queued on its loop's pipe
  const token = await login('admin');
  for (let i = 0; i < 2; i++) assert.equal((await get('/v1/tickets?limit=1', { token })).status, 200);
  const p = (await get('/metrics')).text;
  for (const name of ['propdesk_db_pipe_reads_total', 'propdesk_db_pipe_reads_in_flight', 'propdesk_db_pipe_lost_total'])
    assert.match(p, new RegExp(`^# TYPE ${name} (gauge|counter)\n${name} \\d+$`, 'm'), name);
  assert.ok(Number(p.match(/^propdesk_db_pipe_reads_total (\d+)/m)[1]) > 0, 'reads went through the pipes');
  assert.equal(p.match(/^propdesk_db_pipe_reads_in_flight (\d+)/m)[1], '0', 'none left in flight at rest');
  if (process.env.PROPDESK_BIN) {
    const { execFileSync } = await import('node:child_process');
    assert.equal(execFileSync(process.env.PROPDESK_BIN, ['version']).toString().trim(), `propdesk ${version}`);
  }
});

test('the contract and the docs are served locally', async () => {
  const spec = await get('/openapi.yaml');
  assert.equal(spec.status, 200);
  assert.match(spec.text, /^openapi: 3/m);
  const docs = await get('/docs');
  assert.match(docs.type, /text\/html/);
  assert.doesNotMatch(docs.text, /https?:\/\/(?!localhost)/, 'no CDN');
  const js = await fetch(`${DIRECT}/docs/swagger-ui-bundle.js`);
  assert.equal(js.status, 200);
  assert.ok((await js.arrayBuffer()).byteLength > 100000);
});

test('JWKS is empty while signing with HS256', async () => {
  const r = await get('/.well-known/jwks.json');
  assert.deepEqual(r.json.keys, []);
});

test('enums carry zh-CN and en labels', async () => {
  const r = await get('/v1/meta/enums');
  const role = r.json.role.find((e) => e.code === 'owner');
  assert.equal(role.label['zh-CN'], '业主');
  assert.equal(role.label.en, 'Owner');
  for (const name of ['role', 'department', 'residency_status', 'residency_relation', 'scope'])
    assert.ok(r.json[name].length > 0, name);
});

// The repair story through a client generated from openapi.yaml (openapi-typescript types,
// openapi-fetch calls), typechecked under strict mode and run against the suite's server
// through the contract proxy (tests/run.sh, "typed client"). The @ts-expect-error lines are
// misuse the types must refuse: if one compiled, tsc would fail on the unused directive.
import createClient from 'openapi-fetch';
import type { components, paths } from '../../build/client/schema.js';

type Dispatch = components['schemas']['TicketDispatch'];
// @ts-expect-error assign names the technician
const assignWithoutWhom: Dispatch = { mode: 'assign' };
// @ts-expect-error the queue names nobody
const queueNamingSomeone: Dispatch = { mode: 'queue', assignee_id: '10000000-0000-4000-8000-0000000000a3' };
// @ts-expect-error not a dispatch mode
const unknownMode: Dispatch = { mode: 'broadcast' };
type Report = components['schemas']['TicketCreate'];
const A_UNIT = '10000000-0000-4000-8000-000000000101', A_COMMUNITY = '10000000-0000-4000-8000-0000000000c1';
const inUnit: Report = { kind: 'repair', unit_id: A_UNIT, category: 'leak', description: '漏水' };
const inCommonArea: Report = { kind: 'repair', community_id: A_COMMUNITY, location: '3栋1单元电梯', category: 'elevator', description: '电梯停运' };
// @ts-expect-error a ticket is in a unit or a common area, not both
const inBoth: Report = { ...inUnit, community_id: A_COMMUNITY, location: '电梯' };
// @ts-expect-error nor nowhere
const nowhere: Report = { kind: 'repair', category: 'leak', description: '漏水' };
// @ts-expect-error a common area says where in it
const commonAreaWithoutWhere: Report = { kind: 'repair', community_id: A_COMMUNITY, category: 'leak', description: '漏水' };
void assignWithoutWhom, queueNamingSomeone, unknownMode, inUnit, inCommonArea, inBoth, nowhere, commonAreaWithoutWhere;

declare const process: { env: Record<string, string | undefined> };  // (no @types/node needed)
const TECH = '10000000-0000-4000-8000-0000000000a3';
const api = createClient<paths>({ baseUrl: process.env.API_URL ?? 'http://localhost:8080' });

function must<T>(r: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (r.data === undefined) throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
}

async function token(login: string): Promise<string> {
  return must(await api.POST('/v1/auth/login', { body: { login, password: 'demo-pass-1' } }), `login ${login}`).access_token;
}
const as = (t: string) => ({ headers: { Authorization: `Bearer ${t}` } });

const [owner, agent, tech] = await Promise.all(['13800000001', 'agent', 'tech'].map(token));
const me = must(await api.GET('/v1/me', as(owner)), 'me');
const unit = me.units[0].id;
const ticket = must(await api.POST('/v1/tickets', { ...as(owner),
  body: { kind: 'repair', unit_id: unit, category: 'leak', description: '类型化客户端：卫生间漏水' } }), 'report');
const id = ticket.id;
const dispatched = must(await api.POST('/v1/tickets/{id}/dispatch', { ...as(agent), params: { path: { id } },
  body: { mode: 'assign', assignee_id: TECH } }), 'dispatch');
const order = dispatched.work_orders[0].id;
for (const step of ['accept', 'start'] as const)
  must(await api.POST(`/v1/work-orders/{id}/${step}`, { ...as(tech), params: { path: { id: order } } }), step);
must(await api.POST('/v1/work-orders/{id}/complete', { ...as(tech), params: { path: { id: order } },
  body: { notes: '更换密封圈', labor_minutes: 30 } }), 'complete');
const closed = must(await api.POST('/v1/tickets/{id}/confirm', { ...as(owner), params: { path: { id } },
  body: { rating: 5 } }), 'confirm');
if (closed.status !== 'closed') throw new Error(`expected closed, got ${closed.status}`);
// an error is typed too: the problem's fields are there
const missing = await api.GET('/v1/tickets/{id}', { ...as(owner), params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
if (missing.response.status !== 404 || missing.error?.status !== 404) throw new Error('a 404 problem was expected');
console.log(`typed client: ${id} ${closed.status}`);

/** Migration pages for both parties: list, start (customer), live view, steering, and the poll endpoint. */
import { Hono, type Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { PlatformT } from '../catalog/schema';
import { TERMINAL_STATES } from '../lib/lifecycle';
import { PAGE_LIMIT_MAX } from '../constants';
import { problems } from '../http/problem';
import { ApiCallError, type Api } from './api';
import { consoleFor, type ConsoleEnv } from './context';
import { Layout, Section } from './layout';
import { DeploymentTable, liveData, LiveMigration, MigrationTable, STEPS, stepsFor, type Migration, type MigrationTask, type Traffic } from './migration-view';
import { SCHEDULE_ACTIONS, scheduleActionsFor } from './schedule-control';
import type { TimelineSchema } from '../migrations/schema';

type Timeline = z.infer<typeof TimelineSchema>;

export const migrationPages = new Hono<ConsoleEnv>();
migrationPages.use('/customer/*', consoleFor('customer'));
migrationPages.use('/provider/*', consoleFor('provider'));


export async function platformNames(api: Api): Promise<(id: string) => string> {
  const { items } = await api.get<{ items: PlatformT[] }>(`/v1/platforms?limit=${PAGE_LIMIT_MAX}`);
  const names = new Map(items.map((p) => [p.id, p.name]));
  return (id) => names.get(id) ?? id;
}

export async function myMigrations(api: Api, query = ''): Promise<Migration[]> {
  return (await api.get<{ items: Migration[] }>(`/v1/migrations?limit=${PAGE_LIMIT_MAX}${query}`)).items;
}

const getMigration = (api: Api, id: string) => api.get<Migration>(`/v1/migrations/${encodeURIComponent(id)}`);

/** The traffic view of the migration's customer; null before the SBC has one (404). */
export function trafficOf(api: Api, customerId: string): Promise<Traffic | null> {
  return api.get<Traffic>(`/v1/customers/${encodeURIComponent(customerId)}/traffic`).catch((err: unknown) => {
    if (err instanceof ApiCallError && err.status === 404) return null;
    throw err;
  });
}

migrationPages.get('/api/migrations/:id', async (c) => {
  const { principal } = c.get('session');
  const api = c.get('api');
  const m = await getMigration(api, c.req.param('id'));
  const [traffic, timeline, name] = await Promise.all([
    trafficOf(api, m.customerId),
    api.get<Timeline>(`/v1/migrations/${encodeURIComponent(m.id)}/timeline`),
    platformNames(api),
  ]);
  const names = { a: name(m.source.platformId), b: name(m.target.platformId) };
  return c.json(liveData(m, traffic, timeline.points, stepsFor(m, principal.kind, principal.id), scheduleActionsFor(m, traffic, principal.kind), names, Date.now()));
});

async function livePage(c: Context<ConsoleEnv>, base: string, nav: string) {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const id = c.req.param('id') ?? '';
  const [m, name, tasks] = await Promise.all([
    getMigration(api, id),
    platformNames(api),
    api.get<{ items: MigrationTask[] }>(`/v1/migrations/${encodeURIComponent(id)}/tasks?limit=${PAGE_LIMIT_MAX}`),
  ]);
  const traffic = await trafficOf(api, m.customerId);
  const schedule = principal.kind === 'customer' && !TERMINAL_STATES.includes(m.state) ? scheduleActionsFor(m, traffic, principal.kind) : null;
  return c.html(
    <Layout title={`Migration ${m.id}`} principal={principal} csrf={csrf} path={nav} script>
      <LiveMigration m={m} base={base} csrf={csrf} steps={stepsFor(m, principal.kind, principal.id)} scheduleActions={schedule} traffic={traffic} platformName={name} />
      <DeploymentTable tasks={tasks.items} />
    </Layout>,
  );
}

async function steer(c: Context<ConsoleEnv>, base: string) {
  const step = c.req.param('step') ?? '';
  if (!(STEPS as readonly string[]).includes(step)) throw problems.notFound('step');
  const id = c.req.param('id') ?? '';
  await c.get('api').post(`/v1/migrations/${encodeURIComponent(id)}/${step}`);
  return c.redirect(`${base}/${encodeURIComponent(id)}`, 303);
}

migrationPages.get('/customer/migrations', async (c) => {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const [items, name] = await Promise.all([myMigrations(api), platformNames(api)]);
  return c.html(
    <Layout title="Migrations" principal={principal} csrf={csrf} path="/console/customer/migrations">
      <Section title="Your migrations">
        <p class="muted">Start one from the migration-in-place list on the hardware & platforms page.</p>
        <MigrationTable items={items} base="/console/customer/migrations" platformName={name} />
      </Section>
    </Layout>,
  );
});

migrationPages.post('/customer/migrations', async (c) => {
  const form = await c.req.parseBody();
  const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
  const m = await c.get('api').post<Migration>(
    '/v1/migrations',
    { customerId: c.get('session').principal.id, targetPlatformId: field('targetPlatformId'), scope: field('scope') || 'server' },
    { 'idempotency-key': field('idempotencyKey') },
  );
  return c.redirect(`/console/customer/migrations/${encodeURIComponent(m.id)}`, 303);
});

/** The customer's traffic schedule: set (from the form's step rows), pause, resume or clear. */
migrationPages.post('/customer/migrations/:id/schedule/:action', async (c) => {
  const action = c.req.param('action');
  if (!(SCHEDULE_ACTIONS as readonly string[]).includes(action)) throw problems.notFound('schedule action');
  const api = c.get('api');
  const path = `/v1/customers/${encodeURIComponent(c.get('session').principal.id)}/traffic/schedule`;
  if (action === 'set') await api.put(path, { steps: scheduleSteps(await c.req.parseBody({ all: true })) });
  else if (action === 'clear') await api.delete(path);
  else await api.post(`${path}/${action}`);
  return c.redirect(`/console/customer/migrations/${encodeURIComponent(c.req.param('id'))}`, 303);
});

/** Step rows of the schedule form, in order; a row with both fields empty is skipped (the API judges the rest). */
function scheduleSteps(form: Record<string, unknown>): { weight: number; pauseSeconds: number }[] {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (typeof x === 'string' ? x.trim() : ''));
  const weights = list(form.weight);
  const pauses = list(form.pause);
  return weights.flatMap((w, i) => (w === '' && (pauses[i] ?? '') === '' ? [] : [{ weight: Number(w), pauseSeconds: Number(pauses[i] || 0) }]));
}

migrationPages.get('/customer/migrations/:id', (c) => livePage(c, '/console/customer/migrations', '/console/customer/migrations'));
migrationPages.post('/customer/migrations/:id/:step', (c) => steer(c, '/console/customer/migrations'));
migrationPages.get('/provider/migrations/:id', (c) => livePage(c, '/console/provider/migrations', '/console/provider'));
migrationPages.post('/provider/migrations/:id/:step', (c) => steer(c, '/console/provider/migrations'));

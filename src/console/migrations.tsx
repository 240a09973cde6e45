/** Migration pages for both parties: list, start (customer), live view, steering, and the poll endpoint. */
import { Hono, type Context } from 'hono';
import type { PlatformT } from '../catalog/schema';
import { PAGE_LIMIT_MAX } from '../constants';
import { problems } from '../http/problem';
import { ApiCallError, type Api } from './api';
import { consoleFor, type ConsoleEnv } from './context';
import { Layout, Section } from './layout';
import { liveData, LiveMigration, MigrationTable, STEPS, stepsFor, type Migration, type Traffic } from './migration-view';

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

migrationPages.get('/api/migrations/:id', async (c) => {
  const { principal } = c.get('session');
  const api = c.get('api');
  const m = await getMigration(api, c.req.param('id'));
  // Before the SBC has a view of the customer, its traffic answers 404: the chart shows data only.
  const traffic = await api.get<Traffic>(`/v1/customers/${encodeURIComponent(m.customerId)}/traffic`).catch((err: unknown) => {
    if (err instanceof ApiCallError && err.status === 404) return null;
    throw err;
  });
  return c.json(liveData(m, traffic, stepsFor(m, principal.kind, principal.id), Date.now()));
});

async function livePage(c: Context<ConsoleEnv>, base: string, nav: string) {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const [m, name] = await Promise.all([getMigration(api, c.req.param('id') ?? ''), platformNames(api)]);
  return c.html(
    <Layout title={`Migration ${m.id}`} principal={principal} csrf={csrf} path={nav} script>
      <LiveMigration m={m} base={base} csrf={csrf} steps={stepsFor(m, principal.kind, principal.id)} platformName={name} />
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

migrationPages.get('/customer/migrations/:id', (c) => livePage(c, '/console/customer/migrations', '/console/customer/migrations'));
migrationPages.post('/customer/migrations/:id/:step', (c) => steer(c, '/console/customer/migrations'));
migrationPages.get('/provider/migrations/:id', (c) => livePage(c, '/console/provider/migrations', '/console/provider'));
migrationPages.post('/provider/migrations/:id/:step', (c) => steer(c, '/console/provider/migrations'));

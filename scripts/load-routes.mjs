// `npm run load:routes`: bounded load on every route, on loopback, and a count of 5xx per route.
// Starts the bundled Worker in workerd (as the benchmarks do) on fresh state, seeds the demo data
// center, then runs autocannon with `--connections` connections for `--duration` seconds, handing out
// one request per route in turn (every operation of the OpenAPI document, with
// real ids and keys, plus the console, docs and health routes); some writes are accepted, the rest
// refused as they should be. Prints per route: requests, 2xx, 4xx, 5xx, socket errors. Then a burst of
// `--starts` concurrent migration starts for one customer (one must be created, the rest refused 409).
// Exits 1 on any 5xx or socket error. With --dev the service is `wrangler dev` (as `npm start` runs
// it, with its development proxy and file watchers) instead of the bundle served by workerd.
// Run it alone (a benchmark's rules): `npm run load:routes`.
// Options: --connections 50  --duration 30  --servers 50  --starts 200  --port 8930  --upstream-port 8940  --dev
//          (the defaults stay clear of `npm start`, the simulator and the benchmark)
import './lib/offline.mjs';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { client } from './lib/api.mjs';
import { publishModules, startArtifactServer } from './lib/artifacts.mjs';
import { OPERATIONS } from './lib/api-operations.mjs';
import { PLATFORMS } from './lib/demo-data.mjs';
import { spawnDemoUpstreams } from './lib/demo-upstreams.mjs';
import { ensureDevVars, startLocalService, startWorkerd } from './lib/local-service.mjs';
import { demoModules, seed } from './lib/seed.mjs';

const { values: opts } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '30' },
    servers: { type: 'string', default: '50' },
    port: { type: 'string', default: '8930' },
    'upstream-port': { type: 'string', default: '8940' },
    starts: { type: 'string', default: '200' },
    dev: { type: 'boolean', default: false },
  },
});

const dir = '.wrangler/load-routes';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const vars = ensureDevVars(`${dir}/dev.vars`);
const upstreamPort = Number(opts['upstream-port']);
const upstreams = await spawnDemoUpstreams(PLATFORMS.map((p) => p.name), upstreamPort);
const where = { port: Number(opts.port), persistTo: `${dir}/state`, envFile: `${dir}/dev.vars` };
const service = opts.dev ? await startLocalService({ ...where, stdio: 'ignore' }) : await startWorkerd(where);
let failed = false;
try {
  const operator = client(service.baseUrl, vars.OPERATOR_KEY);
  // The demo platforms' modules, built and served on loopback (a platform names its artifacts' URLs).
  const artifacts = await publishModules(await startArtifactServer({ unref: true }), `${dir}/artifacts`, demoModules());
  const seeded = await seed(operator, { servers: Number(opts.servers), artifacts, upstreamPort });
  const customer = seeded.customers[0];
  const own = seeded.providers.find((p) => p.platforms.some((x) => x.id === customer.platform.id));
  const other = seeded.providers.find((p) => p !== own);
  const servers = await operator.get('/v1/inventory/servers?limit=1');
  const serverId = servers.items[0].id;
  const agentKey = (await operator.post('/v1/api-keys', { agentFor: serverId })).key;
  const ids = (await client(service.baseUrl, customer.key).post('/v1/hardware-ids', { scope: 'server', audience: [other.id], maxUses: 1000, ttlSeconds: 3600 })).items.map((i) => i.id);

  /** Per operation: who calls it, its path parameters and its body (absent: none). */
  const keys = { operator: vars.OPERATOR_KEY, customer: customer.key, provider: other.key, agent: agentKey };
  const plan = {
    postCustomers: ['operator', { name: 'Load Customer', organisation: 'Load Ltd' }],
    postProviders: ['operator', { name: 'Load Provider', organisation: 'Load Inc' }],
    postApiKeys: ['customer', { name: 'load' }],
    putInventory: ['operator', { sites: [{ id: 'load-site', name: 'Load site', region: 'eu' }] }],
    putPlacements: ['operator', { placements: [], remove: [{ customerId: 'cus_none', serverId }] }],
    postPlatforms: ['provider', { name: 'load platform' }],
    patchPlatformsById: ['provider', { description: 'under load' }],
    postCompatibility: ['provider', { hardwareIds: ids.slice(0, 5), platformId: other.platforms[0].id }],
    postCompatibilityRebuild: ['operator', {}],
    putProvidersMeWebhook: ['provider', { url: 'https://169.254.169.254/latest' }],
    postHardwareIds: ['customer', { scope: 'rack', ttlSeconds: 60, maxUses: 1 }],
    postHardwareIdsVerify: ['provider', { hardwareIds: ids.slice(0, 5) }],
    postHardwareIdsRevoke: ['customer', { hardwareIds: ['not-an-id'] }],
    postHardwareIdsDiscover: ['customer', { address: '10.0.0.1' }],
    postAgentReport: ['agent', { properties: { cores: 64 } }],
    postMigrations: ['customer', { customerId: customer.id, targetPlatformId: other.platforms[0].id }],
    postMigrationsByIdProgress: ['provider', { segmentsDone: 1, segmentsTotal: 10 }],
    postAgentTasksByIdResult: ['agent', { attempt: 1, outcome: 'failed', error: 'load' }],
    putCustomersByCustomerIdTrafficSchedule: ['customer', { steps: [{ weight: 100, pauseSeconds: 0 }] }],
  };
  const params = { id: 'none', customerId: customer.id, path: 'api/orders' };
  const idFor = { '/v1/platforms/{id}': other.platforms[0].id };
  const keyFor = (path) => (path.startsWith('/v1/agent/') ? 'agent' : path.startsWith('/v1/inventory') || path.startsWith('/v1/placements') ? 'operator' : 'customer');

  const routes = Object.entries(OPERATIONS).map(([operationId, [method, template]]) => {
    const [who, body] = plan[operationId] ?? [keyFor(template), undefined];
    const path = template.replace(/\{(\w+)\}/g, (_, name) => (name === 'id' && idFor[template]) || params[name]);
    const headers = { authorization: `Bearer ${keys[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) };
    const fresh = operationId === 'postMigrations' ? () => ({ 'idempotency-key': randomUUID() }) : () => ({});
    return { name: `${method.toUpperCase()} ${template}`, method: method.toUpperCase(), path, headers, body: body && JSON.stringify(body), fresh };
  });
  const form = { 'content-type': 'application/x-www-form-urlencoded', origin: service.baseUrl, 'sec-fetch-site': 'same-origin' };
  routes.push(
    { name: 'GET /healthz', method: 'GET', path: '/healthz', headers: {}, fresh: () => ({}) },
    { name: 'GET /openapi.json', method: 'GET', path: '/openapi.json', headers: {}, fresh: () => ({}) },
    { name: 'GET /docs', method: 'GET', path: '/docs', headers: {}, fresh: () => ({}) },
    { name: 'GET /console/sign-in', method: 'GET', path: '/console/sign-in', headers: {}, fresh: () => ({}) },
    { name: 'POST /console/sign-in', method: 'POST', path: '/console/sign-in', headers: form, body: 'key=inp_wrong', fresh: () => ({}) },
    { name: 'GET /console/customer', method: 'GET', path: '/console/customer', headers: {}, fresh: () => ({}) },
  );

  const tally = new Map(routes.map((r) => [r.name, { requests: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }]));
  const samples = new Map();
  // Routes are handed out round-robin across all connections (not in sequence per connection), so a
  // slow route early in the list does not keep the later ones from being loaded.
  let next = 0;
  const run = autocannon({
    url: service.baseUrl,
    connections: Number(opts.connections),
    duration: Number(opts.duration),
    requests: [
      {
        setupRequest: (req, context) => {
          const r = routes[next++ % routes.length];
          context.route = r;
          return { ...req, method: r.method, path: r.path, headers: { ...r.headers, ...r.fresh() }, body: r.body };
        },
        onResponse: (status, body, context) => {
          const t = tally.get(context.route.name);
          t.requests++;
          t[`${Math.floor(status / 100)}xx`]++;
          if (status >= 500 && !samples.has(context.route.name)) samples.set(context.route.name, String(body).slice(0, 300));
        },
      },
    ],
  });
  const result = await run;
  console.log(`\n${opts.connections} connections, ${opts.duration} s, ${routes.length} routes: ${result.requests.total} requests, ${result.errors} socket errors, ${result.timeouts} timeouts\n`);
  console.log(`${'route'.padEnd(62)} ${'requests'.padStart(8)} ${'2xx'.padStart(6)} ${'4xx'.padStart(6)} ${'5xx'.padStart(5)}`);
  for (const [name, t] of tally) console.log(`${name.padEnd(62)} ${String(t.requests).padStart(8)} ${String(t['2xx'] + t['3xx']).padStart(6)} ${String(t['4xx']).padStart(6)} ${String(t['5xx']).padStart(5)}`);
  const fives = [...tally.values()].reduce((n, t) => n + t['5xx'], 0);
  console.log(`\n5xx in all: ${fives}`);
  for (const [name, body] of samples) console.log(`  ${name}: ${body}`);

  // Concurrent starts for one customer: another than the one the load above starts migrations for,
  // with data and a platform available in place.
  let burst;
  let to;
  for (const c of seeded.customers.slice(1).filter((x) => x.servers > 0)) {
    to = (await client(service.baseUrl, c.key).get(`/v1/customers/${c.id}/mip-list?scope=site`)).available[0];
    burst = c;
    if (to) break;
  }
  if (!to) throw new Error('no second customer has a platform available in place: run with more --servers');
  const t0 = performance.now();
  const starts = await Promise.all(
    Array.from({ length: Number(opts.starts) }, () =>
      fetch(`${service.baseUrl}/v1/migrations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${burst.key}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ customerId: burst.id, targetPlatformId: to.platformId, scope: to.narrowestScope }),
      }).then(
        async (res) => ({ status: res.status, body: await res.text() }),
        (err) => ({ status: 'socket error', body: String(err.cause?.code ?? err) }),
      ),
    ),
  );
  const byStatus = {};
  for (const r of starts) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  console.log(`\n${opts.starts} concurrent migration starts for one customer in ${Math.round(performance.now() - t0)} ms: ${JSON.stringify(byStatus)}`);
  const odd = starts.find((r) => r.status !== 201 && r.status !== 409);
  if (odd) console.log(`  e.g. ${odd.status}: ${odd.body.slice(0, 200)}`);
  failed = fives > 0 || result.errors > 0 || byStatus[201] !== 1 || byStatus[409] !== starts.length - 1;
} finally {
  await service.stop();
  upstreams.close();
}
process.exit(failed ? 1 : 0);

// `npm run load:routes`: bounded load on every route, on loopback, and a count of 5xx per route.
// Starts the bundled Worker in workerd (as the benchmarks do) on fresh state, seeds the demo data
// center, then runs autocannon with `--connections` connections for `--duration` seconds; each
// connection cycles through one request per route (every operation of the OpenAPI document, with
// real ids and keys, plus the console, docs and health routes); some writes are accepted, the rest
// refused as they should be. Prints per route: requests, 2xx, 4xx, 5xx, socket errors. Exits 1 on any 5xx.
// Run it only under the suite lock: `flock /tmp/inplace-suite.lock npm run load:routes`.
// Options: --connections 50  --duration 30  --servers 50  --port 8910
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { client } from './lib/api.mjs';
import { OPERATIONS } from './lib/api-operations.mjs';
import { PLATFORMS } from './lib/demo-data.mjs';
import { spawnDemoUpstreams } from './lib/demo-upstreams.mjs';
import { ensureDevVars, startWorkerd } from './lib/local-service.mjs';
import { seed } from './lib/seed.mjs';

const { values: opts } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '30' },
    servers: { type: 'string', default: '50' },
    port: { type: 'string', default: '8910' },
  },
});
process.env.WRANGLER_SEND_METRICS = 'false';

const dir = '.wrangler/load-routes';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const vars = ensureDevVars(`${dir}/dev.vars`);
const upstreams = await spawnDemoUpstreams(PLATFORMS.map((p) => p.name));
const service = await startWorkerd({ port: Number(opts.port), persistTo: `${dir}/state`, envFile: `${dir}/dev.vars` });
let failed = false;
try {
  const operator = client(service.baseUrl, vars.OPERATOR_KEY);
  const seeded = await seed(operator, { servers: Number(opts.servers) });
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
    postHardwareIdsVerify: ['provider', { ids: ids.slice(0, 5) }],
    postHardwareIdsRevoke: ['customer', { ids: ['not-an-id'] }],
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
  const run = autocannon({
    url: service.baseUrl,
    connections: Number(opts.connections),
    duration: Number(opts.duration),
    requests: routes.map((r) => ({
      setupRequest: (req) => ({ ...req, method: r.method, path: r.path, headers: { ...r.headers, ...r.fresh() }, body: r.body }),
      onResponse: (status, body) => {
        const t = tally.get(r.name);
        t.requests++;
        t[`${Math.floor(status / 100)}xx`]++;
        if (status >= 500 && !samples.has(r.name)) samples.set(r.name, String(body).slice(0, 300));
      },
    })),
  });
  const result = await run;
  console.log(`\n${opts.connections} connections, ${opts.duration} s, ${routes.length} routes: ${result.requests.total} requests, ${result.errors} socket errors, ${result.timeouts} timeouts\n`);
  console.log(`${'route'.padEnd(62)} ${'requests'.padStart(8)} ${'2xx'.padStart(6)} ${'4xx'.padStart(6)} ${'5xx'.padStart(5)}`);
  for (const [name, t] of tally) console.log(`${name.padEnd(62)} ${String(t.requests).padStart(8)} ${String(t['2xx'] + t['3xx']).padStart(6)} ${String(t['4xx']).padStart(6)} ${String(t['5xx']).padStart(5)}`);
  const fives = [...tally.values()].reduce((n, t) => n + t['5xx'], 0);
  console.log(`\n5xx in all: ${fives}`);
  for (const [name, body] of samples) console.log(`  ${name}: ${body}`);
  failed = fives > 0 || result.errors > 0;
} finally {
  await service.stop();
  upstreams.close();
}
process.exit(failed ? 1 : 0);

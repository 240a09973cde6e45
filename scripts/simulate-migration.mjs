// `npm run demo:migrate`: one whole migration in place against the local service, with the real
// agent program on every server holding the customer's data (the ones `npm start` runs, or its own
// with --own-service) deploying real module artifacts, and a stand-in provider endpoint that
// verifies every webhook with the `standardwebhooks` reference implementation. Prints the timeline.
//
//   npm run demo:migrate                      # against `npm start` (reads .inplace/demo.json)
//   npm run demo:migrate:restart              # its own service; stopped and started mid-migration
//
//   npm run demo:migrate -- --schedule 1:3,5:3,25:3,50:3,100:3   # canary steps instead of following the data
//
// Options: --customer NAME, --target PLATFORM-NAME, --segments N, --hook-port N (0: any free port),
// --own-service (start and seed a private service on --port, default 8831 or INPLACE_SIM_PORT, with
// its platforms' upstreams from --upstream-port, default 8840 or INPLACE_SIM_UPSTREAM_PORT: clear of
// `npm start`'s 8787 and 8790+), --restart-midway (with --own-service),
// --schedule STEPS (percent:pauseSeconds,…: the customer sets a traffic schedule once B is deployed;
// the SBC's share then follows the steps, capped by the data migrated, and the cutover waits for them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { factsOf, startAgents } from './lib/agents.mjs';
import { client, until } from './lib/api.mjs';
import { publishModules, startArtifactServer } from './lib/artifacts.mjs';
import { generateInventory, PLATFORMS } from './lib/demo-data.mjs';
import { startDemoUpstreams, upstreamPorts } from './lib/demo-upstreams.mjs';
import { ensureDevVars, startLocalService } from './lib/local-service.mjs';
import { portOption, requireFreePorts } from './lib/ports.mjs';
import { parseSteps } from './lib/schedule-steps.mjs';
import { demoModules, seed } from './lib/seed.mjs';

const { values: opts } = parseArgs({
  options: {
    customer: { type: 'string' },
    target: { type: 'string' },
    segments: { type: 'string', default: '8' },
    'hook-port': { type: 'string', default: '0' },
    'own-service': { type: 'boolean', default: false },
    'restart-midway': { type: 'boolean', default: false },
    port: { type: 'string' },
    'upstream-port': { type: 'string' },
    schedule: { type: 'string' },
  },
});
const steps = opts.schedule ? parseSteps(opts.schedule) : null;
if (opts['restart-midway'] && !opts['own-service']) {
  console.error('--restart-midway needs --own-service (the simulator only restarts a service it started).');
  process.exit(2);
}

const t0 = Date.now();
const pad = (s, n) => String(s).padEnd(n);
function line(actor, text) {
  console.log(`  +${((Date.now() - t0) / 1000).toFixed(2).padStart(6)}s  ${pad(actor, 16)} ${text}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ── the service ────────────────────────────────────────────────────────────────────────────────
let service = null;
let demo;
let serviceOptions;
let simDir = null;
if (opts['own-service']) {
  const port = portOption(opts.port, 'INPLACE_SIM_PORT', 8831);
  const upstreamPort = portOption(opts['upstream-port'], 'INPLACE_SIM_UPSTREAM_PORT', 8840);
  await requireFreePorts([
    { port, what: 'the simulator’s private service', change: 'pass `--port N` (or INPLACE_SIM_PORT=N)' },
    ...upstreamPorts(PLATFORMS.length, upstreamPort, 'pass `--upstream-port N` (or INPLACE_SIM_UPSTREAM_PORT=N)'),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'inplace-sim-'));
  simDir = dir;
  serviceOptions = { port, persistTo: join(dir, 'state'), envFile: join(dir, '.dev.vars'), stdio: 'ignore', logLevel: 'warn' };
  const vars = ensureDevVars(serviceOptions.envFile);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  line('service', `starting a private service on port ${port} (platform upstreams on ${upstreamPort}+)…`);
  // The platforms' local upstreams, for the end users' calls through the SBC (npm start runs its own).
  const upstreams = startDemoUpstreams(PLATFORMS.map((p) => p.name), upstreamPort);
  process.on('exit', () => upstreams.forEach((u) => u.close()));
  service = await startLocalService(serviceOptions);
  const artifactServer = await startArtifactServer({ unref: true });
  const artifacts = await publishModules(artifactServer, join(dir, 'artifacts'), demoModules());
  const seeded = await seed(client(service.baseUrl, vars.OPERATOR_KEY), { artifacts, upstreamPort });
  demo = { baseUrl: service.baseUrl, operatorKey: vars.OPERATOR_KEY, ...seeded };
  line('service', `up at ${service.baseUrl}, demo data center seeded`);
} else {
  try {
    demo = JSON.parse(readFileSync('.inplace/demo.json', 'utf8'));
  } catch {
    console.error('No .inplace/demo.json: start the service with `npm start` first (or use --own-service).');
    process.exit(2);
  }
}
const operator = client(demo.baseUrl, demo.operatorKey);

// ── the fake provider endpoint ─────────────────────────────────────────────────────────────────
const endpoints = new Map(); // providerId → { name, verifier, events: [] }
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const providerId = req.url.slice(1);
    const ep = endpoints.get(providerId);
    const body = Buffer.concat(chunks).toString('utf8');
    if (!ep) return res.writeHead(404).end();
    try {
      const event = ep.verifier.verify(body, req.headers);
      const id = req.headers['webhook-id'];
      const repeat = ep.events.some((e) => e.id === id);
      ep.events.push({ id, type: event.type, data: event.data });
      line(`hook:${ep.role}`, `#${event.sequence} ${event.type}${event.data?.state ? ` (state ${event.data.state})` : ''} signature ✓${repeat ? ' (repeat of a delivered id)' : ''}`);
      res.writeHead(204).end();
    } catch (err) {
      line(`hook:${ep.role}`, `REFUSED: ${err.message}`);
      res.writeHead(400).end();
    }
  });
});
await new Promise((r) => receiver.listen(Number(opts['hook-port']), '127.0.0.1', r));
const hookBase = `http://127.0.0.1:${receiver.address().port}`;

// ── choose who moves where ─────────────────────────────────────────────────────────────────────
const providerOf = (platformId) => demo.providers.find((p) => p.platforms.some((x) => x.id === platformId));
const candidates = opts.customer ? demo.customers.filter((c) => c.name === opts.customer) : demo.customers;
let plan = null;
for (const c of candidates) {
  const mip = await client(demo.baseUrl, c.key).get(`/v1/customers/${c.id}/mip-list?scope=server`);
  const currentProvider = providerOf(mip.currentPlatformId)?.id;
  // Another provider's platform shows both sides of the story (source and target webhooks).
  const ranked = [...mip.available].sort((a, b) => Number(a.providerId === currentProvider) - Number(b.providerId === currentProvider));
  const target = ranked.find((p) => (opts.target ? p.name === opts.target : true));
  if (target) {
    plan = { customer: c, target };
    break;
  }
}
if (!plan) {
  console.error('No customer has a platform it can move to at server scope (see the MIP lists).');
  process.exit(1);
}
const { customer } = plan;
const me = client(demo.baseUrl, customer.key);
const current = (await operator.get(`/v1/placements?customerId=${customer.id}&limit=500`)).items;
const sourcePlatform = current[0].platformId;
const source = providerOf(sourcePlatform);
const target = providerOf(plan.target.platformId);
const targetApi = client(demo.baseUrl, target.key);
console.log(`\nMigration in place: ${customer.name} (${current.length} servers) from ${source.name} to ${target.name}'s “${plan.target.name}”\n`);

for (const [role, p] of [['source', source], ['target', target]]) {
  const set = await client(demo.baseUrl, p.key).put('/v1/providers/me/webhook', { url: `${hookBase}/${p.id}` });
  endpoints.set(p.id, { role, name: p.name, verifier: new Webhook(set.secret), events: [] });
  line(role, `${p.name}: webhook endpoint set, secret rotated`);
}

// Real agents: with --own-service the simulator runs one per server holding the customer's data;
// against `npm start`, the agents it runs do the work.
if (simDir) {
  const inventory = new Map(generateInventory({ servers: demo.inventory.servers }).servers.map((s) => [s.id, s]));
  const agents = await startAgents({
    baseUrl: demo.baseUrl,
    operator,
    servers: current.map((p) => ({ id: p.serverId, facts: factsOf(inventory.get(p.serverId)) })),
    root: join(simDir, 'agents'),
    args: ['--interval', '1'],
  });
  agents.forEach((a) => a.start());
  line('operator', `${agents.length} agents started (scripts/agent/main.mjs), one per server holding ${customer.name}'s data`);
}

/** The migration's tasks of `kind` by state, as the operator sees them. */
async function taskStates(id, kind) {
  const { items } = await operator.get(`/v1/migrations/${id}/tasks?limit=500`);
  const counts = {};
  for (const t of items.filter((t) => t.kind === kind)) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}
const describeCounts = (counts) => Object.entries(counts).map(([state, n]) => `${n} ${state}`).join(', ') || 'none yet';

// ── the migration ──────────────────────────────────────────────────────────────────────────────
const idempotencyKey = crypto.randomUUID();
const body = { customerId: customer.id, targetPlatformId: plan.target.platformId, scope: 'server' };
let m = await me.post('/v1/migrations', body, { 'idempotency-key': idempotencyKey });
line('customer', `POST /v1/migrations → ${m.id}, ${m.state}`);
const replay = await me.post('/v1/migrations', body, { 'idempotency-key': idempotencyKey });
line('customer', `same request again (same Idempotency-Key) → ${replay.id === m.id ? 'the same migration, replayed' : 'A DIFFERENT MIGRATION'}`);

if (m.state === 'awaiting_consent') {
  m = await targetApi.post(`/v1/migrations/${m.id}/accept`);
  line('target', `accepts → ${m.state}, ${m.deployment.tasks} deployment tasks`);
} else line('target', `platform accepts automatically → ${m.state}, ${m.deployment.tasks} deployment tasks`);

const storage = await targetApi.get(`/v1/migrations/${m.id}/storage`);
line('target', `storage access: ${storage.addresses.length} addresses, credential valid ${Math.round((storage.credential.expiresAt - Date.now()) / 60000)} min`);

const modules = (await operator.get(`/v1/platforms/${plan.target.platformId}`)).modules;
line('target', `modules: ${modules.map((x) => `${x.name}@${x.version} (sha256 ${x.sha256.slice(0, 8)}…)`).join(', ')}`);
let seenDeploy = '';
await until(
  'deployment',
  async () => {
    m = await me.get(`/v1/migrations/${m.id}`);
    const text = describeCounts(await taskStates(m.id, 'deploy_platform_modules'));
    if (text !== seenDeploy) line('agents', `deployment tasks: ${(seenDeploy = text)}`);
    return m.state !== 'deploying';
  },
  180_000,
);
line('coordinator', `all ${m.deployment.succeeded} tasks succeeded (downloaded, sha256 checked, unpacked, installed) → ${m.state}`);
if (m.state !== 'migrating') {
  console.error(`\n✗ deployment did not reach migrating (${m.state}); the agents' errors: GET /v1/migrations/${m.id}/tasks as the operator`);
  process.exit(1);
}

// End users: 100 sessions calling the customer's services through the SBC after every report.
const sessions = Array.from({ length: 100 }, (_, i) => `end-user-${i}`);
const onB = new Set();
async function endUsers() {
  let b = 0;
  let backToA = 0;
  let failed = 0;
  for (const session of sessions) {
    const res = await fetch(`${demo.baseUrl}/sbc/${customer.id}/shop/cart`, { headers: { 'x-session-id': session } });
    await res.arrayBuffer();
    const platform = res.headers.get('x-inplace-platform');
    if (!res.ok) failed++;
    if (platform === plan.target.platformId) {
      b++;
      onB.add(session);
    } else if (onB.has(session)) backToA++;
  }
  return `end users: ${b}/${sessions.length} sessions on ${plan.target.name}${backToA ? `, ${backToA} BACK ON A` : ''}${failed ? `, ${failed} failed` : ''}`;
}
line('sbc', await endUsers());

const describeTraffic = (t) =>
  `${t.percentB}% of sessions to B${t.schedule ? `, step ${t.schedule.currentStep + 1}/${t.schedule.steps.length} ${t.schedule.status.replace(/_/g, ' ')}` : ''}`;
if (steps) {
  const t = await me.put(`/v1/customers/${customer.id}/traffic/schedule`, { steps });
  line('customer', `traffic schedule ${steps.map((s) => `${s.weight}% for ${s.pauseSeconds}s`).join(' → ')}: ${describeTraffic(t)}`);
}

const total = Number(opts.segments);
for (let done = 1; done <= total; done++) {
  if (service && opts['restart-midway'] && done === Math.ceil(total / 2)) {
    line('service', 'stopping the service mid-migration…');
    await service.stop();
    service = await startLocalService(serviceOptions);
    const again = await me.get(`/v1/migrations/${m.id}`);
    line('service', `started again: ${again.state}, ${again.progress.segmentsDone}/${again.progress.segmentsTotal} segments, from storage`);
  }
  m = await targetApi.post(`/v1/migrations/${m.id}/progress`, { segmentsDone: done, segmentsTotal: total });
  line('target', `progress ${done}/${total} → ${m.state}${m.state === 'completed' ? '' : ` (${m.progress.percent}%)`}`);
  line('sbc', await endUsers());
  await sleep(200);
}

// With a schedule, the data is all migrated now; the coordinator's alarm walks the steps and cuts over.
if (steps) {
  let seen = '';
  m = await until(
    'the schedule to finish and the cutover',
    async () => {
      const now = await me.get(`/v1/migrations/${m.id}`);
      if (now.state === 'migrating') {
        const t = await me.get(`/v1/customers/${customer.id}/traffic`);
        const text = describeTraffic(t);
        if (text !== seen) {
          seen = text;
          line('coordinator', text);
          line('sbc', await endUsers());
        }
      }
      return now.state === 'completed' && now;
    },
    steps.reduce((ms, s) => ms + s.pauseSeconds * 1000, 60_000),
  );
  line('coordinator', `schedule finished → ${m.state}`);
  line('sbc', await endUsers());
}

const after = (await operator.get(`/v1/placements?customerId=${customer.id}&limit=500`)).items;
const onTarget = after.filter((p) => p.platformId === plan.target.platformId).length;
line('operator', `placements: ${onTarget}/${after.length} on ${plan.target.name}`);

await until('the completion webhooks', () => [...endpoints.values()].every((ep) => ep.events.some((e) => e.type === 'migration.completed')), 60_000);
const removals = await until(
  'the source platform’s modules to be removed',
  async () => {
    const counts = await taskStates(m.id, 'remove_platform_modules');
    return (counts.succeeded ?? 0) + (counts.failed ?? 0) === current.length && counts;
  },
  120_000,
);
line('agents', `removal of ${source.name}'s modules: ${describeCounts(removals)}`);

// ── summary ────────────────────────────────────────────────────────────────────────────────────
console.log('\nHistory (who, from → to):');
for (const h of m.history) console.log(`  ${new Date(h.at).toISOString().slice(11, 23)}  ${pad(h.by.kind, 9)} ${pad(h.from ?? '—', 17)} → ${h.to}${h.reason ? `  (${h.reason})` : ''}`);
console.log('\nWebhooks received and verified:');
let ok = m.state === 'completed' && onTarget === after.length && removals.succeeded === current.length;
for (const ep of endpoints.values()) {
  const log = await client(demo.baseUrl, ep.role === 'source' ? source.key : target.key).get(`/v1/webhook-deliveries?migrationId=${m.id}&limit=200`);
  const ids = new Set(ep.events.map((e) => e.id));
  console.log(`  ${pad(ep.role, 7)} ${ep.name}: ${ep.events.length} messages, ${ids.size} distinct; delivery log: ${log.items.filter((d) => d.state === 'succeeded').length} succeeded`);
  ok &&= ids.size > 0;
}
console.log(`\n${ok ? '✓ completed: the platform moved, the data did not' : '✗ the migration did not complete as expected'}\n`);

receiver.close();
if (service) await service.stop();
process.exit(ok ? 0 : 1);

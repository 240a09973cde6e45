// `npm start`: the whole service on this machine, on the embedded default (workerd + local D1).
//   1. creates .dev.vars with fresh local secrets when absent (never committed);
//   2. applies the D1 migrations to the local database;
//   3. starts `wrangler dev` on 127.0.0.1:8787 and the platforms' demo upstreams on 8790 and up;
//   4. builds the demo platforms' module tarballs (.inplace/artifacts) and serves them on
//      127.0.0.1:8789, so the platforms publish real URLs and real sha256 digests;
//   5. seeds the demo data center through the API (once; kept in .wrangler/state);
//   6. prints the console URL, the demo keys and the useful URLs, and writes them to
//      .inplace/demo.json for scripts;
//   7. then runs one real agent (scripts/agent/main.mjs) per server holding customer data — the
//      servers a migration in place can deploy to — with --facts from the demo inventory
//      (.inplace/agents), and logs the requests from then on.
// Options: --port N (or INPLACE_PORT), --upstream-port N (or INPLACE_UPSTREAM_PORT: the first
// upstream's port), --artifact-port N (or INPLACE_ARTIFACT_PORT), --servers N (demo size),
// --inspector-port N (or INPLACE_INSPECTOR_PORT; wrangler's devtools, by default the first free
// from 9229), --agent-interval SECONDS, --reset (forget local state and seed again).
import './lib/offline.mjs';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { factsOf, startAgents } from './lib/agents.mjs';
import { client } from './lib/api.mjs';
import { publishModules, startArtifactServer } from './lib/artifacts.mjs';
import { generateInventory, PLATFORMS } from './lib/demo-data.mjs';
import { startDemoUpstreams, UPSTREAM_BASE_PORT, upstreamPorts, upstreamUrl } from './lib/demo-upstreams.mjs';
import { ensureDevVars, startLocalService } from './lib/local-service.mjs';
import { portOption, requireFreePorts } from './lib/ports.mjs';
import { demoModules, seed } from './lib/seed.mjs';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string' },
    'upstream-port': { type: 'string' },
    'artifact-port': { type: 'string' },
    'inspector-port': { type: 'string' },
    servers: { type: 'string', default: '200' },
    'agent-interval': { type: 'string', default: '10' },
    reset: { type: 'boolean', default: false },
  },
});
const port = portOption(opts.port, 'INPLACE_PORT', 8787);
const upstreamPort = portOption(opts['upstream-port'], 'INPLACE_UPSTREAM_PORT', UPSTREAM_BASE_PORT);
const artifactPort = portOption(opts['artifact-port'], 'INPLACE_ARTIFACT_PORT', 8789);
const inspectorPort = (opts['inspector-port'] ?? process.env.INPLACE_INSPECTOR_PORT) !== undefined ? portOption(opts['inspector-port'], 'INPLACE_INSPECTOR_PORT') : undefined;
const baseUrl = `http://127.0.0.1:${port}`;
const DEMO_FILE = '.inplace/demo.json';

await requireFreePorts([
  { port, what: 'the service', change: 'start this one on another port with `npm start -- --port N` (or INPLACE_PORT=N)' },
  ...upstreamPorts(PLATFORMS.length, upstreamPort, 'move the upstreams with `npm start -- --upstream-port N` (or INPLACE_UPSTREAM_PORT=N)'),
  { port: artifactPort, what: 'the module artifact server', change: 'move it with `npm start -- --artifact-port N` (or INPLACE_ARTIFACT_PORT=N)' },
  ...(inspectorPort ? [{ port: inspectorPort, what: "wrangler's devtools inspector", change: 'move it with `npm start -- --inspector-port N` (or INPLACE_INSPECTOR_PORT=N)' }] : []),
]);
if (opts.reset) {
  rmSync('.wrangler/state', { recursive: true, force: true });
  rmSync(DEMO_FILE, { force: true });
  rmSync('.inplace/agents', { recursive: true, force: true });
}
const vars = ensureDevVars();

startDemoUpstreams(PLATFORMS.map((p) => p.name), upstreamPort);
// Built the same way every time (fixed times, no owners), so the digests a seeded catalog holds stay true.
const artifactServer = await startArtifactServer({ port: artifactPort });
const artifacts = await publishModules(artifactServer, '.inplace/artifacts', demoModules());
console.log(`Starting InPlace on ${baseUrl} (wrangler dev, local D1 and Durable Objects)…`);
// The agents' polling is logged in their own files, not among the requests.
const service = await startLocalService({ port, inspectorPort, quietStart: true, unlogged: /^\[wrangler:info\] (GET|POST) \/v1\/agent\/(report|tasks)\S* 200 / });
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    service.kill(signal);
  });
}
service.exited.then((code) => process.exit(code ?? 0));
try {
  await main();
} catch (err) {
  // Stopped while seeding or starting the agents, their requests fail as the service goes: not an
  // error; the service's exit ends this process.
  if (!stopping) {
    console.error(err);
    await service.stop();
    process.exit(1);
  }
}

async function main() {
  const operator = client(baseUrl, vars.OPERATOR_KEY);

  async function stillValid(demo) {
    try {
      await client(baseUrl, demo.customers[0].key).get('/v1/account');
      return true;
    } catch {
      return false;
    }
  }

  let demo = existsSync(DEMO_FILE) ? JSON.parse(readFileSync(DEMO_FILE, 'utf8')) : null;
  if (demo && !demo.agentServers) {
    console.error(`\n${DEMO_FILE} was seeded before the demo had real agents and artifacts: run \`npm start -- --reset\`.`);
    process.exit(1);
  }
  if (!demo || !(await stillValid(demo))) {
    console.log('\nSeeding the demo data center…');
    const seeded = await seed(operator, { servers: Number(opts.servers), artifacts, upstreamPort, log: (line) => console.log(`  ${line}`) });
    demo = { baseUrl, operatorKey: vars.OPERATOR_KEY, ...seeded };
  } else if ((demo.upstreamPort ?? UPSTREAM_BASE_PORT) !== upstreamPort) {
    // The demo platforms were registered with the upstreams' previous ports: point them at these.
    for (const provider of demo.providers)
      for (const platform of provider.platforms)
        await operator.as(provider.key).patch(`/v1/platforms/${platform.id}`, { upstreamUrl: upstreamUrl(PLATFORMS.findIndex((p) => p.name === platform.name), upstreamPort) });
    demo.upstreamPort = upstreamPort;
    console.log(`Demo platforms now point at their upstreams on ports ${upstreamPort}–${upstreamPort + PLATFORMS.length - 1}.`);
  }
  demo.baseUrl = baseUrl;
  mkdirSync('.inplace', { recursive: true });
  writeFileSync(DEMO_FILE, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });

  // The keys first: the agents (a key minted for each, then a process each) start behind them, a few seconds' work.
  const line = '─'.repeat(78);
  console.log(`\n${line}\nInPlace is running at ${baseUrl}\n${line}`);
  console.log(`  Console       ${baseUrl}/   (sign in with one of the keys below)`);
  console.log(`  API docs      ${baseUrl}/docs`);
  console.log(`  OpenAPI       ${baseUrl}/openapi.json`);
  console.log(`  JWKS          ${baseUrl}/.well-known/jwks.json`);
  console.log(`  Cron (local)  curl ${baseUrl}/cdn-cgi/handler/scheduled`);
  console.log(`  Upstreams     127.0.0.1:${upstreamPort}–${upstreamPort + PLATFORMS.length - 1} (one stand-in service per demo platform, behind the SBC)`);
  console.log(`  Artifacts     ${artifactServer.baseUrl}/ (${artifacts.size} module tarballs, built in .inplace/artifacts)`);
  console.log(`  Agents        ${demo.agentServers.length} agent processes, one per server holding customer data (logs: .inplace/agents/<server>.log)`);
  console.log(`\n  operator                        ${demo.operatorKey}`);
  for (const p of demo.providers) console.log(`  provider  ${p.name.padEnd(21)} ${p.key}`);
  for (const c of demo.customers) console.log(`  customer  ${c.name.padEnd(21)} ${c.key}`);
  console.log(`\n  Try: curl -H "Authorization: Bearer ${demo.customers[0].key}" ${baseUrl}/v1/account`);
  console.log(`  All of this is in ${DEMO_FILE}. Stop with Ctrl-C.\n${line}`);
  const inventory = new Map(generateInventory({ servers: demo.inventory.servers }).servers.map((s) => [s.id, s]));
  const agents = await startAgents({
    baseUrl,
    operator,
    servers: demo.agentServers.map((id) => ({ id, facts: factsOf(inventory.get(id)) })),
    root: '.inplace/agents',
    args: ['--interval', opts['agent-interval']],
    log: 'file',
  });
  agents.forEach((a) => a.start());
  console.log(`${agents.length} agents started. Requests are logged below.`);
  service.showRequests();
}

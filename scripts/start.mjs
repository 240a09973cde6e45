// `npm start`: the whole service on this machine, on the embedded default (workerd + local D1).
//   1. creates .dev.vars with fresh local secrets when absent (never committed);
//   2. applies the D1 migrations to the local database;
//   3. starts `wrangler dev` on 127.0.0.1:8787;
//   4. builds the demo platforms' module tarballs (.inplace/artifacts) and serves them on
//      127.0.0.1:8789, so the platforms publish real URLs and real sha256 digests;
//   5. seeds the demo data center through the API (once; kept in .wrangler/state);
//   6. runs one real agent (scripts/agent/main.mjs) per server holding customer data — the servers
//      a migration in place can deploy to — with --facts from the demo inventory (.inplace/agents);
//   7. prints the demo keys and URLs, and writes them to .inplace/demo.json for scripts.
// Options: --port N, --servers N (demo size), --artifact-port N, --agent-interval SECONDS,
// --reset (forget local state and seed again).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { factsOf, startAgents } from './lib/agents.mjs';
import { client } from './lib/api.mjs';
import { publishModules, startArtifactServer } from './lib/artifacts.mjs';
import { generateInventory, PLATFORMS } from './lib/demo-data.mjs';
import { startDemoUpstreams } from './lib/demo-upstreams.mjs';
import { ensureDevVars, startLocalService } from './lib/local-service.mjs';
import { demoModules, seed } from './lib/seed.mjs';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    servers: { type: 'string', default: '200' },
    'artifact-port': { type: 'string', default: '8789' },
    'agent-interval': { type: 'string', default: '10' },
    reset: { type: 'boolean', default: false },
  },
});
process.env.WRANGLER_SEND_METRICS = 'false';
const baseUrl = `http://127.0.0.1:${opts.port}`;
const DEMO_FILE = '.inplace/demo.json';

if (opts.reset) {
  rmSync('.wrangler/state', { recursive: true, force: true });
  rmSync(DEMO_FILE, { force: true });
  rmSync('.inplace/agents', { recursive: true, force: true });
}
const vars = ensureDevVars();

startDemoUpstreams(PLATFORMS.map((p) => p.name));
// Built the same way every time (fixed times, no owners), so the digests a seeded catalog holds stay true.
const artifactServer = await startArtifactServer({ port: Number(opts['artifact-port']) });
const artifacts = await publishModules(artifactServer, '.inplace/artifacts', demoModules());
const service = await startLocalService({ port: Number(opts.port) });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => service.kill(signal));
service.exited.then((code) => process.exit(code ?? 0));
try {
  await main();
} catch (err) {
  console.error(err);
  await service.stop();
  process.exit(1);
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
    const seeded = await seed(operator, { servers: Number(opts.servers), artifacts, log: (line) => console.log(`  ${line}`) });
    demo = { baseUrl, operatorKey: vars.OPERATOR_KEY, ...seeded };
    mkdirSync('.inplace', { recursive: true });
    writeFileSync(DEMO_FILE, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  }
  demo.baseUrl = baseUrl;

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

  const line = '─'.repeat(78);
  console.log(`\n${line}\nInPlace is running at ${baseUrl}\n${line}`);
  console.log(`  API docs      ${baseUrl}/docs`);
  console.log(`  OpenAPI       ${baseUrl}/openapi.json`);
  console.log(`  JWKS          ${baseUrl}/.well-known/jwks.json`);
  console.log(`  Cron (local)  curl ${baseUrl}/cdn-cgi/handler/scheduled`);
  console.log(`  Artifacts     ${artifactServer.baseUrl}/ (${artifacts.size} module tarballs, built in .inplace/artifacts)`);
  console.log(`  Agents        ${agents.length} agent processes, one per server holding customer data (logs: .inplace/agents/<server>.log)`);
  console.log(`\n  operator                        ${demo.operatorKey}`);
  for (const p of demo.providers) console.log(`  provider  ${p.name.padEnd(21)} ${p.key}`);
  for (const c of demo.customers) console.log(`  customer  ${c.name.padEnd(21)} ${c.key}`);
  console.log(`\n  Try: curl -H "Authorization: Bearer ${demo.customers[0].key}" ${baseUrl}/v1/account`);
  console.log(`  All of this is in ${DEMO_FILE}. Stop with Ctrl-C.\n${line}`);
}

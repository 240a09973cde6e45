// `npm start`: the whole service on this machine, on the embedded default (workerd + local D1).
//   1. creates .dev.vars with fresh local secrets when absent (never committed);
//   2. applies the D1 migrations to the local database;
//   3. starts `wrangler dev` on 127.0.0.1:8787;
//   4. seeds the demo data center through the API (once; kept in .wrangler/state);
//   5. prints the demo keys and URLs, and writes them to .inplace/demo.json for scripts.
// Options: --port N, --servers N (demo size), --reset (forget local state and seed again).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { client, waitForHealthy } from './lib/api.mjs';
import { PLATFORMS } from './lib/demo-data.mjs';
import { startDemoUpstreams } from './lib/demo-upstreams.mjs';
import { seed } from './lib/seed.mjs';

const { values: opts } = parseArgs({
  options: { port: { type: 'string', default: '8787' }, servers: { type: 'string', default: '200' }, reset: { type: 'boolean', default: false } },
});
process.env.WRANGLER_SEND_METRICS = 'false';
const baseUrl = `http://127.0.0.1:${opts.port}`;
const DEMO_FILE = '.inplace/demo.json';

/** Local secrets: each generated once, kept in the git-ignored .dev.vars. */
const DEV_VARS = {
  ENVIRONMENT: () => 'development',
  OPERATOR_KEY: () => `inp_opr_${randomBytes(32).toString('base64url')}`,
  SECRETS_KEY: () => randomBytes(32).toString('base64'),
};

function ensureDevVars() {
  const text = existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '';
  const have = new Set(text.split('\n').map((l) => l.split('=')[0]?.trim()).filter(Boolean));
  const added = Object.entries(DEV_VARS)
    .filter(([name]) => !have.has(name))
    .map(([name, make]) => `${name}=${JSON.stringify(make())}`);
  if (added.length) writeFileSync('.dev.vars', `${text}${text && !text.endsWith('\n') ? '\n' : ''}${added.join('\n')}\n`, { mode: 0o600 });
  const vars = {};
  for (const line of readFileSync('.dev.vars', 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) vars[line.slice(0, i).trim()] = JSON.parse(line.slice(i + 1).trim());
  }
  return vars;
}

if (opts.reset) {
  rmSync('.wrangler/state', { recursive: true, force: true });
  rmSync(DEMO_FILE, { force: true });
}
const vars = ensureDevVars();

const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'inplace', '--local'], { stdio: ['ignore', 'inherit', 'inherit'] });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn('npx', ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', opts.port, '--show-interactive-dev-session=false'], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));

startDemoUpstreams(PLATFORMS.map((p) => p.name));
try {
  await main();
} catch (err) {
  console.error(err);
  dev.kill('SIGTERM');
  process.exit(1);
}

async function main() {
  await waitForHealthy(baseUrl, 90_000);
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
  if (!demo || !(await stillValid(demo))) {
    console.log('\nSeeding the demo data center…');
    const seeded = await seed(operator, { servers: Number(opts.servers), log: (line) => console.log(`  ${line}`) });
    demo = { baseUrl, operatorKey: vars.OPERATOR_KEY, ...seeded };
    mkdirSync('.inplace', { recursive: true });
    writeFileSync(DEMO_FILE, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  }
  demo.baseUrl = baseUrl;

  const line = '─'.repeat(78);
  console.log(`\n${line}\nInPlace is running at ${baseUrl}\n${line}`);
  console.log(`  API docs      ${baseUrl}/docs`);
  console.log(`  OpenAPI       ${baseUrl}/openapi.json`);
  console.log(`  JWKS          ${baseUrl}/.well-known/jwks.json`);
  console.log(`  Cron (local)  curl ${baseUrl}/cdn-cgi/handler/scheduled`);
  console.log(`\n  operator                        ${demo.operatorKey}`);
  for (const p of demo.providers) console.log(`  provider  ${p.name.padEnd(21)} ${p.key}`);
  for (const c of demo.customers) console.log(`  customer  ${c.name.padEnd(21)} ${c.key}`);
  console.log(`\n  Try: curl -H "Authorization: Bearer ${demo.customers[0].key}" ${baseUrl}/v1/account`);
  console.log(`  All of this is in ${DEMO_FILE}. Stop with Ctrl-C.\n${line}`);
}

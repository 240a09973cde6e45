// Runs the Worker locally: under `wrangler dev` (workerd + local D1 + Durable Objects + cron) for
// `npm start`; as its deploy bundle in workerd through Miniflare for the benchmarks and the
// end-to-end tests.
import './offline.mjs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { copyDocsAssets } from '../docs-assets.mjs';
import { waitForHealthy } from './api.mjs';

/**
 * Local secrets, each generated once into the env file (git-ignored `.dev.vars` by default). Values
 * are written single-quoted: wrangler's .dev.vars parser keeps backslashes inside double quotes, which
 * would break the JSON of HWID_SIGNING_KEYS.
 */
const DEV_VARS = {
  ENVIRONMENT: () => 'development',
  OPERATOR_KEY: () => `inp_opr_${randomBytes(32).toString('base64url')}`,
  SECRETS_KEY: () => randomBytes(32).toString('base64'),
  HWID_SIGNING_KEYS: () => execFileSync(process.execPath, [fileURLToPath(new URL('../gen-signing-key.mjs', import.meta.url))]).toString().trim(),
};

/** Adds whatever secret is missing to `file` and returns all of its values. */
export function ensureDevVars(file = '.dev.vars') {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const have = new Set(text.split('\n').map((l) => l.split('=')[0]?.trim()).filter(Boolean));
  const added = Object.entries(DEV_VARS)
    .filter(([name]) => !have.has(name))
    .map(([name, make]) => `${name}='${make()}'`);
  if (added.length) writeFileSync(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${added.join('\n')}\n`, { mode: 0o600 });
  const vars = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const raw = line.slice(i + 1).trim();
    vars[line.slice(0, i).trim()] = raw.startsWith("'") ? raw.slice(1, -1) : JSON.parse(raw);
  }
  return vars;
}

/** One line for what `wrangler d1 migrations apply` did (it prints its table again after each migration). */
function migrationSummary(output) {
  if (/No migrations to apply/.test(output)) return 'D1: the local database is up to date';
  const planned = output.slice(0, output.indexOf('About to apply'));
  const names = [...planned.matchAll(/│ (\d{4}_[\w-]+)\.sql/g)].map((m) => m[1]);
  return `D1: applied ${names.length} migration(s) to the local database (${names.join(', ')})`;
}

function applyMigrations(persist, show) {
  const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'inplace', '--local', ...persist], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (migrate.status !== 0) {
    process.stderr.write(`${migrate.stdout}${migrate.stderr}`);
    throw new Error(`D1 migrations failed (exit ${migrate.status})`);
  }
  if (show) console.log(migrationSummary(migrate.stdout));
}

const OFFLINE_CF =
  'note: wrangler could not download the Request.cf metadata (no route to workers.cloudflare.com, e.g. offline); it uses a placeholder, which InPlace does not read. Harmless.';

/**
 * Copies wrangler dev's output to ours, line by line, minus its noise: each attempt to fetch
 * Request.cf offline prints a warning and a DNS error's stack (the first is replaced by one
 * explanation); the cron notice (the banner says how to trigger it); and, until `state.requests`,
 * the request log (the seeding's calls), then the requests `state.unlogged` matches.
 */
function relayOutput(stream, out, state) {
  let skipping = null;
  createInterface({ input: stream }).on('line', (line) => {
    if (line.includes('Unable to fetch the `Request.cf` object')) {
      skipping = /^(Error: getaddrinfo |\s+at )/;
      if (!state.explained) out.write(`${OFFLINE_CF}\n`);
      state.explained = true;
    } else if (line.includes('Scheduled Workers are not automatically triggered')) {
      skipping = /^(\s|$)/;
    } else if (!(skipping?.test(line) || (/^\[wrangler:info\] [A-Z]+ \/\S* \d{3} /.test(line) && (!state.requests || state.unlogged?.test(line))))) {
      skipping = null;
      out.write(`${line}\n`);
    }
  });
}

/**
 * Miniflare serving the bundle in `outdir` (or the module source `script`) with wrangler.toml's
 * bindings (state in memory without `persistRoot`). The bundle is handed over as one ES module, as
 * `wrangler deploy` uploads it: given a path instead, Miniflare parses it in Node to find its imports
 * (seconds for this bundle), which no deployed Worker pays.
 */
async function newMiniflare({ outdir, script, envFile, port, persistRoot, assets = true, output }) {
  // Loaded here only: both are large, and `npm start` does not need them.
  const [{ Log, LogLevel, Miniflare }, { unstable_getMiniflareWorkerOptions }] = await Promise.all([import('miniflare'), import('wrangler')]);
  const { workerOptions } = unstable_getMiniflareWorkerOptions('wrangler.toml');
  if (!assets) delete workerOptions.assets;
  const persist = persistRoot ? { d1Persist: join(persistRoot, 'd1'), durableObjectsPersist: join(persistRoot, 'do'), cachePersist: join(persistRoot, 'cache') } : {};
  return new Miniflare({
    ...workerOptions,
    name: 'inplace',
    modules: [{ type: 'ESModule', path: join(outdir ?? '.', 'index.js'), contents: script ?? readFileSync(join(outdir, 'index.js'), 'utf8') }],
    bindings: { ...workerOptions.bindings, ...ensureDevVars(envFile) },
    host: '127.0.0.1',
    port,
    ...persist,
    // Miniflare emulates the edge removing cf-connecting-ip from subrequests with an extra JavaScript
    // worker in front of every outbound fetch; the edge does this natively, and the SBC builds its
    // upstream headers itself (src/sbc/headers.ts), so the benchmark leaves that hop out.
    stripCfConnectingIp: false,
    // workerd reports every connection the load generator drops at the end of a run ("Broken pipe",
    // "disconnected") with a stack; everything else it prints still reaches stderr.
    handleRuntimeStdio(stdout, stderr) {
      stdout.pipe(process.stdout);
      let dropping = false;
      createInterface({ input: stderr }).on('line', (line) => {
        if (/disconnected|Broken pipe|ECONNRESET/.test(line)) dropping = true;
        else if (!(dropping && line.startsWith('stack:'))) {
          dropping = false;
          process.stderr.write(`${line}\n`);
        }
      });
    },
    // With `output`, every line workerd prints and Miniflare's request log ("GET /path 200 OK") go to it.
    ...(output && {
      log: new (class extends Log {
        log(message) {
          output(message);
        }
      })(LogLevel.INFO),
      handleRuntimeStdio(stdout, stderr) {
        for (const stream of [stdout, stderr]) createInterface({ input: stream }).on('line', output);
      },
    }),
  });
}

/** A Worker that only answers "ok", exporting the classes and handlers wrangler.toml's bindings name. */
const BARE_WITH_BINDINGS = `import { DurableObject } from 'cloudflare:workers';
export class CustomerCoordinator extends DurableObject {}
export default { fetch() { return new Response('ok'); }, queue() {}, scheduled() {} };`;

/**
 * Cold start, in ms: from starting workerd to its first answer on /healthz, for `kind`:
 * 'bundle' (the bundle in `outdir` with wrangler.toml's bindings), 'bindings' (a Worker that only
 * answers "ok", with the same bindings: what the local emulation of D1, Durable Objects, Queues and
 * assets costs before any of our code runs) or 'bare' (that Worker without bindings).
 */
export async function coldStart({ kind, outdir, envFile, port }) {
  const t0 = performance.now();
  let mf;
  if (kind === 'bare') {
    const { Miniflare } = await import('miniflare');
    mf = new Miniflare({ modules: true, script: 'export default { fetch() { return new Response("ok"); } };', host: '127.0.0.1', port });
  } else mf = await newMiniflare({ outdir: kind === 'bundle' ? outdir : undefined, script: kind === 'bundle' ? undefined : BARE_WITH_BINDINGS, envFile, port });
  try {
    const url = await mf.ready;
    for (;;) {
      const res = await fetch(new URL('/healthz', url.origin)).catch(() => null);
      if (res?.ok) return performance.now() - t0;
    }
  } finally {
    await mf.dispose();
  }
}

/**
 * The bundle in `outdir` served in memory, with or without wrangler.toml's static assets in front
 * (to measure what the assets router costs every other request).
 */
export async function serveBundle({ outdir, envFile, port, assets }) {
  const mf = await newMiniflare({ outdir, envFile, port, assets });
  const url = await mf.ready;
  return { baseUrl: url.origin, stop: () => mf.dispose() };
}

/**
 * A fresh service for the end-to-end tests: the bundle in `outdir` (`wrangler deploy --dry-run`'s
 * output) served by workerd with wrangler.toml's bindings and assets, its state in `persistTo` (a
 * folder `migratedState` prepared). About 5 s, where `wrangler dev` takes 15 or more (it starts
 * wrangler, bundles, and runs a proxy workerd in front). `output` receives every line the Worker
 * prints and the request log.
 */
export async function startBundle({ outdir, envFile, port, persistTo, output }) {
  copyDocsAssets();
  const mf = await newMiniflare({ outdir, envFile, port, persistRoot: join(persistTo, 'v3'), output });
  try {
    const url = await mf.ready;
    await waitForHealthy(url.origin, 30_000);
    return { baseUrl: url.origin, stop: () => mf.dispose() };
  } catch (err) {
    await mf.dispose();
    throw err;
  }
}

/** wrangler.toml's `migrations_dir`. */
const MIGRATIONS_DIR = 'schema/migrations';

/** Applies the migrations it is sent, each in one batch with its row in d1_migrations, as wrangler does. */
const MIGRATOR = `export default {
  async fetch(request, env) {
    await env.DB.prepare('CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)').run();
    const migrations = await request.json();
    for (const { name, queries } of migrations) {
      await env.DB.batch([...queries.map((q) => env.DB.prepare(q)), env.DB.prepare('INSERT INTO d1_migrations (name) VALUES (?1)').bind(name)]);
    }
    return new Response(String(migrations.length));
  },
};`;

/**
 * Local state in `persistTo` with the D1 migrations applied, as `wrangler d1 migrations apply --local
 * --persist-to` leaves it (the same database file, the migrations listed in d1_migrations, the SQL
 * split by wrangler's own splitter) for a third of the CPU: one Miniflare with wrangler.toml's D1
 * binding runs them, without wrangler's command line and its tables. Through `dispatchFetch`, an
 * ordinary request, not Miniflare's synchronous binding proxy (which failed under load).
 */
export async function migratedState(persistTo) {
  const [{ Miniflare }, { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery }] = await Promise.all([import('miniflare'), import('wrangler')]);
  const { workerOptions } = unstable_getMiniflareWorkerOptions('wrangler.toml');
  const migrations = readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, queries: unstable_splitSqlQuery(readFileSync(join(MIGRATIONS_DIR, name), 'utf8')) }));
  const mf = new Miniflare({ name: 'inplace', modules: true, script: MIGRATOR, d1Databases: workerOptions.d1Databases, d1Persist: join(persistTo, 'v3', 'd1') });
  try {
    const res = await mf.dispatchFetch('http://migrator/', { method: 'POST', body: JSON.stringify(migrations) });
    if (!res.ok) throw new Error(`D1 migrations failed: ${res.status} ${await res.text()}`);
    return Number(await res.text());
  } finally {
    await mf.dispose();
  }
}

/**
 * The Worker as the benchmarks measure it: the bundle `wrangler deploy` would upload, served by
 * workerd through Miniflare with the bindings of wrangler.toml (local D1, Durable Objects, assets)
 * and the state `wrangler dev --persist-to` keeps, but without `wrangler dev`'s development proxy in
 * front of it (a second workerd process that adds milliseconds to every call and every subrequest).
 */
export async function startWorkerd({ port, persistTo, envFile }) {
  applyMigrations(['--persist-to', persistTo], false);
  copyDocsAssets();
  const outdir = join(persistTo, '..', 'bundle');
  const build = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error(`bundling the Worker failed (exit ${build.status})`);
  const mf = await newMiniflare({ outdir, envFile, port, persistRoot: join(persistTo, 'v3') });
  const url = await mf.ready;
  const baseUrl = url.origin;
  await waitForHealthy(baseUrl, 30_000);
  return { baseUrl, bundleDir: outdir, stop: () => mf.dispose() };
}

/**
 * Applies the D1 migrations, starts `wrangler dev` and waits until /healthz answers.
 * `persistTo` and `envFile` default to wrangler's own (.wrangler/state, .dev.vars).
 */
export async function startLocalService({ port = 8787, inspectorPort, persistTo, envFile, logLevel = 'info', stdio = 'inherit', quietStart = false, unlogged } = {}) {
  const persist = persistTo ? ['--persist-to', persistTo] : [];
  const env = envFile ? ['--env-file', envFile] : [];
  // Without it wrangler probes from 9229 up and binds later: two starting at once may both take 9229.
  const inspector = inspectorPort ? ['--inspector-port', String(inspectorPort)] : [];
  applyMigrations(persist, stdio === 'inherit');
  copyDocsAssets();
  const child = spawn(
    'npx',
    ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port), ...inspector, '--show-interactive-dev-session=false', '--log-level', logLevel, ...persist, ...env],
    // Its own process group, so stopping it also stops workerd underneath npx and wrangler.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const state = { explained: false, requests: !quietStart, unlogged };
  if (stdio === 'inherit') {
    relayOutput(child.stdout, process.stdout, state);
    relayOutput(child.stderr, process.stderr, state);
  } else if (stdio === 'ignore') {
    child.stdout.resume();
    child.stderr.resume();
  }
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  process.on('exit', () => killGroup('SIGTERM'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await Promise.race([
    waitForHealthy(baseUrl, 90_000),
    exited.then((code) => {
      throw new Error(`wrangler dev exited early (code ${code})`);
    }),
  ]);
  return {
    baseUrl,
    child,
    exited,
    kill: (signal = 'SIGTERM') => killGroup(signal),
    /** From now on, print wrangler's request log (held back with `quietStart`). */
    showRequests: () => (state.requests = true),
    async stop() {
      this.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

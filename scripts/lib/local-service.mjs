// Runs the Worker locally under `wrangler dev` (workerd + local D1 + Durable Objects + cron) for
// `npm start`, the benchmarks and the browser tests.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitForHealthy } from './api.mjs';

/**
 * Local secrets, each generated once into the env file (git-ignored `.dev.vars` by default). Values
 * are written single-quoted: wrangler's .dev.vars parser keeps backslashes inside double quotes, which
 * would break the JSON of HWID_SIGNING_KEYS.
 */
export const DEV_VARS = {
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

/**
 * Applies the D1 migrations, starts `wrangler dev` and waits until /healthz answers.
 * `persistTo` and `envFile` default to wrangler's own (.wrangler/state, .dev.vars).
 */
export async function startLocalService({ port = 8787, persistTo, envFile, logLevel = 'info', stdio = 'inherit' } = {}) {
  process.env.WRANGLER_SEND_METRICS = 'false';
  const persist = persistTo ? ['--persist-to', persistTo] : [];
  const env = envFile ? ['--env-file', envFile] : [];
  const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'inplace', '--local', ...persist], {
    stdio: ['ignore', stdio === 'inherit' ? 'inherit' : 'ignore', 'inherit'],
  });
  if (migrate.status !== 0) throw new Error(`D1 migrations failed (exit ${migrate.status})`);
  const child = spawn(
    'npx',
    ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(port), '--show-interactive-dev-session=false', '--log-level', logLevel, ...persist, ...env],
    // Its own process group, so stopping it also stops workerd underneath npx and wrangler.
    { stdio: ['ignore', stdio, stdio], detached: true },
  );
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
    async stop() {
      this.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

#!/usr/bin/env node
// @ts-check
// The InPlace agent's entry point (`npm run agent -- …`, or `node dist/inplace-agent.mjs …` once
// bundled by `npm run build:agent`). Flags and environment: scripts/agent/config.mjs (--help).
import { createAgent, KeyRefused, serviceClient, Unreachable } from './agent.mjs';
import { HELP, readSettings, UsageError } from './config.mjs';
import { acquireLock, LockHeld } from './state.mjs';

// The process title replaces the command line in `ps`, so a key given with --key does not show there.
process.title = 'inplace-agent';

/** @param {string} event @param {Record<string, unknown>} [fields] */
function log(event, fields = {}) {
  console.log(JSON.stringify({ at: new Date().toISOString(), event, ...fields }));
}

/** @param {number} code @param {string} message */
function exit(code, message) {
  log('agent.exit', { code, message });
  process.exit(code);
}

let settings;
try {
  const read = readSettings(process.argv.slice(2), process.env);
  if (read.help) {
    console.log(HELP);
    process.exit(0);
  }
  settings = read;
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`inplace-agent: ${err.message}\nRun with --help for the flags.`);
  process.exit(2);
}

try {
  acquireLock(settings.dir);
} catch (err) {
  if (err instanceof LockHeld) exit(5, err.message);
  throw err;
}

const call = serviceClient(settings.url, settings.key, Math.max(10_000, settings.downloadTimeoutMs));
const agent = createAgent(settings, call, log);
let stopping = false;
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    // A task in flight is finished by the next start (its state is in DIR); nothing is half-reported.
    stopping = true;
    exit(0, `stopped by ${signal}`);
  });
}
log('agent.start', { url: settings.url.origin, dir: settings.dir, once: settings.once, intervalSeconds: settings.intervalMs / 1000, facts: settings.facts });

for (;;) {
  try {
    const tasks = await agent.pass();
    log('pass.done', { tasks });
  } catch (err) {
    if (err instanceof KeyRefused) exit(3, err.message);
    if (err instanceof Unreachable && settings.once) exit(4, err.message);
    if (settings.once) exit(1, /** @type {Error} */ (err).message);
    log('pass.failed', { message: /** @type {Error} */ (err).message });
  }
  if (settings.once || stopping) break;
  await new Promise((r) => setTimeout(r, settings.intervalMs * (0.8 + 0.4 * Math.random())));
}
process.exit(0);

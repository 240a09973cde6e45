// A fresh, isolated InPlace service for the end-to-end stage (browser, CLI, NetBox import, agent
// program): the Worker's deploy bundle served by workerd on its own port, its D1 and Durable Objects
// in its own temp folder, its own secrets in a temp env file, seeded with the demo data center
// through the API. The bundle is `wrangler deploy --dry-run`'s output and the state starts as a copy
// of one with the D1 migrations applied: those in INPLACE_E2E_BUNDLE and INPLACE_E2E_STATE when set
// (npm test prepares them once for every file), otherwise made here. Everything it writes is removed
// by stop().
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { client } from '../scripts/lib/api.mjs';
import { publishModules, startArtifactServer } from '../scripts/lib/artifacts.mjs';
import { ensureDevVars, migratedState, startBundle } from '../scripts/lib/local-service.mjs';
import { demoModules, seed } from '../scripts/lib/seed.mjs';

// workerd closes a connection idle for 5 s (its fixed pipeline timeout), and fetch keeps one for 4 s,
// on a timer that a busy test process fires late: a request then goes out on a connection workerd
// has just closed ("fetch failed: other side closed", seen in two trains). Idle connections are
// dropped after one second here, for every fetch of the process (the API client, Miniflare's own).
setGlobalDispatcher(new Agent({ keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 }));

/**
 * Ports tried first (the range set aside for these tests on shared machines), then any free one:
 * for what must be told its port before it listens (`npm start`'s wrangler dev and artifact server)
 * and for URLs where nothing listens. A service of this file's own listens on a port its runtime
 * picks (port 0), so no other file can take that port between a probe and the bind.
 */
const PREFERRED_PORTS = Array.from({ length: 20 }, (_, i) => 8850 + i);
/** Ports this process was handed: a probe finds them free until whoever was handed them listens. */
const handedOut = new Set();

function listenable(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(null));
    probe.listen(port, '127.0.0.1', () => {
      const { port: bound } = probe.address();
      probe.close(() => resolve(bound));
    });
  });
}

/**
 * A free port, never one this process was handed before, starting at a random place in the range
 * so that parallel runs rarely collide.
 */
export async function freePort() {
  const start = Math.floor(Math.random() * PREFERRED_PORTS.length);
  for (let i = 0; i < PREFERRED_PORTS.length; i++) {
    const candidate = PREFERRED_PORTS[(start + i) % PREFERRED_PORTS.length];
    if (handedOut.has(candidate)) continue;
    const port = await listenable(candidate);
    if (port) return handOut(port);
  }
  for (;;) {
    const port = await listenable(0);
    if (!handedOut.has(port)) return handOut(port);
  }
}

function handOut(port) {
  handedOut.add(port);
  return port;
}

/** The deploy bundle in `INPLACE_E2E_BUNDLE`, or one built now into a folder that `remove` deletes. */
function bundle() {
  if (process.env.INPLACE_E2E_BUNDLE) return { outdir: process.env.INPLACE_E2E_BUNDLE, remove() {} };
  // Under the working directory: workerd refuses a module path that leaves it.
  mkdirSync('.wrangler', { recursive: true });
  const outdir = mkdtempSync(join('.wrangler', 'e2e-bundle-'));
  const remove = () => rmSync(outdir, { recursive: true, force: true });
  const build = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status === 0) return { outdir, remove };
  remove();
  throw new Error(`bundling the Worker failed (exit ${build.status})`);
}

/** `seeded: false` leaves the service empty (no demo data center, catalog or customers). */
export async function startService({ servers = 200, seeded = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'inplace-e2e-'));
  const envFile = join(dir, 'service.env');
  writeFileSync(envFile, "ENVIRONMENT='test'\n", { mode: 0o600 });
  const { OPERATOR_KEY: operatorKey } = ensureDevVars(envFile);
  const logs = [];
  const started = [];
  const stop = async () => {
    for (const part of started.reverse()) await part();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const built = bundle();
    started.push(built.remove);
    const persistTo = join(dir, 'state');
    if (process.env.INPLACE_E2E_STATE) cpSync(process.env.INPLACE_E2E_STATE, persistTo, { recursive: true });
    else await migratedState(persistTo);
    const service = await startBundle({ outdir: built.outdir, envFile, port: 0, persistTo, output: (line) => logs.push(`${line}\n`) });
    started.push(service.stop);
    const artifactServer = await startArtifactServer();
    started.push(() => artifactServer.close());
    const demo = seeded ? await seed(client(service.baseUrl, operatorKey), { servers, artifacts: await publishModules(artifactServer, join(dir, 'artifacts'), demoModules()) }) : null;
    return {
      baseUrl: service.baseUrl,
      operatorKey,
      demo,
      /** The loopback server the demo platforms' artifacts come from; `publish` adds more. */
      artifactServer,
      dir,
      /** Everything the Worker printed so far, and the request log. */
      logs: () => logs.join(''),
      stop,
    };
  } catch (err) {
    await stop();
    // What the Worker printed says why a start or the seeding failed (a request cut off, say).
    throw new Error(`the end-to-end service did not start or seed: ${err.message}\n--- the Worker's output, last 60 lines ---\n${logs.join('').split('\n').slice(-60).join('\n')}`, { cause: err });
  }
}

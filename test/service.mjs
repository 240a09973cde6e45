// A fresh, isolated InPlace service for the end-to-end stages (browser, CLI): its own port, its own
// local D1/Durable Object state in a temp folder, its own secrets in a temp env file, seeded with the
// demo data center through the API. Everything it writes is removed by stop().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client } from '../scripts/lib/api.mjs';
import { publishModules, startArtifactServer } from '../scripts/lib/artifacts.mjs';
import { ensureDevVars, startLocalService } from '../scripts/lib/local-service.mjs';
import { demoModules, seed } from '../scripts/lib/seed.mjs';

/** Ports tried first (the range set aside for these tests on shared machines), then any free one. */
const PREFERRED_PORTS = Array.from({ length: 20 }, (_, i) => 8850 + i);

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

/** A free port, starting at a random place in the range so that parallel runs rarely collide. */
export async function freePort() {
  const start = Math.floor(Math.random() * PREFERRED_PORTS.length);
  for (let i = 0; i < PREFERRED_PORTS.length; i++) {
    const port = await listenable(PREFERRED_PORTS[(start + i) % PREFERRED_PORTS.length]);
    if (port) return port;
  }
  return listenable(0);
}

/** `seeded: false` leaves the service empty (no demo data center, catalog or customers). */
export async function startService({ servers = 200, seeded = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'inplace-e2e-'));
  const envFile = join(dir, 'service.env');
  writeFileSync(envFile, "ENVIRONMENT='test'\n", { mode: 0o600 });
  const { OPERATOR_KEY: operatorKey } = ensureDevVars(envFile);
  const logs = [];
  const service = await startLocalService({ port: await freePort(), persistTo: join(dir, 'state'), envFile, logLevel: 'info', stdio: 'pipe' });
  // Piped output waits in the stream until read, so nothing printed during start-up is lost.
  for (const stream of [service.child.stdout, service.child.stderr]) stream.on('data', (chunk) => logs.push(String(chunk)));
  const artifactServer = await startArtifactServer();
  try {
    const demo = seeded ? await seed(client(service.baseUrl, operatorKey), { servers, artifacts: await publishModules(artifactServer, join(dir, 'artifacts'), demoModules()) }) : null;
    return {
      baseUrl: service.baseUrl,
      operatorKey,
      demo,
      /** The loopback server the demo platforms' artifacts come from; `publish` adds more. */
      artifactServer,
      dir,
      /** Everything wrangler and the Worker printed so far. */
      logs: () => logs.join(''),
      async stop() {
        await service.stop();
        await artifactServer.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await service.stop();
    await artifactServer.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

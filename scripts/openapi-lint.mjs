// Fetches /openapi.json from the Worker running in-process (workerd, local bindings) and lints it
// with Redocly's recommended rules. Exits non-zero on any lint error.
//   node scripts/openapi-lint.mjs                 the Worker as wrangler dev builds it from src
//   node scripts/openapi-lint.mjs --bundle dist   the deploy bundle there (npm test: the dry run's,
//                                                 so the Worker is not bundled a second time)
import './lib/offline.mjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { unstable_startWorker } from 'wrangler';
import { copyDocsAssets } from './docs-assets.mjs';
import { serveBundle } from './lib/local-service.mjs';

const { values: options } = parseArgs({ options: { bundle: { type: 'string' } } });

// A Worker that fails to build can leave unstable_startWorker waiting forever: fail instead.
setTimeout(() => {
  console.error('openapi: the Worker did not answer GET /openapi.json within 120 s');
  process.exit(1);
}, 120_000).unref();
copyDocsAssets();

/** The Worker serving the document: the bundle given, in memory with its own secrets file, or wrangler dev's build. */
async function startWorker() {
  if (!options.bundle) {
    const worker = await unstable_startWorker({ config: 'wrangler.toml', dev: { server: { port: 0 }, inspector: false, logLevel: 'error' } });
    return { fetch: (url) => worker.fetch(url), stop: () => worker.dispose() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'inplace-openapi-'));
  const service = await serveBundle({ outdir: options.bundle, envFile: join(dir, 'service.env'), port: 0, assets: false });
  return {
    fetch: (url) => fetch(new URL(new URL(url).pathname, service.baseUrl)),
    stop: async () => {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const worker = await startWorker();
let doc;
try {
  const res = await worker.fetch('http://localhost/openapi.json');
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  doc = await res.json();
} finally {
  await worker.stop();
}
mkdirSync('dist', { recursive: true });
writeFileSync('dist/openapi.json', JSON.stringify(doc, null, 2));
console.log(`openapi: ${Object.keys(doc.paths).length} paths written to dist/openapi.json`);
execFileSync('npx', ['redocly', 'lint', '--format', 'summary', 'dist/openapi.json'], { stdio: 'inherit' });

// Fetches /openapi.json from the Worker running in-process (workerd, local bindings) and lints it
// with Redocly's recommended rules. Exits non-zero on any lint error.
import './lib/offline.mjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { unstable_startWorker } from 'wrangler';
import { copyDocsAssets } from './docs-assets.mjs';

// A Worker that fails to build can leave unstable_startWorker waiting forever: fail instead.
setTimeout(() => {
  console.error('openapi: the Worker did not answer GET /openapi.json within 120 s');
  process.exit(1);
}, 120_000).unref();
copyDocsAssets();
const worker = await unstable_startWorker({ config: 'wrangler.toml', dev: { server: { port: 0 }, inspector: false, logLevel: 'error' } });
let doc;
try {
  const res = await worker.fetch('http://localhost/openapi.json');
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  doc = await res.json();
} finally {
  await worker.dispose();
}
mkdirSync('dist', { recursive: true });
writeFileSync('dist/openapi.json', JSON.stringify(doc, null, 2));
console.log(`openapi: ${Object.keys(doc.paths).length} paths written to dist/openapi.json`);
execFileSync('npx', ['redocly', 'lint', '--format', 'summary', 'dist/openapi.json'], { stdio: 'inherit' });

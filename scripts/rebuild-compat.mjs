// Full rebuild of the materialised compatibility table: the operator-only
// `POST /v1/compatibility/rebuild` enqueues it in pages; this follows GET /v1/compatibility/status
// until every server is recomputed.
// Usage: node scripts/rebuild-compat.mjs [--url http://127.0.0.1:8787] [--key inp_opr_…]
// Defaults: INPLACE_URL / INPLACE_OPERATOR_KEY, else the local demo (.inplace/demo.json).
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { client } from './lib/api.mjs';

const { values } = parseArgs({ options: { url: { type: 'string' }, key: { type: 'string' } } });
const demo = existsSync('.inplace/demo.json') ? JSON.parse(readFileSync('.inplace/demo.json', 'utf8')) : {};
const url = values.url ?? process.env.INPLACE_URL ?? demo.baseUrl ?? 'http://127.0.0.1:8787';
const key = values.key ?? process.env.INPLACE_OPERATOR_KEY ?? demo.operatorKey;
if (!key) {
  console.error('No operator key: pass --key, set INPLACE_OPERATOR_KEY, or run `npm start` first.');
  process.exit(2);
}

const api = client(url, key);
const t0 = Date.now();
const queued = await api.post('/v1/compatibility/rebuild', {});
console.log(`rebuild queued: ${queued.servers} servers in ${queued.pages} pages`);
for (;;) {
  const status = await api.get('/v1/compatibility/status');
  process.stdout.write(`\r${status.serversBehind} servers still to recompute, ${status.sitesPending} data centers' released records and census to refresh   `);
  if (status.fresh) break;
  await new Promise((r) => setTimeout(r, 500));
}
console.log(`\nrebuild complete: ${queued.servers} servers, ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// The NetBox import benchmark (`npm run bench -- --netbox 10000`): a generated NetBox of that many
// devices in the loopback stand-in, the bundled Worker on fresh state, and `npm run import:netbox`
// run as an operator runs it: once into the empty inventory (everything created), then again
// (nothing changes). Goal: the first import of 10,000 devices in under 5 minutes.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ensureDevVars, startWorkerd } from '../lib/local-service.mjs';
import { generatedNetBox, startNetBox } from '../lib/netbox/stand-in.mjs';

const GOAL_SECONDS = 300;

/** One import run; its wall time in s and its --json report. */
async function timedImport(netboxUrl, token, baseUrl, key) {
  const t0 = performance.now();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['scripts/import-netbox.mjs', '--netbox-url', netboxUrl, '--url', baseUrl, '--key', key, '--json'],
    { env: { ...process.env, NETBOX_TOKEN: token }, maxBuffer: 256 * 1024 * 1024 },
  );
  return { seconds: (performance.now() - t0) / 1000, report: JSON.parse(stdout) };
}

export async function benchNetBox({ devices, port }) {
  const dir = `.wrangler/bench-netbox-${devices}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const vars = ensureDevVars(`${dir}/dev.vars`);
  console.log(`\n▶ NetBox import: ${devices} NetBox devices into an empty inventory (state in ${dir})`);
  const token = randomBytes(20).toString('hex');
  const world = generatedNetBox(devices);
  const netbox = await startNetBox(world, { token });
  const service = await startWorkerd({ port, persistTo: `${dir}/state`, envFile: `${dir}/dev.vars` });
  try {
    const first = await timedImport(netbox.url, token, service.baseUrl, vars.OPERATOR_KEY);
    const firstRequests = netbox.requests.length;
    const second = await timedImport(netbox.url, token, service.baseUrl, vars.OPERATOR_KEY);
    const row = (run, { seconds, report }, netboxRequests) => ({ run, seconds: Math.round(seconds * 10) / 10, ...report.summary.servers, netboxRequests });
    const rows = [row('first (empty inventory)', first, firstRequests), row('second (nothing changed)', second, netbox.requests.length - firstRequests)];
    console.log(`  NetBox: ${world.store.sites.length} sites, ${world.store.racks.length} racks, ${devices} devices, ${world.store.interfaces.length} interfaces; servers per run:`);
    console.table(rows);
    const met = first.seconds <= GOAL_SECONDS;
    console.log(`  target: first import of ${devices} devices ≤ ${GOAL_SECONDS} s: ${Math.round(first.seconds)} s, ${met ? 'met' : 'NOT met'}`);
    mkdirSync('dist', { recursive: true });
    writeFileSync('dist/bench-netbox.json', JSON.stringify({ devices, rows, goalSeconds: GOAL_SECONDS, met }, null, 2));
    console.log('\nResults written to dist/bench-netbox.json');
    return met;
  } finally {
    await service.stop();
    await netbox.close();
  }
}

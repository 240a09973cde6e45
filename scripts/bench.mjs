// `npm run bench`: the project's benchmarks, on loopback, each beside a baseline measured in the same
// run. For each inventory size it starts the bundled Worker in workerd (through Miniflare, with local
// D1 and Durable Objects, on a fresh copy of its own state, seeded once through the API and kept in
// .wrangler/bench-<size>/seed), then runs every scenario with autocannon and prints p50/p99 latency
// and throughput.
// Options: --servers 10000,100000  --duration 5 (s per scenario)  --connections 8  --only name,name
//          --port 8900 (or INPLACE_BENCH_PORT; with two sizes or more the growth rounds also use the next port)  --upstream-port 8910 (or INPLACE_BENCH_UPSTREAM_PORT);
//          the defaults stay clear of `npm start` (8787, 8790+) and the simulator (8831, 8840+).
//          --netbox N runs only the NetBox import benchmark (N generated NetBox devices; scripts/bench/netbox.mjs).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { client } from './lib/api.mjs';
import { PLATFORMS } from './lib/demo-data.mjs';
import { spawnDemoUpstreams, upstreamPorts } from './lib/demo-upstreams.mjs';
import { ensureDevVars, startWorkerd } from './lib/local-service.mjs';
import { portOption, requireFreePorts } from './lib/ports.mjs';
import { seedBench } from './lib/seed-bench.mjs';
import { benchNetBox } from './bench/netbox.mjs';
import { SCENARIOS } from './bench/scenarios.mjs';

const { values: opts } = parseArgs({
  options: {
    servers: { type: 'string', default: '10000,100000' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '8' },
    only: { type: 'string' },
    port: { type: 'string' },
    'upstream-port': { type: 'string' },
    netbox: { type: 'string' },
  },
});
const port = portOption(opts.port, 'INPLACE_BENCH_PORT', 8900);
if (opts.netbox !== undefined) {
  const devices = Number(opts.netbox);
  if (!Number.isInteger(devices) || devices < 1) {
    console.error(`--netbox takes a number of devices (got ${opts.netbox})`);
    process.exit(2);
  }
  await requireFreePorts([{ port, what: 'the benchmarked Worker', change: 'pass `--port N` (or INPLACE_BENCH_PORT=N)' }]);
  process.exit((await benchNetBox({ devices, port })) ? 0 : 1);
}
const upstreamPort = portOption(opts['upstream-port'], 'INPLACE_BENCH_UPSTREAM_PORT', 8910);
const sizes = opts.servers.split(',').map(Number);
await requireFreePorts([
  { port, what: 'the benchmarked Worker', change: 'pass `--port N` (or INPLACE_BENCH_PORT=N)' },
  // The growth rounds serve the smallest and the largest size at once, the largest on the next port.
  ...(sizes.length >= 2 ? [{ port: port + 1, what: 'the second benchmarked Worker (growth rounds)', change: 'pass `--port N` (N and N+1 are used)' }] : []),
  ...upstreamPorts(PLATFORMS.length, upstreamPort, 'pass `--upstream-port N` (or INPLACE_BENCH_UPSTREAM_PORT=N)'),
]);
const only = opts.only ? new Set(opts.only.split(',')) : null;

/** The q-quantile of sorted values, by nearest rank. */
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
const ms = (v) => Math.round(v * 100) / 100;

/**
 * One autocannon run; `request` is {path, method, headers, body} or a function giving one per call.
 * Latencies are taken from each response's own timing (autocannon's histogram keeps whole
 * milliseconds, too coarse for a sub-millisecond target), so p50/p99 have 0.01 ms resolution.
 */
export async function measure(baseUrl, request, { duration = Number(opts.duration), connections = Number(opts.connections), amount } = {}) {
  const fixed = typeof request === 'function' ? null : request;
  const latencies = [];
  const run = autocannon({
    url: baseUrl,
    connections,
    ...(amount ? { amount } : { duration }),
    requests: [
      fixed
        ? { method: fixed.method ?? 'GET', path: fixed.path, headers: fixed.headers, body: fixed.body }
        : { setupRequest: (req) => ({ ...req, ...request() }) },
    ],
  });
  run.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await run;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx and ${result.errors} errors for ${fixed?.path ?? 'generated requests'}`);
  latencies.sort((a, b) => a - b);
  return { p50: ms(quantile(latencies, 0.5)), p99: ms(quantile(latencies, 0.99)), rps: result.requests.average, total: result.requests.total };
}

const rows = [];
/**
 * The targets, each a measure beside its baseline from the same run: `ratio` is
 * measure / baseline, met when it stays at or under `max` (or at or over `min`).
 */
const targets = [];
function target(size, name, measure, baseline, unit, limit) {
  const ratio = measure / Math.max(baseline, 1e-9);
  const met = (limit.max !== undefined ? ratio <= limit.max : ratio >= limit.min) ? 'yes' : 'NO';
  targets.push({ servers: size, name, measure: `${ms(measure)} ${unit}`, baseline: `${ms(baseline)} ${unit}`, ratio: `${ratio.toFixed(2)}×`, target: limit.max !== undefined ? `≤ ${limit.max}×` : `≥ ${limit.min}×`, met });
}
// The platforms' local upstreams (the SBC proxies to them), in a process of their own.
const upstreams = await spawnDemoUpstreams(PLATFORMS.map((p) => p.name), upstreamPort);
process.on('exit', () => upstreams.close());
function report(size, scenario, m, baseline) {
  const row = { servers: size, scenario, p50: m.p50, p99: m.p99, rps: Math.round(m.rps), vsBaseline: baseline ? `${(m.p50 / Math.max(baseline.p50, 0.01)).toFixed(1)}× p50` : '' };
  rows.push(row);
  console.log(`  ${scenario.padEnd(72)} p50 ${String(m.p50).padStart(6)} ms  p99 ${String(m.p99).padStart(6)} ms  ${String(row.rps).padStart(6)} req/s  ${row.vsBaseline}`);
}

/**
 * Starts the bundled Worker on a fresh copy of the state seeded for `size` (seeding it the first
 * time). Every run starts from the same state: the scenarios write (1,000-ID mints by the hundred,
 * usage, stored answers), and measuring on what earlier runs left behind made the results depend on
 * how many runs came before (the 10,000-server state had grown from 112k to 401k hardware aliases in
 * one session, and minting slowed with it).
 */
async function serve(size, servicePort) {
  const dir = `.wrangler/bench-${size}`;
  const seedDir = `${dir}/seed`;
  const runDir = `${dir}/run`;
  mkdirSync(dir, { recursive: true });
  const vars = ensureDevVars(`${dir}/dev.vars`);
  const seededFile = `${dir}/seeded.json`;
  // State seeded before runs started from a copy (in ${dir}/state) holds what every earlier run wrote: seed again.
  if (existsSync(`${dir}/state`)) {
    console.log(`  ${dir}/state holds what earlier runs wrote: seeding a clean state once (${seedDir}), copied for every run`);
    rmSync(`${dir}/state`, { recursive: true, force: true });
    rmSync(seededFile, { force: true });
  }
  let seeded = existsSync(seededFile) && existsSync(seedDir) ? JSON.parse(readFileSync(seededFile, 'utf8')) : null;
  // The platforms' upstream URLs are part of the seeded state (state seeded before ports were configurable used 8790).
  if (seeded && (seeded.upstreamPort ?? 8790) !== upstreamPort) {
    console.error(`${dir} was seeded with the platforms' upstreams on port ${seeded.upstreamPort ?? 8790}: run with --upstream-port ${seeded.upstreamPort ?? 8790}, or delete ${dir} to seed it again.`);
    process.exit(2);
  }
  if (!seeded) {
    rmSync(seedDir, { recursive: true, force: true });
    const seeding = await startWorkerd({ port: servicePort, persistTo: seedDir, envFile: `${dir}/dev.vars` });
    try {
      seeded = await seedBench(client(seeding.baseUrl, vars.OPERATOR_KEY), { servers: size, upstreamPort, log: (l) => console.log(`  seed ${l}`) });
    } finally {
      await seeding.stop();
    }
    writeFileSync(seededFile, JSON.stringify(seeded));
  }
  rmSync(runDir, { recursive: true, force: true });
  cpSync(seedDir, runDir, { recursive: true });
  const service = await startWorkerd({ port: servicePort, persistTo: runDir, envFile: `${dir}/dev.vars` });
  return { dir, vars, seeded, service, operator: client(service.baseUrl, vars.OPERATOR_KEY) };
}

/**
 * The MIP list's growth from the small to the large data center, both served at once and measured
 * in alternating rounds (the MIP list at rack scope and GET /v1/account, one connection, on each in
 * turn): the sizes' own sections run minutes apart, so the load others put on a shared machine in
 * between would count as growth. The target takes the median of the rounds' ratios.
 */
async function growth(small, large) {
  console.log(`\n▶ MIP list growth ${small} → ${large} servers, both served at once, alternating rounds`);
  const both = [await serve(small, port), await serve(large, port + 1)];
  try {
    const requests = both.map(({ seeded }) => {
      const headers = { authorization: `Bearer ${seeded.customer.key}` };
      return { account: { path: '/v1/account', headers }, mip: { path: `/v1/customers/${seeded.customer.id}/mip-list?scope=rack`, headers } };
    });
    const one = { connections: 1, duration: 1 };
    // The first read after the sizes' own sections may compute the answer; the queue stores it.
    for (const [i, b] of both.entries()) await measure(b.service.baseUrl, requests[i].mip, one);
    const rounds = [];
    for (let r = 0; r < 5; r++) {
      const round = [];
      for (const [i, b] of both.entries()) round.push({ account: await measure(b.service.baseUrl, requests[i].account, one), mip: await measure(b.service.baseUrl, requests[i].mip, one) });
      rounds.push(round);
    }
    const middle = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
    const at = (i, what) => middle(rounds.map((round) => round[i][what].p50));
    const perRound = (what) => rounds.map(([s, l]) => (l[what].p50 / s[what].p50).toFixed(2)).join(', ');
    for (const [i, size] of [small, large].entries()) {
      report(size, 'growth rounds: GET /v1/account, 1 connection (median of 5 rounds)', { p50: at(i, 'account'), p99: 0, rps: 0 });
      report(size, 'growth rounds: GET mip-list?scope=rack, 1 connection (median of 5 rounds)', { p50: at(i, 'mip'), p99: 0, rps: 0 });
    }
    console.log(`  growth per round: MIP list ${perRound('mip')}; GET /v1/account ${perRound('account')} (printed, no target)`);
    target(large, `MIP list p50 growth ${small} → ${large} servers, both served at once (median p50 of 5 alternating rounds)`, at(1, 'mip'), at(0, 'mip'), 'ms', { max: 1.2 });
  } finally {
    for (const b of both) await b.service.stop();
  }
}

for (const size of sizes) {
  console.log(`\n▶ ${size} servers (a fresh copy of .wrangler/bench-${size}/seed)`);
  const { dir, vars, seeded, service, operator } = await serve(size, port);
  try {
    const ctx = {
      baseUrl: service.baseUrl,
      operator,
      operatorKey: vars.OPERATOR_KEY,
      seeded,
      size,
      duration: Number(opts.duration),
      connections: Number(opts.connections),
      target: (name, m, baseline, unit, limit) => target(size, name, m, baseline, unit, limit),
      bundleDir: service.bundleDir,
      envFile: `${dir}/dev.vars`,
      measure: (req, o) => measure(service.baseUrl, req, o),
      measureUrl: (url, req, o) => measure(url, req, o),
    };
    const baseline = await measure(service.baseUrl, { path: '/healthz' });
    report(size, 'baseline: GET /healthz (bare handler)', baseline);
    const authed = await measure(service.baseUrl, { path: '/v1/account', headers: { authorization: `Bearer ${seeded.customer.key}` } });
    report(size, 'baseline: GET /v1/account (auth + 1 read)', authed, baseline);
    for (const scenario of SCENARIOS) {
      if (only && !only.has(scenario.name)) continue;
      for (const [label, m] of await scenario.run(ctx)) report(size, label, m, baseline);
    }
  } finally {
    await service.stop();
  }
}
// Growth of the MIP list's cost with the inventory, when the run covers a small and a large size: judged
// on rounds with both served at once (growth()); the sizes' own sections, minutes apart, printed beside it.
const sequential = rows.filter((r) => r.scenario.startsWith('GET mip-list?scope=rack, 1 connection'));
if (sequential.length >= 2) {
  const [first, last] = [sequential[0], sequential[sequential.length - 1]];
  console.log(`\nMIP list p50 in the sizes' own sections: ${first.p50} ms (${first.servers}) → ${last.p50} ms (${last.servers}) = ${(last.p50 / first.p50).toFixed(2)}× (printed, no target)`);
}
if (sizes.length >= 2 && (!only || only.has('mip'))) await growth(sizes[0], sizes[sizes.length - 1]);
console.log('\nTargets (measure beside its baseline from this run):');
console.table(targets);
mkdirSync('dist', { recursive: true });
writeFileSync('dist/bench.json', JSON.stringify({ rows, targets }, null, 2));
console.log('\nResults written to dist/bench.json');
upstreams.close();

// Benchmark scenarios, run by scripts/bench.mjs for each inventory size. Each returns
// [label, {p50, p99, rps}] pairs measured with ctx.measure (autocannon on loopback).
import { execFile, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCatalog, generateInventory } from '../lib/demo-data.mjs';
import { coldStart, serveBundle } from '../lib/local-service.mjs';
import { waitForCompatibility } from '../lib/seed.mjs';

const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (v) => Math.round(v * 100) / 100;
const execFileAsync = promisify(execFile);

/**
 * The Node floors of minting and verifying: what the same jose signatures and verifications cost in
 * Node, no I/O (scripts/bench/floor.mjs), in ms. Measured twice: on one core, as the Worker has (an
 * isolate signs and verifies on its own thread, while Node's WebCrypto hands every operation to its
 * thread pool, which spreads 1,000 signatures over every core), the targets' baseline; and on every
 * core, as the issue first measured it, printed beside it.
 */
async function nodeFloors(sign, verify) {
  const floor = fileURLToPath(new URL('./floor.mjs', import.meta.url));
  const run = async (command, args) => JSON.parse((await execFileAsync(command, args)).stdout);
  const pinned = cpus().length > 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return {
    oneCore: pinned ? await run('taskset', ['-c', '0', process.execPath, floor, String(sign), String(verify)]) : null,
    allCores: await run(process.execPath, [floor, String(sign), String(verify)]),
  };
}

export const SCENARIOS = [
  {
    name: 'inventory',
    async run(ctx) {
      const auth = { authorization: `Bearer ${ctx.operatorKey}` };
      return [
        ['GET /v1/inventory/servers?limit=100 (operator)', await ctx.measure({ path: '/v1/inventory/servers?limit=100', headers: auth })],
        ['GET /v1/platforms?limit=50', await ctx.measure({ path: '/v1/platforms?limit=50', headers: { authorization: `Bearer ${ctx.seeded.customer.key}` } })],
      ];
    },
  },
];

/**
 * Hardware IDs for the seeded customer (1,000 servers): minting one ID per server (1,000 signatures
 * and inserts per request) and per rack, and verifying 100 IDs per request (100 signature checks and
 * 100 atomic use counts in one D1 batch). Verification rotates over ten lists of 100 IDs, each ID good
 * for 1,000 uses, so the run never exhausts them.
 */
SCENARIOS.push({
  name: 'hardware-ids',
  async run(ctx) {
    const customer = ctx.operator.as(ctx.seeded.customer.key);
    const headers = { authorization: `Bearer ${ctx.seeded.customer.key}`, 'content-type': 'application/json' };
    const mint = (scope) => ({ method: 'POST', path: '/v1/hardware-ids', headers, body: JSON.stringify({ scope, maxUses: 1000, ttlSeconds: 3600 }) });
    const pool = (await customer.post('/v1/hardware-ids', { scope: 'server', maxUses: 1000, ttlSeconds: 3600 })).items.map((i) => i.id);
    const lists = Array.from({ length: 10 }, (_, i) => JSON.stringify({ hardwareIds: pool.slice(i * 100, i * 100 + 100) }));
    let next = 0;
    const verify = () => ({ method: 'POST', path: '/v1/hardware-ids/verify', headers, body: lists[next++ % lists.length] });
    // Three back-to-back rounds of the Worker (mint, verify, one connection) then the Node floors; for
    // each target the round with the median ratio is reported, so one burst of noise on a shared
    // machine (the floors moved between 7 and 20 ms across runs) does not decide it.
    const one = { connections: 1, duration: Math.max(1, Math.round(ctx.duration / 2)) };
    await ctx.measure(verify, { ...one, duration: 1 });
    const rounds = [];
    for (let r = 0; r < 3; r++) rounds.push({ minted: await ctx.measure(mint('server'), one), verified: await ctx.measure(verify, one), floors: await nodeFloors(pool.length, 100) });
    // The target's floor is the one-core floor when the machine can pin one (else every core's).
    const floorOf = (r) => r.floors.oneCore ?? r.floors.allCores;
    const medianRound = (ratio) => rounds.toSorted((a, b) => ratio(a) - ratio(b))[1];
    const mintRatio = (r) => r.minted.p50 / floorOf(r).sign;
    const verifyRatio = (r) => r.verified.p50 / floorOf(r).verify;
    const mintRound = medianRound(mintRatio);
    const verifyRound = medianRound(verifyRatio);
    const list = (ratio) => rounds.map((r) => ratio(r).toFixed(2)).join(', ');
    const cores = mintRound.floors.oneCore ? 'one core' : 'every core: taskset could not pin one';
    ctx.target(`mint ${pool.length} IDs (1 connection) vs Node floor (${pool.length} jose signatures, ${cores}); rounds ${list(mintRatio)}`, mintRound.minted.p50, floorOf(mintRound).sign, 'ms', { max: 1.3 });
    ctx.target(`verify 100 IDs (1 connection) vs Node floor (100 jose verifications, ${cores}); rounds ${list(verifyRatio)}`, verifyRound.verified.p50, floorOf(verifyRound).verify, 'ms', { max: 2 });
    const floorRow = (value) => ({ p50: ms(value), p99: ms(value), rps: 0 });
    return [
      [`POST /v1/hardware-ids scope=server (${pool.length} IDs), 1 connection (the median round)`, mintRound.minted],
      [`POST /v1/hardware-ids scope=server (${pool.length} IDs)`, await ctx.measure(mint('server'))],
      ['POST /v1/hardware-ids scope=rack', await ctx.measure(mint('rack'))],
      ['POST /v1/hardware-ids/verify (100 IDs), 1 connection (the median round)', verifyRound.verified],
      ...(mintRound.floors.oneCore ? [[`Node floor: ${pool.length} jose signatures, one core (the target's)`, floorRow(mintRound.floors.oneCore.sign)]] : []),
      [`Node floor: ${pool.length} jose signatures, every core`, floorRow(mintRound.floors.allCores.sign)],
      ...(verifyRound.floors.oneCore ? [["Node floor: 100 jose verifications, one core (the target's)", floorRow(verifyRound.floors.oneCore.verify)]] : []),
      ['Node floor: 100 jose verifications, every core', floorRow(verifyRound.floors.allCores.verify)],
      ['POST /v1/hardware-ids/verify (100 IDs)', await ctx.measure(verify)],
      ['GET /.well-known/jwks.json', await ctx.measure({ path: '/.well-known/jwks.json' })],
    ];
  },
});

/**
 * The SBC hot path. Latency, one connection (what one end-user call pays, without queueing): the
 * bare handler of the same Worker, the decision API, the proxy to a local upstream (one fresh
 * session per call, with its own id: every call hashes and records an outcome) and the same upstream
 * called directly; the proxy's overhead is its p50 minus the direct p50, median of three rounds.
 * Throughput, at the run's connection count: the decision API against the bare handler, median
 * ratio of three rounds.
 */
SCENARIOS.push({
  name: 'sbc',
  async run(ctx) {
    const { customer, providers } = ctx.seeded;
    const platform = await ctx.operator.as(providers[0].key).get(`/v1/platforms/${ctx.seeded.platformIds[0]}`);
    let n = 0;
    const auth = { authorization: `Bearer ${providers[0].key}` };
    const decision = () => ({ path: `/v1/sbc/route?customerId=${customer.id}&session=s${n++}`, headers: auth });
    const viaSbc = () => ({ path: `/sbc/${customer.id}/ping?n=${n}`, headers: { 'x-session-id': `s${n++}` } });
    const one = { connections: 1 };
    // Warm-up: compile the hot paths and fill the split cache before anything is measured.
    for (const req of [{ path: '/healthz' }, decision, viaSbc]) await ctx.measure(req, { ...one, duration: 2 });
    const bare = await ctx.measure({ path: '/healthz' }, one);
    const route = await ctx.measure(decision, one);
    // Three back-to-back rounds of proxy then direct; the round with the median overhead is reported,
    // so one burst of noise on a shared machine does not decide the result.
    const rounds = [];
    for (let r = 0; r < 3; r++) rounds.push({ proxied: await ctx.measure(viaSbc, one), direct: await ctx.measureUrl(platform.upstreamUrl, { path: '/ping' }, one) });
    const overheads = rounds.map((r) => r.proxied.p50 - r.direct.p50);
    const { proxied, direct } = rounds.toSorted((a, b) => a.proxied.p50 - a.direct.p50 - (b.proxied.p50 - b.direct.p50))[1];
    // Throughput, likewise: three rounds of bare handler then decision, the median ratio reported.
    const loaded = [];
    for (let r = 0; r < 3; r++) loaded.push({ bareLoaded: await ctx.measure({ path: '/healthz' }), routeLoaded: await ctx.measure(decision) });
    const ratios = loaded.map((r) => r.routeLoaded.rps / r.bareLoaded.rps);
    const { bareLoaded, routeLoaded } = loaded.toSorted((a, b) => a.routeLoaded.rps / a.bareLoaded.rps - b.routeLoaded.rps / b.bareLoaded.rps)[1];
    const overhead = (proxied.p50 - direct.p50).toFixed(2);
    return [
      ['SBC baseline: GET /healthz, 1 connection', bare],
      ['GET /v1/sbc/route (decision), 1 connection', route],
      [`ANY /sbc/{customer}/ping (proxy), 1 connection: p50 overhead ${overhead} ms (rounds: ${overheads.map((o) => o.toFixed(2)).join(', ')})`, proxied],
      ['upstream called directly, 1 connection', direct],
      [`SBC baseline: GET /healthz, ${ctx.connections} connections`, bareLoaded],
      [`GET /v1/sbc/route, ${ctx.connections} connections: ${(routeLoaded.rps / bareLoaded.rps).toFixed(2)}× baseline throughput (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')})`, routeLoaded],
    ];
  },
});

// Compatibility: the MIP list of the customer with 1,000 servers against 50 platforms; a provider
// checking 100 hardware IDs against its platform (beside verifying the same 100 IDs: the difference is
// the evaluation); and keeping the table fresh: one changed server (beside the same PUT unchanged), a
// platform's requirements changed (a full pass over the inventory, beside a PATCH of its description),
// and a full rebuild through the operator endpoint.
const sequential = async (n, fn) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    // A step may time itself (its own span, in ms) when part of it is not what is measured.
    const own = await fn(i);
    times.push(typeof own === 'number' ? own : performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))]);
  return { p50: at(0.5), p99: at(0.99), rps: 1000 / (times.reduce((a, b) => a + b, 0) / n), total: n };
};

SCENARIOS.push(
  {
    name: 'mip',
    async run(ctx) {
      const { customer } = ctx.seeded;
      const headers = { authorization: `Bearer ${customer.key}` };
      const account = { path: '/v1/account', headers };
      const list = (scope) => ({ path: `/v1/customers/${customer.id}/mip-list?scope=${scope}`, headers });
      const one = { connections: 1 };
      // The first reader computes the answer and the queue stores it; the runs below read it as stored.
      for (const scope of ['server', 'rack', 'site']) await ctx.measure(list(scope), { ...one, duration: 1 });
      const account1 = await ctx.measure(account, one);
      const rack1 = await ctx.measure(list('rack'), one);
      const accountN = await ctx.measure(account);
      const rackN = await ctx.measure(list('rack'));
      ctx.target('MIP list scope=rack p50, 1 connection, vs GET /v1/account', rack1.p50, account1.p50, 'ms', { max: 2 });
      ctx.target(`MIP list scope=rack throughput, ${ctx.connections} connections, vs GET /v1/account`, rackN.rps, accountN.rps, 'req/s', { min: 0.5 });
      const out = [
        ['GET /v1/account, 1 connection (baseline)', account1],
        ['GET mip-list?scope=rack, 1 connection (1,000 servers × 50 platforms)', rack1],
        [`GET /v1/account, ${ctx.connections} connections (baseline)`, accountN],
        [`GET mip-list?scope=rack, ${ctx.connections} connections`, rackN],
      ];
      for (const scope of ['server', 'site']) out.push([`GET mip-list?scope=${scope}`, await ctx.measure(list(scope))]);
      return out;
    },
  },
  {
    name: 'compatibility',
    async run(ctx) {
      const provider = ctx.seeded.providers[1];
      const platformId = ctx.seeded.platformIds[1];
      const customer = ctx.operator.as(ctx.seeded.customer.key);
      const minted = await customer.post('/v1/hardware-ids', { scope: 'server', audience: [provider.id], maxUses: 1000, ttlSeconds: 3600 });
      const pool = minted.items.map((i) => i.id);
      const lists = Array.from({ length: 10 }, (_, i) => pool.slice(i * 100, i * 100 + 100));
      const headers = { authorization: `Bearer ${provider.key}`, 'content-type': 'application/json' };
      let next = 0;
      const verify = () => ({ method: 'POST', path: '/v1/hardware-ids/verify', headers, body: JSON.stringify({ hardwareIds: lists[next++ % lists.length] }) });
      const check = () => ({ method: 'POST', path: '/v1/compatibility', headers, body: JSON.stringify({ hardwareIds: lists[next++ % lists.length], platformId }) });
      return [
        ['POST /v1/hardware-ids/verify, 100 IDs (baseline)', await ctx.measure(verify)],
        ['POST /v1/compatibility, 100 server IDs + platform', await ctx.measure(check)],
      ];
    },
  },
  {
    name: 'recompute',
    async run(ctx) {
      const inventory = generateInventory({ servers: ctx.size, seed: 1234 });
      const server = inventory.servers.find((s) => s.id === ctx.seeded.serverIds[0]);
      const put = (capacity) => ctx.operator.put('/v1/inventory', { servers: [{ ...server, capacity }] });
      const unchanged = await sequential(20, () => put(server.capacity));
      const changed = await sequential(20, (i) => put({ ...server.capacity, coresAllocated: i % 2 }));
      await put(server.capacity);
      // Platform 4 (provider 3): its requirements flip and are then put back as seeded.
      const original = benchCatalog(ctx.seeded.platformIds.length)[3].body.requirements;
      const provider = ctx.operator.as(ctx.seeded.providers[3].key);
      const patch = (body) => provider.patch(`/v1/platforms/${ctx.seeded.platformIds[3]}`, body);
      const described = await sequential(3, (i) => patch({ description: `bench ${i}` }));
      // The requirement change answers at once; its pass runs on the queue until everything is fresh.
      const completions = [];
      const passes = await sequential(2, async (i) => {
        const t0 = performance.now();
        await patch({ requirements: i ? original : { requiredTraits: ['avx512'] } });
        const answered = performance.now();
        await waitForCompatibility(ctx.operator);
        completions.push(performance.now() - t0);
        return answered - t0;
      });
      ctx.target('PATCH requirements p50 vs PATCH description p50', passes.p50, described.p50, 'ms', { max: 2 });
      ctx.target(`requirement change: pass over ${ctx.size} servers fresh everywhere vs 30 s`, median(completions), 30_000, 'ms', { max: 1 });
      const rebuild = await sequential(1, async () => {
        await ctx.operator.post('/v1/compatibility/rebuild', {});
        await waitForCompatibility(ctx.operator);
      });
      return [
        ['PUT /v1/inventory one server, unchanged (baseline)', unchanged],
        ['PUT /v1/inventory one server, changed (recompute 1 × 50)', changed],
        ['PATCH /v1/platforms/{id} description (baseline)', described],
        ['PATCH /v1/platforms/{id} requirements (answer; the pass runs on the queue)', passes],
        [`requirement change until fresh everywhere (pass over ${ctx.size} on the queue)`, { p50: Math.round(median(completions)), p99: Math.round(Math.max(...completions)), rps: 0 }],
        [`full rebuild (${ctx.size} servers × 50 platforms) on the queue, until fresh`, rebuild],
      ];
    },
  },
);

/**
 * The bundle (gzip size of every module `wrangler deploy` would upload) and the cold start (workerd
 * started with the bundle until its first /healthz answer) beside a bare Worker's with the same
 * bindings and one without, median of three.
 */
SCENARIOS.push({
  name: 'startup',
  async run(ctx) {
    const files = readdirSync(ctx.bundleDir, { recursive: true }).filter((f) => /\.(js|mjs|wasm|txt|html|css)$/.test(String(f)) && !String(f).endsWith('.map'));
    const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(join(ctx.bundleDir, String(f)))).length, 0) / 1024;
    ctx.target('bundle gzip vs 350 KiB', gzip, 350, 'KiB', { max: 1 });
    const port = 8990;
    // Locally, workerd also starts the emulation of every binding (D1, Durable Objects, Queues,
    // assets) before any Worker code runs; on Cloudflare those are services, not startup work. The
    // target compares against a Worker that only answers "ok" with the same bindings, so the ratio
    // is what our code costs; the bindingless Worker is printed beside it.
    const runs = { bare: [], bindings: [], bundle: [] };
    for (let i = 0; i < 3; i++) {
      for (const kind of Object.keys(runs)) runs[kind].push(await coldStart({ kind, outdir: ctx.bundleDir, envFile: ctx.envFile, port }));
    }
    const [bare, bindings, ours] = [runs.bare, runs.bindings, runs.bundle];
    ctx.target('cold start to first /healthz vs a bare Worker with the same bindings', median(ours), median(bindings), 'ms', { max: 2 });
    // What Swagger UI's static assets cost every other request: the same bundle without them, then with.
    const one = { connections: 1 };
    const served = {};
    for (const assets of [false, true]) {
      const s = await serveBundle({ outdir: ctx.bundleDir, envFile: ctx.envFile, port, assets });
      try {
        await ctx.measureUrl(s.baseUrl, { path: '/healthz' }, { ...one, duration: 1 });
        served[assets] = await ctx.measureUrl(s.baseUrl, { path: '/healthz' }, one);
      } finally {
        await s.stop();
      }
    }
    return [
      ['GET /healthz, bundle without static assets, 1 connection', served.false],
      [`GET /healthz, bundle with Swagger UI as static assets, 1 connection: +${(served.true.p50 - served.false.p50).toFixed(2)} ms p50`, served.true],
      [`cold start, bare Worker without bindings (rounds ${bare.map(Math.round).join(', ')} ms)`, { p50: Math.round(median(bare)), p99: Math.round(Math.max(...bare)), rps: 0 }],
      [`cold start, bare Worker with the same bindings (baseline; rounds ${bindings.map(Math.round).join(', ')} ms)`, { p50: Math.round(median(bindings)), p99: Math.round(Math.max(...bindings)), rps: 0 }],
      [`cold start, InPlace (rounds ${ours.map(Math.round).join(', ')} ms; bundle ${gzip.toFixed(0)} KiB gzip)`, { p50: Math.round(median(ours)), p99: Math.round(Math.max(...ours)), rps: 0 }],
    ];
  },
});

// Benchmark scenarios, run by scripts/bench.mjs for each inventory size. Each returns
// [label, {p50, p99, rps}] pairs measured with ctx.measure (autocannon on loopback).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { benchCatalog, generateInventory } from '../lib/demo-data.mjs';
import { coldStart, serveBundle } from '../lib/local-service.mjs';
import { waitForCompatibility } from '../lib/seed.mjs';

/**
 * Requirement changes (and description PATCHes) measured per run: even, so the platform ends as
 * seeded. Eight, not four: one PATCH took 13–54 ms at 100,000 servers from a quiet service, and the
 * ratio of two 4-sample medians read 0.58× to 2.81× in five runs of one afternoon's code.
 */
const PATCH_ROUNDS = 8;
const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (v) => Math.round(v * 100) / 100;

/**
 * A Node floor of minting and verifying (scripts/bench/floor.mjs) in a process of its own, answering
 * one round at a time: `round('sign', 1000)` gives {ms, cpuMs}. Pinned to one core, as the Worker
 * has (an isolate signs and verifies on its own thread, while Node's WebCrypto hands every operation
 * to its thread pool, which spreads 1,000 signatures over every core): the targets' baseline; on
 * every core, as the issue first measured it: printed beside it.
 */
function floorProcess(pinned) {
  const floor = fileURLToPath(new URL('./floor.mjs', import.meta.url));
  const child = pinned ? spawn('taskset', ['-c', '0', process.execPath, floor], { stdio: ['pipe', 'pipe', 'inherit'] }) : spawn(process.execPath, [floor], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async round(what, n) {
      child.stdin.write(`${what} ${n}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error('the Node floor process ended');
      return JSON.parse(value);
    },
    close: () => child.stdin.end(),
  };
}

/**
 * CPU time (ms, every thread) of the workerd process this benchmark started, as a function to read
 * it again; null where /proc does not say (not Linux) or several run. Locally workerd runs the Worker,
 * D1 and the HTTP server in that one process, so its CPU per request is what serving it costs, which
 * the load others put on a shared machine does not change (it changes waiting for a core).
 */
function workerdCpu() {
  if (!existsSync('/proc/self/stat')) return null;
  const stat = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = (text) => text.slice(text.lastIndexOf(')') + 2).split(' ');
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && existsSync(`/proc/${p}/stat`));
  const workerd = pids.filter((p) => {
    try {
      const text = stat(p);
      return text.includes('(workerd)') && Number(fields(text)[1]) === process.pid;
    } catch {
      return false;
    }
  });
  if (workerd.length !== 1) return null;
  const tickMs = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout || 100);
  return () => {
    const f = fields(stat(workerd[0]));
    return (Number(f[11]) + Number(f[12])) * tickMs;
  };
}

/** One request's wall time in ms (the body read whole), failing on anything but 2xx. */
async function timed(baseUrl, { method = 'GET', path, headers, body }) {
  const t0 = performance.now();
  const res = await fetch(new URL(path, baseUrl), { method, headers, body });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}`);
  return performance.now() - t0;
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
 *
 * The targets compare the Worker with the Node floors in PAIRS interleaved pairs: one mint, one floor
 * round of 1,000 signatures, one verify, one floor round of 100 verifications, and so on, medians of
 * each. Measured seconds apart (as three rounds of autocannon then the floors were), a burst of load
 * from others on a shared machine fell on one side only and decided the ratio. The CPU time workerd
 * spends per mint is printed beside the floor's (no target).
 */
const PAIRS = 15;
SCENARIOS.push({
  name: 'hardware-ids',
  async run(ctx) {
    const customer = ctx.operator.as(ctx.seeded.customer.key);
    // A new object per request: autocannon adds its content-length to the headers it is given.
    const headers = () => ({ authorization: `Bearer ${ctx.seeded.customer.key}`, 'content-type': 'application/json' });
    const mint = (scope) => ({ method: 'POST', path: '/v1/hardware-ids', headers: headers(), body: JSON.stringify({ scope, maxUses: 1000, ttlSeconds: 3600 }) });
    const pool = (await customer.post('/v1/hardware-ids', { scope: 'server', maxUses: 1000, ttlSeconds: 3600 })).items.map((i) => i.id);
    const lists = Array.from({ length: 10 }, (_, i) => JSON.stringify({ hardwareIds: pool.slice(i * 100, i * 100 + 100) }));
    let next = 0;
    const verify = () => ({ method: 'POST', path: '/v1/hardware-ids/verify', headers: headers(), body: lists[next++ % lists.length] });
    const pinned = cpus().length > 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
    const floors = { oneCore: pinned ? floorProcess(true) : null, allCores: floorProcess(false) };
    const cpu = workerdCpu();
    const samples = { mint: [], mintCpu: [], verify: [], sign: [], signCpu: [], verified: [], allSign: [], allVerified: [] };
    try {
      // Warm-up (compiling the code paths on both sides), not counted.
      await ctx.measure(verify, { connections: 1, duration: 1 });
      for (const f of Object.values(floors)) if (f) for (const what of ['sign', 'verify']) await f.round(what, what === 'sign' ? pool.length : 100);
      await timed(ctx.baseUrl, mint('server'));
      const target = floors.oneCore ?? floors.allCores;
      for (let i = 0; i < PAIRS; i++) {
        const before = cpu?.();
        samples.mint.push(await timed(ctx.baseUrl, mint('server')));
        if (cpu) samples.mintCpu.push(cpu() - before);
        const signed = await target.round('sign', pool.length);
        samples.sign.push(signed.ms);
        samples.signCpu.push(signed.cpuMs);
        samples.verify.push(await timed(ctx.baseUrl, verify()));
        samples.verified.push((await target.round('verify', 100)).ms);
        samples.allSign.push((await floors.allCores.round('sign', pool.length)).ms);
        samples.allVerified.push((await floors.allCores.round('verify', 100)).ms);
      }
    } finally {
      for (const f of Object.values(floors)) f?.close();
    }
    const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    const cores = pinned ? 'one core' : 'every core: taskset could not pin one';
    const cpuNote = cpu ? `; CPU per mint: workerd ${ms(mean(samples.mintCpu))} ms, floor ${ms(mean(samples.signCpu))} ms` : '';
    ctx.target(`mint ${pool.length} IDs (1 connection) vs Node floor (${pool.length} jose signatures, ${cores}), medians of ${PAIRS} interleaved pairs${cpuNote}`, median(samples.mint), median(samples.sign), 'ms', { max: 1.3 });
    ctx.target(`verify 100 IDs (1 connection) vs Node floor (100 jose verifications, ${cores}), medians of ${PAIRS} interleaved pairs`, median(samples.verify), median(samples.verified), 'ms', { max: 2 });
    const row = (values) => ({ p50: ms(median(values)), p99: ms(Math.max(...values)), rps: 0 });
    return [
      [`POST /v1/hardware-ids scope=server (${pool.length} IDs), 1 connection (${PAIRS}, interleaved with the floor)`, row(samples.mint)],
      ...(cpu ? [[`  workerd CPU per mint of ${pool.length} IDs (the Worker, D1 and HTTP; mean of ${PAIRS}, p99 column: max)`, { p50: ms(mean(samples.mintCpu)), p99: ms(Math.max(...samples.mintCpu)), rps: 0 }]] : []),
      [`Node floor: ${pool.length} jose signatures, ${pinned ? "one core (the target's)" : 'every core'}`, row(samples.sign)],
      [`  Node floor CPU per ${pool.length} signatures (mean of ${PAIRS}, p99 column: max)`, { p50: ms(mean(samples.signCpu)), p99: ms(Math.max(...samples.signCpu)), rps: 0 }],
      ...(pinned ? [[`Node floor: ${pool.length} jose signatures, every core`, row(samples.allSign)]] : []),
      [`POST /v1/hardware-ids/verify (100 IDs), 1 connection (${PAIRS}, interleaved with the floor)`, row(samples.verify)],
      [`Node floor: 100 jose verifications, ${pinned ? "one core (the target's)" : 'every core'}`, row(samples.verified)],
      ...(pinned ? [['Node floor: 100 jose verifications, every core', row(samples.allVerified)]] : []),
      [`POST /v1/hardware-ids scope=server (${pool.length} IDs)`, await ctx.measure(mint('server'))],
      ['POST /v1/hardware-ids scope=rack', await ctx.measure(mint('rack'))],
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
/** p50, p99 and the rate of steps timed one after the other (ms each). */
const stats = (times) => {
  const sorted = times.toSorted((a, b) => a - b);
  const at = (q) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p99: at(0.99), rps: 1000 / (times.reduce((a, b) => a + b, 0) / times.length), total: times.length };
};
const sequential = async (n, fn) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    // A step may time itself (its own span, in ms) when part of it is not what is measured.
    const own = await fn(i);
    times.push(typeof own === 'number' ? own : performance.now() - t0);
  }
  return stats(times);
};
/** A request's wall time in ms. */
const span = async (step) => {
  const t0 = performance.now();
  await step();
  return performance.now() - t0;
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
      // Platform 4 (provider 3): its requirements flip and are then put back as seeded (an even number of changes).
      const original = benchCatalog(ctx.seeded.platformIds.length)[3].body.requirements;
      const provider = ctx.operator.as(ctx.seeded.providers[3].key);
      const patch = (body) => provider.patch(`/v1/platforms/${ctx.seeded.platformIds[3]}`, body);
      const customer = { authorization: `Bearer ${ctx.seeded.customer.key}` };
      // Both PATCHes are measured alike: each from a quiet service (the queue drained: every pass done,
      // every site's released records and census refreshed), a description then a requirement change in
      // turn. Measured right after the changed PUTs above or a pass, a PATCH would time whichever
      // refresh it happened to wait for, not its own cost.
      const described = [];
      const revised = [];
      const completions = [];
      const during = [];
      for (let i = 0; i < PATCH_ROUNDS; i++) {
        await waitForCompatibility(ctx.operator);
        described.push(await span(() => patch({ description: `bench ${i}` })));
        await waitForCompatibility(ctx.operator);
        // The requirement change answers at once; its pass and the census run on the queue until everything is fresh.
        const t0 = performance.now();
        revised.push(await span(() => patch({ requirements: i % 2 ? original : { requiredTraits: ['avx512'] } })));
        // Meanwhile, what a request waits for the queue's work (a customer's GET /v1/account, one at a time).
        for (;;) {
          const status = await ctx.operator.get('/v1/compatibility/status');
          if (status.fresh) break;
          during.push(await span(() => timed(ctx.baseUrl, { path: '/v1/account', headers: customer })));
        }
        completions.push(performance.now() - t0);
      }
      const descriptions = stats(described);
      const passes = stats(revised);
      ctx.target('PATCH requirements p50 vs PATCH description p50, each from a quiet service', passes.p50, descriptions.p50, 'ms', { max: 2 });
      ctx.target(`requirement change: pass over ${ctx.size} servers and every site's census fresh vs 30 s`, median(completions), 30_000, 'ms', { max: 1 });
      const rebuild = await sequential(1, async () => {
        await ctx.operator.post('/v1/compatibility/rebuild', {});
        await waitForCompatibility(ctx.operator);
      });
      return [
        ['PUT /v1/inventory one server, unchanged (baseline)', unchanged],
        ['PUT /v1/inventory one server, changed (recompute 1 × 50)', changed],
        ['PATCH /v1/platforms/{id} description, from a quiet service (baseline)', descriptions],
        ['PATCH /v1/platforms/{id} requirements, from a quiet service (answer; the pass runs on the queue)', passes],
        ['GET /v1/account while a requirement change recomputes (printed, no target)', stats(during)],
        [`requirement change until fresh everywhere (pass over ${ctx.size} and the census on the queue)`, { p50: Math.round(median(completions)), p99: Math.round(Math.max(...completions)), rps: 0 }],
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

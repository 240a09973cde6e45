// Benchmark scenarios, run by scripts/bench.mjs for each inventory size. Each returns
// [label, {p50, p99, rps}] pairs measured with ctx.measure (autocannon on loopback).
import { benchCatalog, generateInventory } from '../lib/demo-data.mjs';

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
    return [
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
const sequential = async (n, fn) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
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
      const out = [];
      for (const scope of ['server', 'rack', 'site']) {
        out.push([`GET mip-list?scope=${scope} (1,000 servers × 50 platforms)`, await ctx.measure({ path: `/v1/customers/${customer.id}/mip-list?scope=${scope}`, headers })]);
      }
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
      const passes = await sequential(2, (i) => patch({ requirements: i ? original : { requiredTraits: ['avx512'] } }));
      const rebuild = await sequential(1, async () => {
        let cursor;
        do cursor = (await ctx.operator.post('/v1/compatibility/rebuild', cursor ? { cursor } : {})).nextCursor ?? undefined;
        while (cursor);
      });
      return [
        ['PUT /v1/inventory one server, unchanged (baseline)', unchanged],
        ['PUT /v1/inventory one server, changed (recompute 1 × 50)', changed],
        ['PATCH /v1/platforms/{id} description (baseline)', described],
        [`PATCH /v1/platforms/{id} requirements (pass over ${ctx.size})`, passes],
        [`full rebuild (${ctx.size} servers × 50 platforms), total`, rebuild],
      ];
    },
  },
);

// Benchmark scenarios, run by scripts/bench.mjs for each inventory size. Each returns
// [label, {p50, p99, rps}] pairs measured with ctx.measure (autocannon on loopback).

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
    const lists = Array.from({ length: 10 }, (_, i) => JSON.stringify({ ids: pool.slice(i * 100, i * 100 + 100) }));
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
 * The SBC hot path. Baseline: GET /healthz, a bare handler in the same Worker. Then the decision
 * API, the proxy to a local upstream (one fresh session per call, so nothing is remembered by a
 * cookie), and the same upstream called directly; the proxy's overhead is its p50 minus the direct p50.
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
    const bare = await ctx.measure({ path: '/healthz' });
    const route = await ctx.measure(decision);
    const proxied = await ctx.measure(viaSbc);
    const direct = await ctx.measureUrl(platform.upstreamUrl, { path: '/ping' });
    return [
      ['SBC baseline: GET /healthz (bare handler)', bare],
      [`GET /v1/sbc/route (decision; ${(route.rps / bare.rps).toFixed(2)}× baseline throughput)`, route],
      [`ANY /sbc/{customer}/ping (proxy; p50 overhead ${(proxied.p50 - direct.p50).toFixed(2)} ms)`, proxied],
      ['upstream called directly (same local server)', direct],
    ];
  },
});

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

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

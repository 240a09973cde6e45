import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { getDb } from '../../src/db';
import { bill, formatMicros } from '../../src/usage/billing';
import { flushUsage, recordUsage, utcDay } from '../../src/usage/recorder';
import { addUsage } from '../../src/usage/store';
import { bodyOf, call, expectProblem, expectStatus, offSchema, OPERATOR } from '../http';
import { createPlatform, dataCenter, place, putInventory, registerCustomer, registerProvider } from '../factories';

/** An execution context that keeps what was handed to waitUntil, so a test can await it. */
function context() {
  const pending: Promise<unknown>[] = [];
  return { waitUntil: (p: Promise<unknown>) => void pending.push(p), settle: () => Promise.all(pending), pending };
}

async function rows(principalId: string) {
  return (await env.DB.prepare('SELECT day, operation, count FROM usage_daily WHERE principal_id = ? ORDER BY operation').bind(principalId).all()).results;
}

describe('recordUsage', () => {
  it('writes rare operations at once (after the response) and adds to the same day’s line', async () => {
    const c = await registerCustomer();
    const ctx = context();
    recordUsage(env, ctx, c.id, 'hardware-ids');
    recordUsage(env, ctx, c.id, 'hardware-ids', 2);
    recordUsage(env, ctx, c.id, 'migrations');
    expect(ctx.pending.length).toBe(3);
    await ctx.settle();
    expect(await rows(c.id)).toEqual([
      { day: utcDay(Date.now()), operation: 'hardware-ids', count: 3 },
      { day: utcDay(Date.now()), operation: 'migrations', count: 1 },
    ]);
  });

  it('keeps SBC calls in memory until the batch is due: no write per call', async () => {
    const c = await registerCustomer();
    const ctx = context();
    for (let i = 0; i < 250; i++) recordUsage(env, ctx, c.id, 'sbc-calls');
    expect(ctx.pending.length).toBe(0);
    expect(await rows(c.id)).toEqual([]);
    expect(await flushUsage(env)).toBe(1);
    expect(await rows(c.id)).toEqual([{ day: utcDay(Date.now()), operation: 'sbc-calls', count: 250 }]);
  });

  it('ignores counts that are not positive integers', async () => {
    const c = await registerCustomer();
    const ctx = context();
    for (const n of [0, -3, 1.5, Number.NaN]) recordUsage(env, ctx, c.id, 'compatibility-checks', n);
    expect(ctx.pending.length).toBe(0);
    expect(await flushUsage(env)).toBe(0);
  });
});

describe('bill', () => {
  it('prices daily and monthly lines exactly, in micro-units', () => {
    const counts = [
      { principalId: 'p', day: '2026-05-30', operation: 'sbc-calls', count: 1_000_001 },
      { principalId: 'p', day: '2026-05-31', operation: 'hardware-ids', count: 3 },
      { principalId: 'p', day: '2026-06-01', operation: 'migrations', count: 1 },
      { principalId: 'p', day: '2026-06-01', operation: 'retired-operation', count: 9 },
    ];
    const report = bill(counts);
    expect(report.daily.map((d) => [d.period, d.total])).toEqual([
      ['2026-05-30', '2.000002'],
      ['2026-05-31', '0.006000'],
      ['2026-06-01', '25.000000'],
    ]);
    expect(report.monthly).toEqual([
      {
        period: '2026-05',
        lines: [
          { operation: 'hardware-ids', unit: 'request', quantity: 3, unitPriceMicros: 2000, amountMicros: 6000, amount: '0.006000' },
          { operation: 'sbc-calls', unit: 'call', quantity: 1_000_001, unitPriceMicros: 2, amountMicros: 2_000_002, amount: '2.000002' },
        ],
        totalMicros: 2_006_002,
        total: '2.006002',
      },
      { period: '2026-06', lines: [{ operation: 'migrations', unit: 'migration', quantity: 1, unitPriceMicros: 25_000_000, amountMicros: 25_000_000, amount: '25.000000' }], totalMicros: 25_000_000, total: '25.000000' },
    ]);
    expect(report.total).toBe('27.006002');
    expect(formatMicros(-1_500_000)).toBe('-1.500000');
  });
});

describe('GET /v1/account/usage', () => {
  it('returns the principal’s own lines, including counts not yet written', async () => {
    const c = await registerCustomer();
    await addUsage(getDb(env.DB), [
      { principalId: c.id, day: '2026-01-15', operation: 'compatibility-checks', count: 4 },
    ]);
    recordUsage(env, context(), c.id, 'sbc-calls', 7);
    const today = utcDay(Date.now());
    const r = await call('GET', `/v1/account/usage?from=2026-01-01&to=${today}`, { key: c.key });
    expectStatus(r, 200);
    expect(r.body).toMatchObject({ principalId: c.id, currency: 'EUR', from: '2026-01-01', to: today });
    expect(r.body.daily.map((d) => [d.period, d.lines.map((l) => [l.operation, l.quantity])])).toEqual([
      ['2026-01-15', [['compatibility-checks', 4]]],
      [today, [['sbc-calls', 7]]],
    ]);
    expect(r.body.monthly.map((m) => m.period)).toEqual(['2026-01', today.slice(0, 7)]);
    expect(r.body.total).toBe('0.004014');
    expect(r.body.prices.map((p) => p.operation)).toEqual(['hardware-ids', 'compatibility-checks', 'migrations', 'sbc-calls']);
  });

  it('defaults to the last three months and is empty for a new principal', async () => {
    const p = await registerProvider();
    const r = await call('GET', '/v1/account/usage', { key: p.key });
    expectStatus(r, 200);
    expect(r.body.to).toBe(utcDay(Date.now()));
    expect(r.body.from.endsWith('-01')).toBe(true);
    expect(r.body).toMatchObject({ daily: [], monthly: [], totalMicros: 0, total: '0.000000' });
  });

  it('lets the operator read anyone’s usage, and nobody else', async () => {
    const c = await registerCustomer();
    const other = await registerCustomer();
    recordUsage(env, context(), c.id, 'hardware-ids', 5);
    const r = await call('GET', `/v1/account/usage?principalId=${c.id}`, { key: OPERATOR });
    expectStatus(r, 200);
    expect(r.body.principalId).toBe(c.id);
    expect(r.body.monthly[0].lines).toEqual([expect.objectContaining({ operation: 'hardware-ids', quantity: 5 })]);
    expectProblem(await call('GET', `/v1/account/usage?principalId=${c.id}`, { key: other.key }), 403, 'forbidden');
    expectProblem(await call('GET', '/v1/account/usage?principalId=cus_nobody', { key: OPERATOR }), 404, 'not-found');
  });

  it('validates the range', async () => {
    const c = await registerCustomer();
    const cases = ['from=2026-02-30', 'from=2026-03-01&to=2026-02-01', 'from=2024-01-01&to=2026-01-01', 'to=yesterday'];
    for (const q of cases) expectProblem(await call('GET', `/v1/account/usage?${q}`, { key: c.key }), 400, 'validation');
    expectProblem(await call('GET', '/v1/account/usage'), 401, 'unauthorized');
  });
});

describe('billable operations', () => {
  it('counts each hardware-ID request once, for the principal that made it; refused requests are free', async () => {
    const dc = dataCenter('bill', 1, 2, 1);
    await putInventory(dc);
    const p = await registerProvider();
    const plat = await createPlatform(p.key);
    const c = await registerCustomer();
    const stranger = await registerCustomer();
    await place(c.id, dc.serverIds, plat.id);
    for (const scope of ['server', 'rack', 'site'] as const) expectStatus(await call('POST', '/v1/hardware-ids', { key: c.key, body: { scope } }), 201);
    expectStatus(await call('POST', '/v1/hardware-ids', { key: p.key, body: { scope: 'row', customerId: c.id } }), 201);
    expectProblem(await call('POST', '/v1/hardware-ids', { key: stranger.key, body: { scope: 'row', customerId: c.id } }), 403, 'forbidden');
    // A scope the document does not list: refused, and not billed.
    expectProblem(await call('POST', '/v1/hardware-ids', { key: c.key, body: offSchema({ scope: 'galaxy' }) }), 400, 'validation');
    const lines = async (key: string) => bodyOf(await call('GET', '/v1/account/usage', { key }), 200).monthly.flatMap((m) => m.lines.map((l) => [l.operation, l.quantity]));
    expect(await lines(c.key)).toEqual([['hardware-ids', 3]]);
    expect(await lines(p.key)).toEqual([['hardware-ids', 1]]);
    expect(await lines(stranger.key)).toEqual([]);
  });
});

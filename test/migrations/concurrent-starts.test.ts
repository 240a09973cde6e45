import { describe, expect, it } from 'vitest';
import { bodyOf, call, expectProblem, expectStatus } from '../http';
import { coordinator, start, world } from './world';

describe('concurrent starts for one customer', () => {
  it('create exactly one migration; every other start is refused 409 problem+json, none 5xx', async () => {
    const w = await world();
    const replies = await Promise.all(Array.from({ length: 40 }, () => start(w)));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 201)) expectProblem(r, 409, 'conflict');
    expect(bodyOf(await call('GET', '/v1/migrations', { key: w.customer.key }), 200).items).toHaveLength(1);
  });

  it('refuses a start while another is being prepared, and lets it through once that one is released', async () => {
    const w = await world();
    const held = coordinator(w.customer.id);
    expect(await held.reserveStart('another-request')).toEqual({ ok: true, value: null });
    const refused = await start(w);
    expectProblem(refused, 409, 'conflict');
    expect(refused.body.detail).toBe('Another start of a migration for this customer is being prepared; retry in a few seconds.');
    await held.releaseStart('another-request');
    expectStatus(await start(w), 201);
  });

  it('releases the hold when the start it covered is refused, so the next start need not wait', async () => {
    const w = await world();
    const sameTarget = await start(w, { body: { customerId: w.customer.id, targetPlatformId: w.platformA.id } });
    expectProblem(sameTarget, 422, 'unprocessable');
    expectStatus(await start(w), 201);
  });

  it('does not let a provider hold starts for a customer it does not act for', async () => {
    const w = await world();
    const other = await start(w, { key: w.providerB.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id } });
    expectProblem(other, 422, 'unprocessable');
    expectStatus(await start(w), 201);
  });
});

import { describe, expect, it } from 'vitest';
import { USAGE_PRICES } from '../../src/constants';
import { bodyOf, call, expectStatus } from '../http';
import { deployAll, mintIds, progress, start, steer, world } from '../migrations/world';

/** The `migrations` line of this month's bill, or undefined when there is none. */
async function migrationsBilled(key: string) {
  const usage = await call('GET', '/v1/account/usage', { key });
  expectStatus(usage, 200);
  return usage.body.monthly.flatMap((m) => m.lines).find((l) => l.operation === 'migrations');
}

describe('billing of migrations', () => {
  it('bills nothing for a migration cancelled while deploying', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    expect(bodyOf(await steer(id, 'accept', w.providerB.key), 200).state).toBe('deploying');
    expect(bodyOf(await steer(id, 'cancel', w.customer.key), 200).state).toBe('cancelled');
    expect(await migrationsBilled(w.customer.key)).toBeUndefined();
  });

  it('bills the customer that started it once, when the first segment has moved, even if it is then rolled back', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    await steer(id, 'accept', w.providerB.key);
    await deployAll(w);
    expectStatus(await progress(id, w.providerB.key, 0, 4), 200);
    expect(await migrationsBilled(w.customer.key)).toBeUndefined();
    await progress(id, w.providerB.key, 1, 4);
    await progress(id, w.providerB.key, 2, 4);
    await progress(id, w.providerB.key, 2, 4);
    expectStatus(await steer(id, 'rollback', w.customer.key), 200);
    expect(await migrationsBilled(w.customer.key)).toMatchObject({ quantity: 1, amountMicros: USAGE_PRICES.migrations.priceMicros });
    expect(await migrationsBilled(w.providerB.key)).toBeUndefined();
  });

  it('bills the provider that started it, not the customer that approved it', async () => {
    const w = await world();
    const hardwareIds = await mintIds(w, { audience: [w.providerB.id] });
    const started = await start(w, { key: w.providerB.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, hardwareIds } });
    expectStatus(started, 201);
    await steer(started.body.id, 'approve', w.customer.key);
    await deployAll(w);
    await progress(started.body.id, w.providerB.key, 4, 4);
    expect(await migrationsBilled(w.providerB.key)).toMatchObject({ quantity: 1 });
    expect(await migrationsBilled(w.customer.key)).toBeUndefined();
  });
});

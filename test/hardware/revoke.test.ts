import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredHardwareIds, purgeExpiredHardwareIdsJob } from '../../src/hardware/revocation';
import { call, expectProblem, expectStatus, offSchema, type RequestBody } from '../http';
import { count, mint, mintOne, verify, world } from './helpers';

let w: Awaited<ReturnType<typeof world>>;
beforeAll(async () => {
  w = await world();
});

const revoke = (key: string, body: RequestBody<'POST', '/v1/hardware-ids/revoke'>) => call('POST', '/v1/hardware-ids/revoke', { key, body });

describe('POST /v1/hardware-ids/revoke', () => {
  it('revokes the given IDs only, once', async () => {
    const [a, b] = await mint(w.alice, { scope: 'row' });
    expect((await revoke(w.alice.key, { hardwareIds: [a] })).body).toEqual({ revoked: 1 });
    expect((await revoke(w.alice.key, { hardwareIds: [a] })).body).toEqual({ revoked: 0 });
    expectProblem(await verify(w.alice, [a!]), 403, 'hardware-id-refused');
    expectStatus(await verify(w.alice, [b!]), 200);
  });

  it('lets a customer revoke IDs its provider minted about its data, and the provider revoke its own', async () => {
    const byProvider = await mintOne(w.provider, { customerId: w.alice.id });
    expect((await revoke(w.alice.key, { hardwareIds: [byProvider] })).body).toEqual({ revoked: 1 });
    const again = await mintOne(w.provider, { customerId: w.alice.id });
    expect((await revoke(w.provider.key, { hardwareIds: [again] })).body).toEqual({ revoked: 1 });
  });

  it('refuses to revoke IDs the caller does not own, and revokes none of the list', async () => {
    const alices = await mintOne(w.alice, { audience: [w.bob.id] });
    const bobs = await mintOne(w.bob);
    const r = await revoke(w.bob.key, { hardwareIds: [bobs, alices] });
    expectProblem(r, 403, 'hardware-id-refused');
    expect(r.body.errors).toEqual([{ field: 'json.hardwareIds.1', message: 'not accepted' }]);
    expectStatus(await verify(w.bob, [alices]), 200);
    expectStatus(await verify(w.bob, [bobs]), 200);
  });

  it('revokes every live ID the caller owns with all: true, and nobody else’s', async () => {
    const bobs = await mintOne(w.bob);
    await mint(w.alice, { scope: 'server' });
    const byProvider = await mintOne(w.provider, { customerId: w.alice.id });
    const r = await revoke(w.alice.key, { all: true });
    expectStatus(r, 200);
    expect(r.body.revoked).toBeGreaterThanOrEqual(6);
    expectProblem(await verify(w.provider, [byProvider]), 403, 'hardware-id-refused');
    expect((await revoke(w.alice.key, { all: true })).body).toEqual({ revoked: 0 });
    expectStatus(await verify(w.bob, [bobs]), 200);
  });

  it('takes either ids or all: true', async () => {
    // Neither a list nor `all: true`: the document takes exactly one of them.
    expectProblem(await revoke(w.alice.key, offSchema({ all: false })), 400, 'validation');
    expectProblem(await revoke(w.alice.key, offSchema({})), 400, 'validation');
  });
});

describe('cron: purge of expired IDs', () => {
  it('deletes aliases and grants past expiry (and the skew), and nothing live', async () => {
    await mint(w.alice, { scope: 'server', ttlSeconds: 60 });
    const live = [await count('hardware_id_grants'), await count('hardware_aliases')];
    expect(await purgeExpiredHardwareIds.run(env, Date.now())).toEqual({ aliases: 0, grants: 0, batches: 1 });
    const later = Date.now() + 86_400_000 + 31_000;
    expect(await purgeExpiredHardwareIds.run(env, later)).toEqual({ aliases: live[1], grants: live[0], batches: 1 });
    expect([await count('hardware_id_grants'), await count('hardware_aliases')]).toEqual([0, 0]);
  });

  it('deletes batch after batch in one run, up to its limit, and the rest on the next run', async () => {
    await mint(w.alice, { scope: 'server' });
    for (let i = 0; i < 3; i++) await mint(w.alice, { scope: 'server', ttlSeconds: 60 });
    const later = Date.now() + 60_000 + 31_000;
    // Alice has five servers: one live grant of 5 aliases, three expired grants of 5.
    const job = purgeExpiredHardwareIdsJob(4, 2);
    const first = await job.run(env, later);
    expect(first).toMatchObject({ aliases: 8, batches: 2 });
    expect(await count('hardware_aliases')).toBe(5 + 7);
    const second = await job.run(env, later);
    expect(second).toMatchObject({ aliases: 7, batches: 2 });
    expect(first.grants! + second.grants!).toBe(3);
    expect([await count('hardware_id_grants'), await count('hardware_aliases')]).toEqual([1, 5]);
    expect(await job.run(env, later)).toEqual({ aliases: 0, grants: 0, batches: 1 });
  });
});

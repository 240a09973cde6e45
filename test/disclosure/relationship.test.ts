/**
 * Relationships end, access ends: a provider that stops being the customer's current provider
 * (cutover, placement change) holds no working hardware ID for the customer any more, and IDs
 * naming a server stop working once the customer's data has left it.
 */
import { describe, expect, it } from 'vitest';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR } from '../http';
import { createPlatform } from '../factories';
import { deployAll, progress, start, world, type World } from '../migrations/world';

const SCOPES = ['server', 'rack', 'row', 'site'] as const;

/** IDs at every scope minted by `caller` for the customer (audience: `audience`, default the caller). */
async function mintAll(w: World, caller: { id: string; key: string }, audience?: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const scope of SCOPES) {
    const body = { scope, maxUses: 50, ...(caller.id === w.customer.id ? {} : { customerId: w.customer.id }), ...(audience ? { audience } : {}) };
    const r = await call('POST', '/v1/hardware-ids', { key: caller.key, body });
    expectStatus(r, 201);
    ids.push(...r.body.items.map((i) => i.id));
  }
  return ids;
}

/** Each ID presented alone, so that every one is judged on its own. */
async function statuses(caller: { key: string }, ids: string[], platformId: string): Promise<number[]> {
  const out: number[] = [];
  for (const id of ids) out.push((await call('POST', '/v1/compatibility', { key: caller.key, body: { hardwareIds: [id], platformId } })).status);
  return out;
}

describe('relationships end, access ends', () => {
  it('right after the cutover, the former provider gets 403 for every ID it minted or was handed', async () => {
    const w = await world({ autoAccept: true });
    const minted = await mintAll(w, w.providerA);
    const handed = await mintAll(w, w.customer, [w.providerA.id]);
    expect(await statuses(w.providerA, [...minted, ...handed], w.platformA.id)).toEqual([...minted, ...handed].map(() => 200));
    const forB = await mintAll(w, w.customer, [w.providerB.id]);

    const started = await start(w);
    expectStatus(started, 201);
    expect(started.body.state).toBe('deploying');
    await deployAll(w);
    expect(bodyOf(await progress(started.body.id, w.providerB.key, 1, 1), 200).state).toBe('completed');

    for (const id of [...minted, ...handed]) {
      expectProblem(await call('POST', '/v1/compatibility', { key: w.providerA.key, body: { hardwareIds: [id], platformId: w.platformA.id } }), 403, 'hardware-id-refused');
      expectProblem(await call('POST', '/v1/hardware-ids/verify', { key: w.providerA.key, body: { hardwareIds: [id] } }), 403, 'hardware-id-refused');
    }
    // The new current provider's IDs keep working; the former one may not mint any more.
    expect(await statuses(w.providerB, forB, w.platformB.id)).toEqual(forB.map(() => 200));
    const again = await call('POST', '/v1/hardware-ids', { key: w.providerA.key, body: { scope: 'site', customerId: w.customer.id } });
    expectStatus(again, 403);
  }, 30_000);

  it('a placement change that moves the customer to another provider ends the old one’s IDs at once', async () => {
    const w = await world();
    const minted = await mintAll(w, w.providerA);
    const handed = await mintAll(w, w.customer, [w.providerA.id]);
    const placements = w.serverIds.map((serverId) => ({ customerId: w.customer.id, serverId, platformId: w.platformB.id, storageAddress: `iscsi://s/${serverId}` }));
    expectStatus(await call('PUT', '/v1/placements', { key: OPERATOR, body: { placements } }), 200);
    expect(await statuses(w.providerA, [...minted, ...handed], w.platformA.id)).toEqual([...minted, ...handed].map(() => 403));
  }, 30_000);

  it('when the customer’s data leaves a server, IDs naming that server stop working for the customer and its provider', async () => {
    const w = await world({ servers: 2 });
    const own = await createPlatform(w.providerA.key);
    const byCustomer = bodyOf(await call('POST', '/v1/hardware-ids', { key: w.customer.key, body: { scope: 'server', audience: [w.customer.id, w.providerA.id], maxUses: 50 } }), 201).items.map((i) => i.id);
    const byProvider = bodyOf(await call('POST', '/v1/hardware-ids', { key: w.providerA.key, body: { scope: 'server', customerId: w.customer.id, maxUses: 50 } }), 201).items.map((i) => i.id);
    const [rack] = bodyOf(await call('POST', '/v1/hardware-ids', { key: w.customer.key, body: { scope: 'rack', maxUses: 50 } }), 201).items.map((i) => i.id);
    const removed = await call('PUT', '/v1/placements', { key: OPERATOR, body: { remove: [{ customerId: w.customer.id, serverId: w.serverIds[0] }] } });
    expectStatus(removed, 200);
    // One of the two server IDs named the server the data left: exactly one of each pair now fails.
    expect((await statuses(w.customer, byCustomer, own.id)).sort()).toEqual([200, 403]);
    expect((await statuses(w.providerA, byCustomer, own.id)).sort()).toEqual([200, 403]);
    expect((await statuses(w.providerA, byProvider, own.id)).sort()).toEqual([200, 403]);
    // The rack still holds the customer's other server: its ID keeps working.
    expect(await statuses(w.customer, [rack], own.id)).toEqual([200]);
  }, 30_000);
});

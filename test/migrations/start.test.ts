import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR } from '../http';
import { createPlatform, place, putInventory, registerCustomer, registerProvider, server } from '../factories';
import { coordinator, leased, mintIds, start, steer, world, type World } from './world';

describe('hardware IDs at start', () => {
  it('accepts the customer’s own IDs covering all of its data', async () => {
    const w = await world();
    const r = await start(w, { body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, hardwareIds: await mintIds(w, { scope: 'rack' }) } });
    expectStatus(r, 201);
  });

  it('refuses a provider without hardware IDs, or with IDs not meant for it', async () => {
    const w = await world();
    const body = { customerId: w.customer.id, targetPlatformId: w.platformB.id };
    const r = await start(w, { key: w.providerB.key, body });
    expectProblem(r, 422, 'unprocessable');
    expect(r.body.errors).toEqual([{ field: 'json.hardwareIds', message: 'required' }]);
    const notForB = await mintIds(w, { audience: [w.providerA.id] });
    expectProblem(await start(w, { key: w.providerB.key, body: { ...body, hardwareIds: notForB } }), 403, 'hardware-id-refused');
    expect(bodyOf(await call('GET', '/v1/migrations', { key: w.customer.key }), 200).items).toEqual([]);
  });

  it('refuses IDs of another customer’s hardware, and IDs that leave some data out', async () => {
    const w = await world();
    const other = await world();
    const foreign = await mintIds(other, { audience: [w.providerB.id] });
    expectProblem(await start(w, { key: w.providerB.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, hardwareIds: foreign } }), 403, 'hardware-id-refused');
    const [one] = await mintIds(w, { audience: [w.providerB.id] });
    const partial = await start(w, { key: w.providerB.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, hardwareIds: [one] } });
    expectProblem(partial, 422, 'unprocessable');
    expect(partial.body.errors).toEqual([{ field: 'json.hardwareIds', message: '1 of the customer’s servers are not covered' }]);
  });

  it('gives the use back when the start is refused', async () => {
    const w = await world();
    await start(w);
    const r = await call('POST', '/v1/hardware-ids', { key: w.customer.key, body: { scope: 'site', audience: [w.providerB.id], maxUses: 1 } });
    expectStatus(r, 201);
    const ids = r.body.items.map((i) => i.id);
    const body = { customerId: w.customer.id, targetPlatformId: w.platformB.id, hardwareIds: ids };
    expectProblem(await start(w, { key: w.providerB.key, body }), 409, 'conflict');
    // Single-use: had the refused start kept its use, this would be refused as used up.
    const verify = await call('POST', '/v1/hardware-ids/verify', { key: w.providerB.key, body: { hardwareIds: ids } });
    expectStatus(verify, 200);
    expect(verify.body.items[0].usesLeft).toBe(0);
  });
});

/** Two placements on servers without `tdx`, and a third server in the same rack with it and room. */
async function tdxWorld() {
  const tag = `tdx${crypto.randomUUID().slice(0, 6)}`;
  const rack = `${tag}-k1`;
  await putInventory({
    sites: [{ id: tag, name: tag, region: 'eu' }],
    rows: [{ id: `${tag}-r1`, siteId: tag, name: 'r1' }],
    racks: [{ id: rack, rowId: `${tag}-r1`, name: 'k1' }],
    servers: [server(`${rack}-v1`, rack), server(`${rack}-v2`, rack), server(`${rack}-v3`, rack, { traits: ['sev', 'tdx'] })],
  });
  const [providerA, providerB, customer] = [await registerProvider(), await registerProvider(), await registerCustomer()];
  const platformA = await createPlatform(providerA.key);
  const platformB = await createPlatform(providerB.key, { requirements: { requiredTraits: ['tdx'] } });
  await place(customer.id, [`${rack}-v1`, `${rack}-v2`], platformA.id);
  const agents = [];
  for (const serverId of [`${rack}-v1`, `${rack}-v2`, `${rack}-v3`]) {
    const r = await call('POST', '/v1/api-keys', { key: OPERATOR, body: { agentFor: serverId } });
    expectStatus(r, 201);
    agents.push({ serverId, key: r.body.key as string });
  }
  return { customer, providerA, providerB, platformA, platformB, agents, serverIds: [`${rack}-v1`, `${rack}-v2`], rack } as World & { rack: string };
}

describe('compatibility re-checked at start', () => {
  it('refuses a target that does not fit the customer’s servers, with the reasons', async () => {
    const w = await tdxWorld();
    const r = await start(w);
    expectProblem(r, 422, 'unprocessable');
    expect(r.body.detail).toBe('The target platform does not fit 2 of the customer’s 2 servers at scope server.');
    expect(r.body.errors).toEqual([{ field: 'targetPlatformId', message: 'missing trait tdx (2 servers)' }]);
  });

  it('at rack scope, deploys to a compatible server with room in the same rack', async () => {
    const w = await tdxWorld();
    const r = await start(w, { body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, scope: 'rack' } });
    expectStatus(r, 201);
    await steer(r.body.id, 'accept', w.providerB.key);
    expect(await leased(w.agents[0]!.key)).toEqual([]);
    expect((await leased(w.agents[2]!.key)).map((t) => t.payload.storageAddress).sort()).toEqual(
      w.serverIds.map((s) => `iscsi://storage/${w.customer.id}/${s}`).sort(),
    );
  });

  it('never trusts a stale materialised list', async () => {
    const w = await world();
    // The server loses its trait behind the service's back: the materialised table still approves.
    await env.DB.prepare(`UPDATE servers SET traits = '[]' WHERE id IN (?, ?)`).bind(w.serverIds[0], w.serverIds[1]).run();
    await call('PATCH', `/v1/platforms/${w.platformB.id}`, { key: w.providerB.key, body: { description: 'now needs sev' } });
    const needsSev = await call('PATCH', `/v1/platforms/${w.platformB.id}`, { key: w.providerB.key, body: { requirements: { requiredTraits: ['sev'] } } });
    expectStatus(needsSev, 200);
    await env.DB.prepare(`UPDATE servers SET traits = '["sev"]' WHERE id = ?`).bind(w.serverIds[0]).run();
    const r = await start(w);
    expectProblem(r, 422, 'unprocessable');
    expect(r.body.errors).toEqual([{ field: 'targetPlatformId', message: 'missing trait sev (1 servers)' }]);
    expect((await coordinator(w.customer.id).audit()).migrations).toEqual([]);
  });
});

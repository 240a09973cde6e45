import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, expectStatus, OPERATOR } from '../http';
import { createPlatform, dataCenter, place, putInventory, registerCustomer, registerProvider } from '../factories';

async function placementsOf(customerId: string) {
  return (await env.DB.prepare('SELECT server_id, platform_id FROM placements WHERE customer_id = ? ORDER BY server_id').bind(customerId).all()).results;
}

describe('PUT /v1/placements', () => {
  it('records, updates and removes placements', async () => {
    const dc = dataCenter('pl', 1, 1, 3);
    await putInventory(dc);
    const p = await registerProvider();
    const plat = await createPlatform(p.key);
    const c = await registerCustomer();
    await place(c.id, dc.serverIds.slice(0, 2), plat.id);
    expect(await placementsOf(c.id)).toEqual([
      { server_id: dc.serverIds[0], platform_id: plat.id },
      { server_id: dc.serverIds[1], platform_id: plat.id },
    ]);
    const r = await call('PUT', '/v1/placements', { key: OPERATOR, body: { remove: [{ customerId: c.id, serverId: dc.serverIds[0] }] } });
    expect(r.body).toEqual({ upserted: 0, removed: 1 });
    expect(await placementsOf(c.id)).toEqual([{ server_id: dc.serverIds[1], platform_id: plat.id }]);
    const list = await call('GET', `/v1/placements?customerId=${c.id}`, { key: OPERATOR });
    expectStatus(list, 200);
    expect(list.body.items).toEqual([expect.objectContaining({ customerId: c.id, serverId: dc.serverIds[1], storageAddress: expect.stringContaining('iscsi://') })]);
  });

  it('refuses unknown customers, servers and platforms, writing nothing', async () => {
    const dc = dataCenter('plx', 1, 1, 2);
    await putInventory(dc);
    const p = await registerProvider();
    const plat = await createPlatform(p.key);
    const c = await registerCustomer();
    const r = await call('PUT', '/v1/placements', {
      key: OPERATOR,
      body: {
        placements: [
          { customerId: c.id, serverId: dc.serverIds[0], platformId: plat.id, storageAddress: 'nfs://a' },
          { customerId: c.id, serverId: 'ghost', platformId: plat.id, storageAddress: 'nfs://b' },
          { customerId: p.id, serverId: dc.serverIds[1], platformId: 'plt_nope', storageAddress: 'nfs://c' },
        ],
      },
    });
    expectProblem(r, 422, 'unprocessable');
    expect(r.body.errors).toEqual([
      { field: 'placements.1.serverId', message: 'no such server' },
      { field: 'placements.2.customerId', message: 'no such customer' },
      { field: 'placements.2.platformId', message: 'no such platform' },
    ]);
    expect(await placementsOf(c.id)).toEqual([]);
  });

  it('keeps a customer on one platform at a time', async () => {
    const dc = dataCenter('ply', 1, 1, 2);
    await putInventory(dc);
    const p = await registerProvider();
    const a = await createPlatform(p.key);
    const b = await createPlatform(p.key);
    const c = await registerCustomer();
    await place(c.id, [dc.serverIds[0]!], a.id);
    const r = await call('PUT', '/v1/placements', {
      key: OPERATOR,
      body: { placements: [{ customerId: c.id, serverId: dc.serverIds[1], platformId: b.id, storageAddress: 'nfs://x' }] },
    });
    expectProblem(r, 422, 'unprocessable');
    expect(await placementsOf(c.id)).toEqual([{ server_id: dc.serverIds[0], platform_id: a.id }]);
  });

  it('is for the operator only', async () => {
    const c = await registerCustomer();
    expectProblem(await call('PUT', '/v1/placements', { key: c.key, body: { placements: [] } }), 403, 'forbidden');
    expectProblem(await call('GET', '/v1/placements', { key: c.key }), 403, 'forbidden');
  });
});

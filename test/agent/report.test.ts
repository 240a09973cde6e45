import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createPlatform, dataCenter, putInventory, registerCustomer, registerProvider, settled } from '../factories';
import { bodyOf, call, expectProblem, expectStatus, offSchema, OPERATOR, type RequestBody, succeed } from '../http';

const { serverIds, ...inventory } = dataCenter(undefined, 1, 1, 3);
const identity = (i: number) => inventory.servers![i]!.identity;
let agentKeys: string[] = [];

async function agentKeyFor(serverId: string): Promise<string> {
  return (await succeed('POST', '/v1/api-keys', { key: OPERATOR, body: { agentFor: serverId } })).key;
}

async function serverRecord(id: string) {
  const r = await call('GET', `/v1/inventory/servers?rack=${inventory.racks![0]!.id}`, { key: OPERATOR });
  expectStatus(r, 200);
  return r.body.items.find((s) => s.id === id)!;
}

const report = (key: string, body: RequestBody<'POST', '/v1/agent/report'>) => call('POST', '/v1/agent/report', { key, body });

beforeAll(async () => {
  await putInventory(inventory);
  agentKeys = await Promise.all(serverIds.map(agentKeyFor));
});

describe('POST /v1/agent/report', () => {
  it('confirms a matching identity and unchanged properties without writing anything', async () => {
    const before = await serverRecord(serverIds[0]!);
    const r = await report(agentKeys[0]!, { identity: identity(0), properties: { cores: 64, memoryGib: 256, traits: ['sev'] } });
    expectStatus(r, 200);
    expect(r.body).toEqual({ identity: { matches: true, mismatched: [] }, properties: { applied: true, changed: [], overAllocated: [] } });
    expect((await serverRecord(serverIds[0]!)).updatedAt).toBe(before.updatedAt);
  });

  it('writes changed properties, moves updated_at and recomputes the server’s compatibility', async () => {
    const provider = await registerProvider();
    await createPlatform(provider.key, { requirements: { properties: [{ property: 'cores', op: 'gte', value: 96 }] } });
    const before = await serverRecord(serverIds[1]!);
    const r = await report(agentKeys[1]!, { identity: { serial: identity(1).serial }, properties: { cores: 128, traits: ['avx512', 'sev', 'sev'], gpus: 0 } });
    expect(r.body).toEqual({ identity: { matches: true, mismatched: [] }, properties: { applied: true, changed: ['cores', 'traits'], overAllocated: [] } });
    const after = await serverRecord(serverIds[1]!);
    expect(after.properties).toMatchObject({ cores: 128, traits: ['avx512', 'sev'], memoryGib: 256, certifications: [] });
    expect(after.identity).toEqual(before.identity);
    expect(after.updatedAt).toBeGreaterThan(before.updatedAt);
    // Recomputed on the queue.
    await settled();
    const basis = await env.DB.prepare('SELECT basis FROM compat_servers WHERE server_id = ?').bind(serverIds[1]).first<number>('basis');
    expect(basis).toBe(after.updatedAt);
  });

  it('flags a mismatched identity for the operator and writes nothing to the server', async () => {
    const before = await serverRecord(serverIds[2]!);
    const observed = { ...identity(2), mac: '02:ff:ff:ff:ff:01', dom0Ip: '192.0.2.10' };
    const logged = vi.spyOn(console, 'log');
    for (let i = 0; i < 2; i++) {
      const r = await report(agentKeys[2]!, { identity: observed, properties: { cores: 8 } });
      expect(r.body).toEqual({ identity: { matches: false, mismatched: ['mac', 'dom0Ip'] }, properties: { applied: false, changed: [], overAllocated: [] } });
      // The warning names the request that caused it (and the fields, never the observed values).
      const line = logged.mock.calls.map(([text]) => JSON.parse(String(text))).filter((l) => l.event === 'agent.identity-mismatch').at(-1);
      expect(line).toEqual({ level: 'warn', event: 'agent.identity-mismatch', requestId: r.headers.get('x-request-id'), serverId: serverIds[2], fields: ['mac', 'dom0Ip'] });
    }
    logged.mockRestore();
    expect(await serverRecord(serverIds[2]!)).toEqual(before);
    const flags = await call('GET', `/v1/agent/flags?serverId=${serverIds[2]}`, { key: OPERATOR });
    expectStatus(flags, 200);
    expect(flags.body.items).toHaveLength(2);
    expect(flags.body.items.map((f) => f.field).sort()).toEqual(['dom0Ip', 'mac']);
    const mac = flags.body.items.find((f) => f.field === 'mac')!;
    expect(mac).toMatchObject({ serverId: serverIds[2], recorded: identity(2).mac, observed: '02:ff:ff:ff:ff:01', reports: 2 });
    expect(mac.lastSeenAt).toBeGreaterThanOrEqual(mac.firstSeenAt);
  });

  it('is for agent keys only, and validates what it is told', async () => {
    const customer = await registerCustomer();
    expectProblem(await report(customer.key, { properties: { cores: 8 } }), 403, 'forbidden');
    expectProblem(await report(OPERATOR, { properties: { cores: 8 } }), 403, 'forbidden');
    // A bad MAC, zero cores and a certification (the operator's to record, not an agent's to report): each refused.
    const bad = await report(agentKeys[0]!, offSchema({ identity: { mac: 'not-a-mac' }, properties: { cores: 0, certifications: ['pci-dss'] } }));
    expectProblem(bad, 400, 'validation');
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(['json.identity.mac', 'json.properties', 'json.properties.cores']);
  });
});

describe('GET /v1/agent/flags', () => {
  it('pages through flags and is for the operator only', async () => {
    const { serverIds: [id], ...dc } = dataCenter(undefined, 1, 1, 1);
    await putInventory(dc);
    const key = await agentKeyFor(id!);
    expectStatus(await report(key, { identity: { serial: 'SN-SWAPPED', mac: '02:ff:ff:ff:ff:02', dom0Ip: '10.255.255.2' } }), 200);
    // Every flag there is (other tests flag servers too), two a page: this server's three among them once.
    const seen: { serverId: string; field: string; observed: string }[] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${cursor}` : '';
      const page = bodyOf(await call('GET', `/v1/agent/flags?limit=2${after}`, { key: OPERATOR }), 200);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen.map((f) => `${f.serverId} ${f.field}`)).size).toBe(seen.length);
    expect(seen.filter((f) => f.serverId === id).map(({ field, observed }) => ({ field, observed }))).toEqual(
      expect.arrayContaining([
        { field: 'serial', observed: 'SN-SWAPPED' },
        { field: 'mac', observed: '02:ff:ff:ff:ff:02' },
        { field: 'dom0Ip', observed: '10.255.255.2' },
      ]),
    );
    expect(seen.filter((f) => f.serverId === id)).toHaveLength(3);
    expectProblem(await call('GET', '/v1/agent/flags', { key }), 403, 'forbidden');
  });
});

describe('an agent reporting less capacity than is allocated', () => {
  it('flags the over-allocation for the operator, writes what it saw, and free capacity stops at zero', async () => {
    const { serverIds: [id], ...dc } = dataCenter(undefined, 1, 1, 1);
    dc.servers![0]!.capacity = { coresAllocated: 48, memoryAllocatedGib: 200 };
    await putInventory(dc);
    const key = await agentKeyFor(id!);
    const provider = await registerProvider();
    await createPlatform(provider.key, { requirements: { minFree: { cores: 1, memoryGib: 0 } } });
    for (let i = 0; i < 2; i++) {
      const r = await report(key, { identity: dc.servers![0]!.identity, properties: { cores: 32, memoryGib: 128 } });
      expectStatus(r, 200);
      expect(r.body.properties).toEqual({ applied: true, changed: i === 0 ? ['cores', 'memoryGib'] : [], overAllocated: ['cores', 'memoryGib'] });
    }
    // Recomputed on the queue.
    await settled();
    const free = await env.DB.prepare('SELECT free_cores AS cores, free_memory_gib AS memory FROM compat_servers WHERE server_id = ?').bind(id).first();
    expect(free).toEqual({ cores: 0, memory: 0 });
    const flags = await call('GET', `/v1/agent/flags?serverId=${id}`, { key: OPERATOR });
    expectStatus(flags, 200);
    const seen = flags.body.items.map(({ field, recorded, observed, reports, serverId }) => ({ field, recorded, observed, reports, serverId }));
    expect(seen.sort((x, y) => String(x.field).localeCompare(String(y.field)))).toEqual([
      { serverId: id, field: 'cores', recorded: '48', observed: '32', reports: 2 },
      { serverId: id, field: 'memoryGib', recorded: '200', observed: '128', reports: 2 },
    ]);
  });

  it('reports at or above the allocation flag nothing', async () => {
    const { serverIds: [id], ...dc } = dataCenter(undefined, 1, 1, 1);
    dc.servers![0]!.capacity = { coresAllocated: 48, memoryAllocatedGib: 200 };
    await putInventory(dc);
    const key = await agentKeyFor(id!);
    const r = await report(key, { properties: { cores: 48, memoryGib: 200 } });
    expectStatus(r, 200);
    expect(r.body.properties.overAllocated).toEqual([]);
    expect(bodyOf(await call('GET', `/v1/agent/flags?serverId=${id}`, { key: OPERATOR }), 200).items).toEqual([]);
  });
});

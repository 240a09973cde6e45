import type { z } from '@hono/zod-openapi';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { storedAnswer } from '../../src/compatibility/answers';
import { getDb } from '../../src/db';
import type { InventoryBody } from '../../src/inventory/schema';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR } from '../http';
import { createPlatform, place, putInventory, registerCustomer, registerProvider, server, settled } from '../factories';

type Inventory = Required<z.input<typeof InventoryBody>>;

/**
 * Site hA: row r1 (racks k1, k2), row r2 (racks k1, k2), row r3 (rack k1); site hB: one rack.
 * The customer's data is on hA-r1-k1-v1, hA-r1-k1-v2 and hA-r2-k1-v1 (8 cores, 32 GiB each).
 * Each platform requires one trait, placed so that the right answer per scope is known:
 *   t-srv  on the customer's three servers                  → server
 *   t-rack on a roomy server in each of their racks          → rack
 *   t-row  elsewhere in each of their rows                   → row
 *   t-site only in row r3 (and site hB)                      → site
 *   t-cap  in rack r1-k1 only on a server with 4 free cores  → row (rack for the r2 placement)
 *   t-far  only in site hB                                   → nowhere
 *   t-p    only on one of the customer's servers, which is full → nowhere (1 of 3 at server)
 */
const traits: Record<string, string[]> = {
  'hA-r1-k1-v1': ['t-srv', 't-p'],
  'hA-r1-k1-v2': ['t-srv'],
  'hA-r1-k1-v3': ['t-cap'],
  'hA-r1-k1-v4': ['t-rack'],
  'hA-r1-k2-v1': ['t-row', 't-cap'],
  'hA-r2-k1-v1': ['t-srv'],
  'hA-r2-k1-v2': ['t-rack', 't-cap'],
  'hA-r2-k2-v1': ['t-row'],
  'hA-r3-k1-v1': ['t-site'],
  'hB-r1-k1-v1': ['t-far', 't-site'],
};

function handBuilt(): Inventory {
  const inv: Inventory = { sites: [], rows: [], racks: [], servers: [] };
  for (const [id, t] of Object.entries(traits)) {
    const [site, row, rack] = id.split('-') as [string, string, string];
    const rowId = `${site}-${row}`;
    const rackId = `${rowId}-${rack}`;
    if (!inv.sites.some((s) => s.id === site)) inv.sites.push({ id: site, name: site, region: 'eu' });
    if (!inv.rows.some((r) => r.id === rowId)) inv.rows.push({ id: rowId, siteId: site, name: rowId });
    if (!inv.racks.some((r) => r.id === rackId)) inv.racks.push({ id: rackId, rowId, name: rackId });
    const full = id === 'hA-r1-k1-v3' || id === 'hA-r1-k1-v1';
    const capacity = full ? { coresAllocated: 60, memoryAllocatedGib: 0 } : undefined;
    inv.servers.push(server(id, rackId, { traits: t }, capacity));
  }
  return inv;
}

const customerServers = ['hA-r1-k1-v1', 'hA-r1-k1-v2', 'hA-r2-k1-v1'];
const inventory = handBuilt();
let customer: { id: string; key: string };
let other: { id: string; key: string };
let currentProvider: { id: string; key: string };
let otherProvider: { id: string; key: string };
const ids: Record<string, string> = {};
let currentPlatformId: string;

const requires = (trait: string) => ({ requirements: { requiredTraits: [trait] } });

beforeAll(async () => {
  await putInventory(inventory);
  customer = await registerCustomer();
  other = await registerCustomer();
  currentProvider = await registerProvider();
  otherProvider = await registerProvider();
  const current = await createPlatform(currentProvider.key, { name: 'current' });
  currentPlatformId = current.id;
  for (const t of ['t-srv', 't-rack', 't-row', 't-site', 't-cap', 't-far', 't-p']) {
    ids[t] = (await createPlatform(otherProvider.key, { name: `needs-${t}`, ...requires(t) })).id;
  }
  ids.pref = (
    await createPlatform(otherProvider.key, {
      name: 'needs-t-srv-prefers',
      requirements: { requiredTraits: ['t-srv'], preferences: [{ weight: 10, trait: 't-p' }, { weight: 10, trait: 't-srv' }] },
    })
  ).id;
  await place(customer.id, customerServers, current.id);
  await place(other.id, ['hB-r1-k1-v1'], current.id);
});

const mip = (scope: string, key = customer.key, customerId = customer.id) => call('GET', `/v1/customers/${customerId}/mip-list?scope=${scope}`, { key });
const names = (entries: { name: string }[]) => entries.map((e) => e.name);
const entry = <E extends { platformId: string }>(list: { unavailable: E[]; available: E[] }, id: string) => [...list.available, ...list.unavailable].find((e) => e.platformId === id)!;

describe('GET /v1/customers/{customerId}/mip-list: scope semantics', () => {
  it('server: only the platform every one of the customer’s servers satisfies, preferences first', async () => {
    const r = await mip('server');
    expectStatus(r, 200);
    expect(r.body).toMatchObject({ customerId: customer.id, scope: 'server', placements: 3 });
    expect(names(r.body.available)).toEqual(['needs-t-srv-prefers', 'needs-t-srv']);
    expect(r.body.available.map((e) => e.preferenceFit)).toEqual([0.667, null]);
    expect(names(r.body.unavailable)).toHaveLength(6);
    expect(names([...r.body.available, ...r.body.unavailable])).not.toContain('current');
  });

  it('each platform gets the narrowest scope at which it is available, and its coverage per scope', async () => {
    const r = await mip('site');
    expectStatus(r, 200);
    const narrowest = Object.fromEntries([...r.body.available, ...r.body.unavailable].map((e) => [e.name, e.narrowestScope]));
    expect(narrowest).toEqual({
      'needs-t-srv': 'server',
      'needs-t-srv-prefers': 'server',
      'needs-t-rack': 'rack',
      'needs-t-row': 'row',
      'needs-t-site': 'site',
      'needs-t-cap': 'row',
      'needs-t-far': null,
      'needs-t-p': null,
    });
    expect(entry(r.body, ids['t-cap']!).coverage).toEqual({ placements: 3, server: 0, rack: 1, row: 3, site: 3 });
    expect(entry(r.body, ids['t-p']!).coverage).toEqual({ placements: 3, server: 1, rack: 1, row: 1, site: 1 });
    expect(names(r.body.available)).toEqual(['needs-t-srv-prefers', 'needs-t-srv', 'needs-t-rack', 'needs-t-cap', 'needs-t-row', 'needs-t-site']);
  });

  it('rack: available up to rack; a rack without room for a placement is the reason', async () => {
    const r = await mip('rack');
    expectStatus(r, 200);
    expect(names(r.body.available)).toEqual(['needs-t-srv-prefers', 'needs-t-srv', 'needs-t-rack']);
    const cap = entry(r.body, ids['t-cap']!);
    expect(cap).toMatchObject({ available: false, narrowestScope: 'row', fresh: true });
    expect(cap.reasons).toEqual([
      { reason: 'missing trait t-cap', placements: 3 },
      { reason: 'no compatible server with 8 free cores and 32 GiB free memory in the same rack', placements: 2 },
    ]);
  });

  it('row and site widen the list in order', async () => {
    expect(names(bodyOf(await mip('row'), 200).available)).toEqual(['needs-t-srv-prefers', 'needs-t-srv', 'needs-t-rack', 'needs-t-cap', 'needs-t-row']);
    const site = await mip('site');
    expectStatus(site, 200);
    expect(names(site.body.unavailable)).toEqual(['needs-t-p', 'needs-t-far']);
    expect(entry(site.body, ids['t-far']!).reasons).toEqual([
      { reason: 'missing trait t-far', placements: 3 },
      { reason: 'no compatible server with 8 free cores and 32 GiB free memory in the same site', placements: 3 },
    ]);
  });

  it('carries the service profile and a price for the customer’s cores', async () => {
    const e = entry(bodyOf(await mip('server'), 200), ids['t-srv']!);
    expect(e.serviceProfile.supportLevel).toBe('business');
    // 100 a month plus 2 per core for 3 placements of 8 cores.
    expect(e.estimatedMonthlyPrice).toEqual({ currency: 'USD', amount: 148 });
    expect(e.providerId).toBe(otherProvider.id);
  });

  it('defaults to the server scope and refuses an unknown scope', async () => {
    expect(bodyOf(await call('GET', `/v1/customers/${customer.id}/mip-list`, { key: customer.key }), 200).scope).toBe('server');
    expectProblem(await mip('planet'), 400, 'validation');
  });

  it('reveals no permanent identifier of hardware', async () => {
    const text = JSON.stringify((await mip('site')).body);
    const units = [...inventory.servers, ...inventory.racks, ...inventory.rows].map((u) => u.id);
    for (const id of units) expect(text).not.toContain(id);
    for (const s of inventory.servers) for (const value of Object.values(s.identity)) expect(text).not.toContain(value);
  });
});

describe('GET /v1/customers/{customerId}/mip-list?include=hardwareIds', () => {
  it('mints masked IDs of the units involved, per narrowest scope, for the caller only', async () => {
    const r = await call('GET', `/v1/customers/${customer.id}/mip-list?scope=site&include=hardwareIds`, { key: customer.key });
    expectStatus(r, 200);
    const ids = r.body.hardwareIds as Record<string, { id: string; coverage: number }[]>;
    // The customer's 3 servers sit in 2 racks, 2 rows and 1 site.
    expect(Object.fromEntries(Object.entries(ids).map(([scope, list]) => [scope, list.map((i) => i.coverage).sort()]))).toEqual({
      server: [1, 1, 1],
      rack: [1, 2],
      row: [1, 2],
      site: [3],
    });
    for (const u of [...inventory.servers, ...inventory.racks, ...inventory.rows]) expect(JSON.stringify(ids)).not.toContain(u.id);
    const rackIds = ids.rack!.map((i) => i.id);
    expectStatus(await call('POST', '/v1/hardware-ids/verify', { key: customer.key, body: { hardwareIds: rackIds } }), 200);
    expectProblem(await call('POST', '/v1/hardware-ids/verify', { key: otherProvider.key, body: { hardwareIds: rackIds } }), 403, 'hardware-id-refused');
  });

  it('mints nothing unless asked', async () => {
    expect(bodyOf(await mip('site'), 200).hardwareIds).toBeUndefined();
  });
});

describe('GET /v1/customers/{customerId}/mip-list: changes show up with no manual step', () => {
  function withServer(id: string, change: (s: Inventory['servers'][number]) => void): Inventory {
    const s = inventory.servers.find((x) => x.id === id)!;
    change(s);
    return { sites: [], rows: [], racks: [], servers: [s] };
  }

  it('an inventory change (traits) moves a platform into the list', async () => {
    expect(entry(bodyOf(await mip('server'), 200), ids['t-p']!).available).toBe(false);
    await putInventory(withServer('hA-r1-k1-v2', (s) => (s.properties.traits = ['t-srv', 't-p'])));
    await putInventory(withServer('hA-r2-k1-v1', (s) => (s.properties.traits = ['t-srv', 't-p'])));
    const after = entry(bodyOf(await mip('server'), 200), ids['t-p']!);
    expect(after).toMatchObject({ available: true, narrowestScope: 'server', reasons: [] });
  });

  it('a capacity change narrows a platform from row to rack', async () => {
    await putInventory(withServer('hA-r1-k1-v3', (s) => (s.capacity = { coresAllocated: 0, memoryAllocatedGib: 0 })));
    expect(entry(bodyOf(await mip('rack'), 200), ids['t-cap']!)).toMatchObject({ available: true, narrowestScope: 'rack' });
  });

  it('a requirement change moves a platform out of the list, with its reason', async () => {
    const r = await call('PATCH', `/v1/platforms/${ids['t-srv']}`, { key: otherProvider.key, body: { requirements: { requiredTraits: ['t-srv', 'tdx'] } } });
    expectStatus(r, 200);
    // Recomputed on the queue (fresh: false meanwhile, see materialised.test.ts).
    await settled();
    const after = entry(bodyOf(await mip('server'), 200), ids['t-srv']!);
    expect(after).toMatchObject({ available: false, narrowestScope: null, fresh: true });
    expect(after.reasons).toEqual([{ reason: 'missing trait tdx', placements: 3 }]);
  });

  it('a new platform appears at once', async () => {
    const p = await createPlatform(otherProvider.key, { name: 'brand-new', ...requires('t-rack') });
    expect(entry(bodyOf(await mip('rack'), 200), p.id)).toMatchObject({ available: true, narrowestScope: 'rack', fresh: true });
  });
});

describe('GET /v1/customers/{customerId}/mip-list: the stored answer', () => {
  /** The stored answer while it is current (what the route serves). */
  const stored = () => storedAnswer(getDb(env.DB), customer.id, 'row');

  it('is stored off the request after a reader computed it, then served as stored while nothing it depends on changed', async () => {
    const computed = await mip('row');
    const body = await vi.waitUntil(stored, { timeout: 10_000, interval: 20 });
    expect(JSON.parse(body!)).toEqual(computed.body);
    // Served from the table: a marker put into the stored answer comes back as it is.
    await env.DB.prepare("update mip_answers set body = json_set(body, '$.placements', 99) where customer_id = ? and scope = 'row'").bind(customer.id).run();
    const served = await mip('row');
    expectStatus(served, 200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(served.body).toEqual({ ...computed.body, placements: 99 });
  });

  it('is not served once something it depends on changed: the customer’s placements, a platform, or its servers’ site', async () => {
    const marker = () => env.DB.prepare("update mip_answers set body = json_set(body, '$.placements', 99) where customer_id = ? and scope = 'row'").bind(customer.id).run();
    const changes = [
      () => place(customer.id, customerServers, currentPlatformId),
      async () => expectStatus(await call('PATCH', `/v1/platforms/${ids['t-far']}`, { key: otherProvider.key, body: { description: 'changed' } }), 200),
      () => putInventory({ sites: [], rows: [], racks: [], servers: [{ ...inventory.servers.find((x) => x.id === 'hA-r3-k1-v1')!, capacity: { coresAllocated: 1, memoryAllocatedGib: 0 } }] }),
    ];
    for (const change of changes) {
      await mip('row');
      await vi.waitUntil(stored, { timeout: 10_000, interval: 20 });
      await marker();
      expect(bodyOf(await mip('row'), 200).placements).toBe(99);
      await change();
      await settled();
      expect(bodyOf(await mip('row'), 200).placements).toBe(3);
    }
  });
});

describe('the queue’s `answer` message', () => {
  it('stores the answer the reader computed as it came, without computing it again', async () => {
    const lone = await registerCustomer();
    const generation = (await env.DB.prepare('select max(value) as g from compat_generations').first<number>('g')) ?? 0;
    // Not what this customer's answer would be: only the carried body can end up stored.
    const carried = JSON.stringify({ customerId: lone.id, carried: true });
    await env.RECOMPUTE.send({ kind: 'answer', customerId: lone.id, scope: 'site', computed: { generation, body: carried } });
    expect(await vi.waitUntil(() => storedAnswer(getDb(env.DB), lone.id, 'site'), { timeout: 10_000, interval: 20 })).toBe(carried);
  });
});

describe('GET /v1/customers/{customerId}/mip-list: who may ask', () => {
  it('the customer’s current provider may', async () => {
    const r = await mip('rack', currentProvider.key);
    expectStatus(r, 200);
    expect(r.body.customerId).toBe(customer.id);
  });

  it('another customer gets the same 404 as for a customer that does not exist', async () => {
    const theirs = await mip('server', other.key);
    const missing = await mip('server', other.key, 'cus_doesnotexist');
    expectProblem(theirs, 404, 'not-found');
    expectProblem(missing, 404, 'not-found');
    expect({ ...theirs.body, requestId: 0, instance: 0 }).toEqual({ ...missing.body, requestId: 0, instance: 0 });
  });

  it('a provider that is not the customer’s current provider gets 404', async () => {
    expectProblem(await mip('server', otherProvider.key), 404, 'not-found');
  });

  it('the operator and callers without a key are refused', async () => {
    expectProblem(await mip('server', OPERATOR), 403, 'forbidden');
    expectProblem(await call('GET', `/v1/customers/${customer.id}/mip-list`), 401, 'unauthorized');
  });

  it('a customer with no placements gets an empty list', async () => {
    const lone = await registerCustomer();
    const r = await mip('site', lone.key, lone.id);
    expect(r.body).toEqual({ customerId: lone.id, scope: 'site', currentPlatformId: null, placements: 0, available: [], unavailable: [] });
  });
});

import type { z } from '@hono/zod-openapi';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { storedAnswer } from '../../src/compatibility/answers';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS } from '../../src/constants';
import { getDb } from '../../src/db';
import type { InventoryBody } from '../../src/inventory/schema';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR } from '../http';
import { createPlatform, place, putInventory, registerCustomer, registerProvider, server, settled } from '../factories';

type Inventory = Required<z.input<typeof InventoryBody>>;

/**
 * Site A: row r1 (racks k1, k2), row r2 (racks k1, k2), row r3 (rack k1); site B: one rack (ids
 * prefixed by the world's tag: hA-r1-k1-v1 in the first world, h2A-r1-k1-v1 in the next).
 * The customer's data is on A-r1-k1-v1, A-r1-k1-v2 and A-r2-k1-v1 (8 cores, 32 GiB each).
 * Each platform requires one trait, placed so that the right answer per scope is known:
 *   t-srv  on the customer's three servers                  → server
 *   t-rack on a roomy server in each of their racks          → rack
 *   t-row  elsewhere in each of their rows                   → row
 *   t-site only in row r3 (and site B)                       → site
 *   t-cap  in rack r1-k1 only on a server with 4 free cores  → row (rack for the r2 placement)
 *   t-far  only in site B                                    → nowhere
 *   t-p    only on one of the customer's servers, which is full → nowhere (1 of 3 at server)
 * Every server is there K times over (copies `…x1` to `…x4` beside it in its rack, alike in every
 * way), and each row of site A three times over (rows r1b, r1c beside r1…): each trait is held by
 * at least K servers and each kind of rack and row by 3, so the census answers every platform about
 * servers, racks and rows (src/disclosure/census.ts); a change to a server is made to its copies too.
 */
const traits: Record<string, string[]> = {
  'A-r1-k1-v1': ['t-srv', 't-p'],
  'A-r1-k1-v2': ['t-srv'],
  'A-r1-k1-v3': ['t-cap'],
  'A-r1-k1-v4': ['t-rack'],
  'A-r1-k2-v1': ['t-row', 't-cap'],
  'A-r2-k1-v1': ['t-srv'],
  'A-r2-k1-v2': ['t-rack', 't-cap'],
  'A-r2-k2-v1': ['t-row'],
  'A-r3-k1-v1': ['t-site'],
  'B-r1-k1-v1': ['t-far', 't-site'],
};

/** A server's name without its copy's marks (row copy letter, server copy number). */
const original = (id: string) => id.replace(/x\d+$/, '').replace(/-r(\d)[a-z]/, '-r$1');

function handBuilt(tag: string): Inventory {
  const inv: Inventory = { sites: [], rows: [], racks: [], servers: [] };
  const copied = Object.entries(traits).flatMap(([name, t]) =>
    (name.startsWith('A-') ? Array.from({ length: DISCLOSE_K_UNITS }, (_, i) => (i ? String.fromCharCode(97 + i) : '')) : ['']).map((copy) => [name.replace(/-r(\d)/, `-r$1${copy}`), t, name] as const),
  );
  for (const [copyName, t, name] of copied) {
    const id = tag + copyName;
    const [site, row, rack] = id.split('-') as [string, string, string];
    const rowId = `${site}-${row}`;
    const rackId = `${rowId}-${rack}`;
    if (!inv.sites.some((s) => s.id === site)) inv.sites.push({ id: site, name: site, region: 'eu' });
    if (!inv.rows.some((r) => r.id === rowId)) inv.rows.push({ id: rowId, siteId: site, name: rowId });
    if (!inv.racks.some((r) => r.id === rackId)) inv.racks.push({ id: rackId, rowId, name: rackId });
    const full = name === 'A-r1-k1-v3' || name === 'A-r1-k1-v1';
    const capacity = full ? { coresAllocated: 60, memoryAllocatedGib: 0 } : undefined;
    for (let i = 0; i < DISCLOSE_K_SERVERS; i++) inv.servers.push(server(`${id}${i ? `x${i}` : ''}`, rackId, { traits: t }, capacity));
  }
  return inv;
}

const requires = (trait: string) => ({ requirements: { requiredTraits: [trait] } });
let worlds = 0;

/** The hand-built world under fresh ids, with its own customers, providers and platforms. */
async function handWorld() {
  const tag = `h${++worlds === 1 ? '' : worlds}`;
  const inventory = handBuilt(tag);
  await putInventory(inventory);
  const customer = await registerCustomer();
  const other = await registerCustomer();
  const currentProvider = await registerProvider();
  const otherProvider = await registerProvider();
  const current = await createPlatform(currentProvider.key, { name: 'current' });
  const ids: Record<string, string> = {};
  for (const t of ['t-srv', 't-rack', 't-row', 't-site', 't-cap', 't-far', 't-p']) {
    ids[t] = (await createPlatform(otherProvider.key, { name: `needs-${t}`, ...requires(t) })).id;
  }
  ids.pref = (
    await createPlatform(otherProvider.key, {
      name: 'needs-t-srv-prefers',
      requirements: { requiredTraits: ['t-srv'], preferences: [{ weight: 10, trait: 't-p' }, { weight: 10, trait: 't-srv' }] },
    })
  ).id;
  const customerServers = ['A-r1-k1-v1', 'A-r1-k1-v2', 'A-r2-k1-v1'].map((name) => tag + name);
  await place(customer.id, customerServers, current.id);
  await place(other.id, [`${tag}B-r1-k1-v1`], current.id);
  return { tag, inventory, customer, other, currentProvider, otherProvider, ids, currentPlatformId: current.id, customerServers };
}

type HandWorld = Awaited<ReturnType<typeof handWorld>>;

// The world the tests that only read share; a test that changes something builds its own.
let customer: HandWorld['customer'];
let other: HandWorld['other'];
let currentProvider: HandWorld['currentProvider'];
let otherProvider: HandWorld['otherProvider'];
let ids: HandWorld['ids'];
let currentPlatformId: string;
let inventory: Inventory;
beforeAll(async () => {
  ({ customer, other, currentProvider, otherProvider, ids, currentPlatformId, inventory } = await handWorld());
});

const mip = (scope: string, key = customer.key, customerId = customer.id) => call('GET', `/v1/customers/${customerId}/mip-list?scope=${scope}`, { key });
const names = (entries: { name: string }[]) => entries.map((e) => e.name);
const entry = <E extends { platformId: string }>(list: { unavailable: E[]; available: E[] }, id: string) => [...list.available, ...list.unavailable].find((e) => e.platformId === id)!;
/** The list restricted to the shared world's platforms (other tests' worlds publish theirs too). */
const own = <L extends { unavailable: { platformId: string }[]; available: { platformId: string }[] }>(list: L): L => {
  const mine = new Set(Object.values(ids));
  return { ...list, available: list.available.filter((e) => mine.has(e.platformId)), unavailable: list.unavailable.filter((e) => mine.has(e.platformId)) };
};

describe('GET /v1/customers/{customerId}/mip-list: scope semantics', () => {
  it('server: only the platform every one of the customer’s servers satisfies, preferences first', async () => {
    const r = await mip('server');
    expectStatus(r, 200);
    expect(r.body).toMatchObject({ customerId: customer.id, scope: 'server', placements: 3 });
    const list = own(r.body);
    expect(names(list.available)).toEqual(['needs-t-srv-prefers', 'needs-t-srv']);
    expect(list.available.map((e) => e.preferenceFit)).toEqual([0.667, null]);
    expect(names(list.unavailable)).toHaveLength(6);
    expect([...r.body.available, ...r.body.unavailable].map((e) => e.platformId)).not.toContain(currentPlatformId);
  });

  it('each platform gets the narrowest scope at which it is available, and its coverage per scope', async () => {
    const list = own(bodyOf(await mip('site'), 200));
    const narrowest = Object.fromEntries([...list.available, ...list.unavailable].map((e) => [e.name, e.narrowestScope]));
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
    expect(entry(list, ids['t-cap']!).coverage).toEqual({ placements: 3, server: 0, rack: 1, row: 3, site: 3 });
    expect(entry(list, ids['t-p']!).coverage).toEqual({ placements: 3, server: 1, rack: 1, row: 1, site: 1 });
    expect(names(list.available)).toEqual(['needs-t-srv-prefers', 'needs-t-srv', 'needs-t-rack', 'needs-t-cap', 'needs-t-row', 'needs-t-site']);
  });

  it('rack: available up to rack; a rack without room for a placement is the reason', async () => {
    const list = own(bodyOf(await mip('rack'), 200));
    expect(names(list.available)).toEqual(['needs-t-srv-prefers', 'needs-t-srv', 'needs-t-rack']);
    const cap = entry(list, ids['t-cap']!);
    expect(cap).toMatchObject({ available: false, narrowestScope: 'row', fresh: true });
    expect(cap.reasons).toEqual([
      { reason: 'missing trait t-cap', placements: 3 },
      { reason: 'no compatible server with 8 free cores and 32 GiB free memory in the same rack', placements: 2 },
    ]);
  });

  it('row and site widen the list in order', async () => {
    expect(names(own(bodyOf(await mip('row'), 200)).available)).toEqual(['needs-t-srv-prefers', 'needs-t-srv', 'needs-t-rack', 'needs-t-cap', 'needs-t-row']);
    const site = own(bodyOf(await mip('site'), 200));
    expect(names(site.unavailable)).toEqual(['needs-t-p', 'needs-t-far']);
    expect(entry(site, ids['t-far']!).reasons).toEqual([
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
  /** One server of world `h` and its copies as PUT takes them, after `change`. */
  function withServer(h: HandWorld, name: string, change: (s: Inventory['servers'][number]) => void): Inventory {
    const copies = structuredClone(h.inventory.servers.filter((x) => original(x.id) === h.tag + name));
    copies.forEach(change);
    return { sites: [], rows: [], racks: [], servers: copies };
  }
  const listOf = async (h: HandWorld, scope: string) => bodyOf(await mip(scope, h.customer.key, h.customer.id), 200);

  it('an inventory change (traits) moves a platform into the list', async () => {
    const h = await handWorld();
    expect(entry(await listOf(h, 'server'), h.ids['t-p']!).available).toBe(false);
    await putInventory(withServer(h, 'A-r1-k1-v2', (s) => (s.properties.traits = ['t-srv', 't-p'])));
    await putInventory(withServer(h, 'A-r2-k1-v1', (s) => (s.properties.traits = ['t-srv', 't-p'])));
    const after = entry(await listOf(h, 'server'), h.ids['t-p']!);
    expect(after).toMatchObject({ available: true, narrowestScope: 'server', reasons: [] });
  });

  it('a capacity change narrows a platform from row to rack', async () => {
    const h = await handWorld();
    expect(entry(await listOf(h, 'rack'), h.ids['t-cap']!)).toMatchObject({ available: false, narrowestScope: 'row' });
    await putInventory(withServer(h, 'A-r1-k1-v3', (s) => (s.capacity = { coresAllocated: 0, memoryAllocatedGib: 0 })));
    expect(entry(await listOf(h, 'rack'), h.ids['t-cap']!)).toMatchObject({ available: true, narrowestScope: 'rack' });
  });

  it('a requirement change moves a platform out of the list, with its reason', async () => {
    const h = await handWorld();
    const r = await call('PATCH', `/v1/platforms/${h.ids['t-srv']}`, { key: h.otherProvider.key, body: { requirements: { requiredTraits: ['t-srv', 'tdx'] } } });
    expectStatus(r, 200);
    // Recomputed on the queue (fresh: false meanwhile, see materialised.test.ts).
    await settled();
    const after = entry(await listOf(h, 'server'), h.ids['t-srv']!);
    expect(after).toMatchObject({ available: false, narrowestScope: null, fresh: true });
    expect(after.reasons).toEqual([{ reason: 'missing trait tdx', placements: 3 }]);
  });

  it('a new platform appears at once', async () => {
    const h = await handWorld();
    const p = await createPlatform(h.otherProvider.key, { name: 'brand-new', ...requires('t-rack') });
    expect(entry(await listOf(h, 'rack'), p.id)).toMatchObject({ available: true, narrowestScope: 'rack', fresh: true });
  });
});

describe('GET /v1/customers/{customerId}/mip-list: the stored answer', () => {
  /** The stored answer while it is current (what the route serves). */
  const stored = (h: HandWorld) => () => storedAnswer(getDb(env.DB), h.customer.id, 'row');
  /** Puts a marker into the stored answer, so that serving it shows. */
  const marker = (h: HandWorld) => env.DB.prepare("update mip_answers set body = json_set(body, '$.placements', 99) where customer_id = ? and scope = 'row'").bind(h.customer.id).run();
  const row = (h: HandWorld) => mip('row', h.customer.key, h.customer.id);

  it('is stored off the request after a reader computed it, then served as stored while nothing it depends on changed', async () => {
    const h = await handWorld();
    const computed = await row(h);
    const body = await vi.waitUntil(stored(h), { timeout: 10_000, interval: 20 });
    expect(JSON.parse(body!)).toEqual(computed.body);
    // Served from the table: a marker put into the stored answer comes back as it is.
    await marker(h);
    const served = await row(h);
    expectStatus(served, 200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(served.body).toEqual({ ...computed.body, placements: 99 });
  });

  it('is not served once something it depends on changed: the customer’s placements, a platform, or its servers’ site', async () => {
    const h = await handWorld();
    const changes = [
      () => place(h.customer.id, h.customerServers, h.currentPlatformId),
      async () => expectStatus(await call('PATCH', `/v1/platforms/${h.ids['t-far']}`, { key: h.otherProvider.key, body: { description: 'changed' } }), 200),
      () => putInventory({ sites: [], rows: [], racks: [], servers: [{ ...h.inventory.servers.find((x) => x.id === `${h.tag}A-r3-k1-v1`)!, capacity: { coresAllocated: 1, memoryAllocatedGib: 0 } }] }),
    ];
    for (const change of changes) {
      await row(h);
      await vi.waitUntil(stored(h), { timeout: 10_000, interval: 20 });
      await marker(h);
      expect(bodyOf(await row(h), 200).placements).toBe(99);
      await change();
      await settled();
      expect(bodyOf(await row(h), 200).placements).toBe(3);
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

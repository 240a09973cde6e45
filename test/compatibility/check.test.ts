import type { z } from '@hono/zod-openapi';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Requirements } from '../../src/catalog/schema';
import type { Schemas } from '../../scripts/lib/api-types';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS } from '../../src/constants';
import { WITHHELD_REASONS } from '../../src/disclosure/release';
import { call, expectProblem, expectStatus, offSchema, OPERATOR, type RequestBody } from '../http';
import { createPlatform, place, putInventory, registerCustomer, registerProvider, server } from '../factories';
import { mint, type Principal } from '../hardware/helpers';

/**
 * One site, one row, two racks of three servers. The customer's data is on rack k1, whose servers
 * differ: v1 has tdx and 256 GiB, v2 neither tdx nor enough memory (64 GiB), v3 tdx and 512 GiB.
 * Provider B's platform wants tdx and at least 128 GiB.
 */
const inventory = {
  sites: [{ id: 'ck', name: 'Check site', region: 'eu' }],
  rows: [{ id: 'ck-r1', siteId: 'ck', name: 'Row 1' }],
  racks: [
    { id: 'ck-r1-k1', rowId: 'ck-r1', name: 'Rack 1' },
    { id: 'ck-r1-k2', rowId: 'ck-r1', name: 'Rack 2' },
  ],
  servers: [
    server('ck-r1-k1-v1', 'ck-r1-k1', { traits: ['tdx'], memoryGib: 256, privateNetworkId: 'net-ck-secret' }),
    server('ck-r1-k1-v2', 'ck-r1-k1', { traits: [], memoryGib: 64, privateNetworkId: 'net-ck-secret' }),
    server('ck-r1-k1-v3', 'ck-r1-k1', { traits: ['tdx'], memoryGib: 512, privateNetworkId: 'net-ck-secret' }),
    server('ck-r1-k2-v1', 'ck-r1-k2'),
    server('ck-r1-k2-v2', 'ck-r1-k2'),
    server('ck-r1-k2-v3', 'ck-r1-k2'),
  ],
};

let customer: Principal;
/** A customer on the same three servers' counterparts in the wide site. */
let tenant: Principal;
let providerA: Principal;
let providerB: Principal;
let outsider: Principal;
let platformA: { id: string };
let platformB: { id: string };

const requirementsB: z.input<typeof Requirements> = { requiredTraits: ['tdx'], properties: [{ op: 'gte', property: 'memoryGib', value: 128 }] };

/**
 * The same site with every server K times over (the copies beside the original in its rack) and
 * every rack three times over (DISCLOSE_K_UNITS): each kind of server is held by K servers and each
 * kind of rack by 3, so the census answers platform B there, about servers and about racks
 * (src/disclosure/census.ts). In the six-server site B would set the tdx pair and the one 64 GiB
 * server apart: it is withheld.
 */
const COPIES = Array.from({ length: DISCLOSE_K_UNITS }, (_, i) => (i ? String.fromCharCode(97 + i) : ''));
const wideId = (id: string, copy: string) => id.replace('ck-', 'cw-').replace(/-k(\d)/, `-k$1${copy}`);
const wide = {
  sites: [{ id: 'cw', name: 'Check site, K times over', region: 'eu' }],
  rows: [{ id: 'cw-r1', siteId: 'cw', name: 'Row 1' }],
  racks: inventory.racks.flatMap((r) => COPIES.map((copy) => ({ ...r, id: wideId(r.id, copy), rowId: 'cw-r1' }))),
  servers: inventory.servers.flatMap((s) =>
    COPIES.flatMap((copy) => Array.from({ length: DISCLOSE_K_SERVERS }, (_, i) => server(`${wideId(s.id, copy)}${i ? `x${i}` : ''}`, wideId(s.rackId, copy), s.properties))),
  ),
};

beforeAll(async () => {
  await putInventory(inventory);
  await putInventory(wide);
  customer = await registerCustomer();
  tenant = await registerCustomer();
  providerA = await registerProvider();
  providerB = await registerProvider();
  outsider = await registerProvider();
  platformA = await createPlatform(providerA.key);
  platformB = await createPlatform(providerB.key, { requirements: requirementsB });
  await createPlatform(outsider.key);
  await place(customer.id, ['ck-r1-k1-v1', 'ck-r1-k1-v2', 'ck-r1-k1-v3'], platformA.id);
  await place(tenant.id, ['cw-r1-k1-v1', 'cw-r1-k1-v2', 'cw-r1-k1-v3'], platformA.id);
});

const check = (caller: Principal, body: RequestBody<'POST', '/v1/compatibility'>) => call('POST', '/v1/compatibility', { key: caller.key, body });
type Result = Schemas['CompatibilityResult']['results'][number];
/** Released counts: none, one (a server's), some of a unit whose size is withheld. */
const NONE = { min: 0, max: 1 };
const ONE = { min: 1, max: 2 };
const SOME = { min: 1, max: null };
/** Results in a stable order: the IDs come in random order, so do their answers. */
const sorted = (results: Result[]) => results.map(({ approved, reasons, servers }) => ({ approved, reasons, servers })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('POST /v1/compatibility: the provider-side flow', () => {
  it('provider B answers per server ID the customer handed over, with a reason for every failed requirement', async () => {
    const ids = await mint(tenant, { scope: 'server', audience: [providerB.id] });
    const r = await check(providerB, { hardwareIds: ids, platformId: platformB.id });
    expectStatus(r, 200);
    expect(r.body.platformId).toBe(platformB.id);
    expect(r.body.results.map((x) => x.index)).toEqual([0, 1, 2]);
    expect(sorted(r.body.results)).toEqual([
      // Its memory is shown: K servers of the data center share its record.
      { approved: false, servers: { total: ONE, approved: NONE }, reasons: [{ reason: 'missing trait tdx', servers: ONE }, { reason: 'memory 64 GiB < required 128 GiB', servers: ONE }] },
      { approved: true, servers: { total: ONE, approved: ONE }, reasons: [] },
      { approved: true, servers: { total: ONE, approved: ONE }, reasons: [] },
    ]);
  });

  it('where B would set fewer than K servers apart (the six-server site), nobody is answered, and B is told why', async () => {
    const ids = await mint(customer, { scope: 'server', audience: [providerB.id] });
    const r = await check(providerB, { hardwareIds: ids, platformId: platformB.id });
    expectStatus(r, 200);
    const withheld = { approved: false, servers: { total: ONE, approved: null }, reasons: [{ reason: WITHHELD_REASONS.narrow, servers: null }] };
    expect(sorted(r.body.results)).toEqual([withheld, withheld, withheld]);
    expect(r.body.results.map((x) => x.withheld)).toEqual([true, true, true]);
    const list = await call('GET', `/v1/customers/${customer.id}/mip-list?scope=site`, { key: customer.key });
    expectStatus(list, 200);
    expect(list.body.unavailable.find((e) => e.platformId === platformB.id)).toMatchObject({ withheld: true, narrowestScope: null, coverage: { server: 0, site: 0 }, reasons: [{ reason: WITHHELD_REASONS.narrow, placements: 3 }] });
  });

  it('releases non-identifying properties on request, generalised until 5 servers share them, never identity, names or the private network', async () => {
    const ids = await mint(customer, { scope: 'server', audience: [providerB.id] });
    const r = await check(providerB, { hardwareIds: ids, platformId: platformB.id, include: ['properties'] });
    expectStatus(r, 200);
    // Six servers, three of them unique (traits, memory): only what all six share is released.
    const shared = { cpuArch: 'x86_64', cpuVendor: 'AMD', storageKind: 'nvme', hypervisor: 'kvm' };
    const withheld = { cpuModel: null, cores: null, memoryGib: null, storageGib: null, gpus: null, traits: null, certifications: null, free: { cores: null, memoryGib: null } };
    for (const x of r.body.results) expect(x.properties).toEqual({ ...shared, ...withheld });
    const text = JSON.stringify(r.body);
    for (const s of inventory.servers) for (const value of [s.id, ...Object.values(s.identity)]) expect(text).not.toContain(value);
    for (const value of ['ck-r1-k1', 'net-ck-secret', 'privateNetworkId']) expect(text).not.toContain(value);
  });

  it('a provider not in the audience cannot use the IDs, and its attempt costs them nothing', async () => {
    const ids = await mint(customer, { scope: 'server', audience: [providerB.id], maxUses: 2 });
    const refused = await check(outsider, { hardwareIds: ids, platformId: (await createPlatform(outsider.key)).id });
    expectProblem(refused, 403, 'hardware-id-refused');
    expect(refused.body.errors?.map((e) => e.field)).toEqual(['json.hardwareIds.0', 'json.hardwareIds.1', 'json.hardwareIds.2']);
    // B's own mistake (another provider's platform) is refused before any use is counted too.
    expectProblem(await check(providerB, { hardwareIds: ids, platformId: platformA.id }), 404, 'not-found');
    expectStatus(await check(providerB, { hardwareIds: ids, platformId: platformB.id }), 200);
    expectStatus(await check(providerB, { hardwareIds: ids, requirements: { requiredTraits: ['tdx'] } }), 200);
    expectProblem(await check(providerB, { hardwareIds: ids, platformId: platformB.id }), 403, 'hardware-id-refused');
  });

  it('then the customer sees B’s platform in its MIP list, at the scope that fits', async () => {
    const r = await call('GET', `/v1/customers/${tenant.id}/mip-list?scope=rack`, { key: tenant.key });
    expectStatus(r, 200);
    const b = r.body.available.find((e) => e.platformId === platformB.id);
    expect(b).toMatchObject({ narrowestScope: 'rack', coverage: { placements: 3, server: 2, rack: 3, row: 3, site: 3 } });
  });
});

describe('POST /v1/compatibility: what may be asked', () => {
  it('providers may check ad-hoc requirements, judged on the released records alone', async () => {
    const ids = await mint(customer, { scope: 'server', audience: [providerB.id] });
    // What the six servers' records release (architecture, vendor, storage kind, hypervisor) is judged.
    const released = await check(providerB, { hardwareIds: ids, requirements: { properties: [{ op: 'eq', property: 'cpuArch', value: 'x86_64' }, { op: 'ne', property: 'storageKind', value: 'hdd' }] } });
    expectStatus(released, 200);
    expect(released.body.platformId).toBeNull();
    expect(released.body.results.map((x) => x.approved)).toEqual([true, true, true]);
    // Traits and free capacity are withheld (too few servers share them): not met on any server,
    // those with tdx included, so a rule on a rare value says nothing about who holds it.
    const r = await check(providerB, { hardwareIds: ids, requirements: { requiredTraits: ['tdx'], minFree: { cores: 65, memoryGib: 0 } } });
    expectStatus(r, 200);
    expect(r.body.results.map((x) => x.approved)).toEqual([false, false, false]);
    const withheld = ' (not released for this server: too few servers share it)';
    for (const x of r.body.results) expect(x.reasons.map((y) => y.reason)).toEqual([`missing trait tdx${withheld}`, `free cores below the required 65${withheld}`]);
  });

  it('customers may ask about any platform with their own IDs, but not with ad-hoc requirements', async () => {
    const ids = await mint(tenant, { scope: 'server' });
    const r = await check(tenant, { hardwareIds: ids, platformId: platformB.id });
    expectStatus(r, 200);
    expect(sorted(r.body.results).map((x) => x.approved)).toEqual([false, true, true]);
    expectProblem(await check(tenant, { hardwareIds: ids, requirements: { requiredTraits: ['tdx'] } }), 403, 'forbidden');
  });

  it('asks for exactly one of platformId and requirements, valid ones, and a platform that exists', async () => {
    const ids = await mint(customer, { scope: 'server', audience: [providerB.id] });
    expectProblem(await check(providerB, { hardwareIds: ids, platformId: platformB.id, requirements: {} }), 400, 'validation');
    expectProblem(await check(providerB, { hardwareIds: ids }), 400, 'validation');
    // An operator the document does not list.
    const bad = await check(providerB, offSchema({ hardwareIds: ids, requirements: { properties: [{ op: 'gt', property: 'cores', value: 4 }] } }));
    expectProblem(bad, 400, 'validation');
    expectProblem(await check(providerB, { hardwareIds: ids, platformId: 'plt_nope' }), 404, 'not-found');
    expectProblem(await check(providerB, { hardwareIds: [], platformId: platformB.id }), 400, 'validation');
  });

  it('counts one billable check per ID answered', async () => {
    const payer = await registerProvider();
    const own = await createPlatform(payer.key);
    const ids = await mint(customer, { scope: 'server', audience: [payer.id] });
    expectStatus(await check(payer, { hardwareIds: ids, platformId: own.id }), 200);
    const usage = await call('GET', '/v1/account/usage', { key: payer.key });
    expectStatus(usage, 200);
    const lines = usage.body.daily.flatMap((d) => d.lines);
    expect(lines).toEqual([expect.objectContaining({ operation: 'compatibility-checks', quantity: 3 })]);
  });

  it('the operator may not ask', async () => {
    const ids = await mint(customer, { scope: 'server' });
    expectProblem(await call('POST', '/v1/compatibility', { key: OPERATOR, body: { hardwareIds: ids, platformId: platformB.id } }), 403, 'forbidden');
  });
});

describe('POST /v1/compatibility: rack, row and site IDs', () => {
  // In the wide site three racks share each summary: its size class (8 to 15 servers) is released.
  const size = { min: 8, max: 16 };
  const some = { min: 1, max: 16 };
  const rackAnswer = {
    approved: true,
    servers: { total: size, approved: some },
    reasons: [
      { reason: 'missing trait tdx', servers: some },
      { reason: 'memory < required 128 GiB', servers: some },
    ],
  };
  // In the six-server site's two racks a rack's summary, its size with it, is withheld (fewer than 3 racks would share it).
  const someOfUnknown = rackAnswer.reasons.map((r) => ({ ...r, servers: SOME }));

  it('say whether none, some or all servers of the unit approve, and which requirements some or all fail', async () => {
    const [rack] = await mint(tenant, { scope: 'rack', audience: [providerB.id] });
    const r = await check(providerB, { hardwareIds: [rack], platformId: platformB.id });
    expectStatus(r, 200);
    expect(r.body.results).toEqual([{ index: 0, scope: 'rack', fresh: true, withheld: false, ...rackAnswer }]);
  });

  it('give the same answer with properties as from the materialised table; ad-hoc requirements are judged on the released records', async () => {
    const [rack] = await mint(customer, { scope: 'rack', audience: [providerB.id] });
    // The platform's requirements asked ad hoc: traits and memory are withheld on every server, so none meets them.
    const adHoc = await check(providerB, { hardwareIds: [rack], requirements: requirementsB });
    expectStatus(adHoc, 200);
    expect(adHoc.body.results[0]).toMatchObject({ approved: false, servers: { total: null, approved: NONE }, reasons: someOfUnknown });
    const [wideRack] = await mint(tenant, { scope: 'rack', audience: [providerB.id] });
    const withProps = await check(providerB, { hardwareIds: [wideRack], platformId: platformB.id, include: ['properties'] });
    expectStatus(withProps, 200);
    expect(withProps.body.results[0]).toMatchObject(rackAnswer);
    // A summary of the servers' released records, shared by the three racks alike.
    expect(withProps.body.results[0].propertiesSummary).toEqual({
      cpuArch: ['x86_64'],
      cpuVendor: ['AMD'],
      cpuModel: ['EPYC 9354'],
      storageKind: ['nvme'],
      hypervisor: ['kvm'],
      cores: { min: 64, max: 64 },
      memoryGib: { min: 64, max: 512 },
      storageGib: { min: 3840, max: 3840 },
      gpus: { min: 0, max: 0 },
      traits: [],
      certifications: [],
      free: { cores: { min: 64, max: 128 }, memoryGib: { min: 64, max: 1024 } },
      servers: size,
    });
  });

  it('a site ID covers every server of the site', async () => {
    const [site] = await mint(tenant, { scope: 'site', audience: [providerB.id] });
    const r = await check(providerB, { hardwareIds: [site], platformId: platformB.id });
    expectStatus(r, 200);
    // Some servers approving, some missing tdx: never the exact counts. The size class is withheld:
    // site summaries are shared by every site while there are fewer than 3, and these two differ in size.
    expect(r.body.results[0]).toMatchObject({ scope: 'site', approved: true, servers: { total: null, approved: SOME } });
    expect(r.body.results[0].reasons).toEqual([
      { reason: 'missing trait tdx', servers: SOME },
      { reason: 'memory < required 128 GiB', servers: SOME },
    ]);
  });
});

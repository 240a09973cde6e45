/**
 * The census: a platform whose static requirements set 1 to K−1 servers of a data center apart
 * (a probe for a rare NIC, a CPU model one server has) is not answered there, to anyone, in the
 * same words for every unit, so co-resident tenants learn nothing from it that others do not; the
 * census follows the inventory and the requirements at each refresh, never per request.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Requirements } from '../../src/catalog/schema';
import type { z } from '@hono/zod-openapi';
import { compile, staticVerdict } from '../../src/compatibility/evaluate';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS } from '../../src/constants';
import { takeCensus, withheldSites, type CensusCrowd, type CensusPlatform } from '../../src/disclosure/census';
import { WITHHELD_REASONS } from '../../src/disclosure/release';
import type { ServerFacts } from '../../src/inventory/facts';
import { props } from './properties';
import { createPlatform, dataCenter, place, putInventory, registerCustomer, registerProvider, settled } from '../factories';
import { OPERATOR, succeed } from '../http';

const K = DISCLOSE_K_SERVERS;
const crowd = (servers: number, over: Partial<ServerFacts['properties']> = {}, record = 'r', rackId = 'k1', rowId = 'w1'): CensusCrowd => ({ rackId, rowId, properties: props(over), record, servers });
let created = 0;
const platform = (id: string, requirements: z.input<typeof Requirements>): CensusPlatform => {
  const compiled = compile(Requirements.parse(requirements));
  return { id, createdAt: ++created, passRevision: 1, judge: (properties) => staticVerdict(compiled, properties) };
};
/** The census, every rack's and row's released summary alike (`summary`). */
const judge = (crowds: CensusCrowd[], platforms: CensusPlatform[], summary = 's') =>
  takeCensus(crowds, { rack: new Map(crowds.map((c) => [c.rackId, summary])), row: new Map(crowds.map((c) => [c.rowId, summary])) }, platforms, K, DISCLOSE_K_UNITS);
const withheld = (c: ReturnType<typeof takeCensus>) => Object.entries(c).filter(([, e]) => e.withheld).map(([id]) => id);

describe('the census of a data center', () => {
  it('withholds a platform that sets 1 to K−1 servers apart, on either side, and answers one that splits fairly', () => {
    const site = [crowd(1, { traits: ['sev', 'rare-nic'] }), crowd(K - 1, { cpuModel: 'EPYC 9004' }), crowd(2 * K)];
    const taken = judge(site, [
      platform('nic', { requiredTraits: ['rare-nic'] }),
      platform('not-nic', { forbiddenTraits: ['rare-nic'] }),
      platform('model', { properties: [{ op: 'ne', property: 'cpuModel', value: 'EPYC 9004' }] }),
      platform('sev', { requiredTraits: ['sev'], minFree: { cores: 100000, memoryGib: 0 } }),
      platform('big', { properties: [{ op: 'in', property: 'cpuModel', values: ['EPYC 9004', 'EPYC 9354'] }] }),
    ]);
    expect(withheld(taken)).toEqual(['nic', 'not-nic', 'model']);
    // Free capacity is judged on classes elsewhere: the census reads the static clauses only.
    expect(taken.sev).toEqual({ revision: 1, withheld: false, racks: false, rows: false });
  });

  it('reads the clauses together and the preferences too', () => {
    // Each clause alone splits 6/6, both together leave one server meeting them.
    const site = [crowd(1, { traits: ['sev', 'a', 'b'] }), crowd(K, { traits: ['sev', 'a'] }), crowd(K, { traits: ['sev', 'b'] }), crowd(1)];
    expect(withheld(judge(site, [platform('a', { requiredTraits: ['a'] })]))).toEqual([]);
    expect(withheld(judge(site, [platform('ab', { requiredTraits: ['a', 'b'] })]))).toEqual(['ab']);
    // Which clauses fail is told too (the reasons): every server is denied, but two for one clause only.
    expect(withheld(judge([crowd(2, { traits: ['sev', 'a'] }), crowd(2 * K)], [platform('ab', { requiredTraits: ['a', 'b'] })]))).toEqual(['ab']);
    // A preference for the rare value ranks the one server apart (the MIP list's preference fit).
    expect(withheld(judge([crowd(1, { traits: ['sev', 'rare-nic'] }), crowd(2 * K)], [platform('pref', { preferences: [{ weight: 1, trait: 'rare-nic' }] })]))).toEqual(['pref']);
  });

  it('judges platforms together, oldest first, with the released records', () => {
    // Two probes each splitting the site fairly, intersecting in one server: the newer one is withheld.
    const site = [crowd(1, { traits: ['sev', 'a', 'b'] }), crowd(K, { traits: ['sev', 'a'] }), crowd(K, { traits: ['sev', 'b'] }), crowd(K)];
    const older = platform('a', { requiredTraits: ['a'] });
    const newer = platform('b', { requiredTraits: ['b'] });
    expect(withheld(judge(site, [newer, older]))).toEqual(['b']);
    // A record that tells the crowds apart already is a side of its own: a platform may not split it.
    const records = [crowd(K, { traits: ['sev', 'a'] }, 'x'), crowd(1, {}, 'y'), crowd(K, {}, 'y')];
    expect(withheld(judge(records, [platform('a2', { requiredTraits: ['a'] })]))).toEqual([]);
    expect(withheld(judge([crowd(2, { traits: ['sev', 'a'] }, 'y'), crowd(K, {}, 'y')], [platform('a3', { requiredTraits: ['a'] })]))).toEqual(['a3']);
    // A site smaller than K that the platform leaves whole is answered.
    expect(withheld(judge([crowd(3)], [platform('all', { requiredTraits: ['sev'] })]))).toEqual([]);
  });

  it('answers a platform only for the requirements it judged: a newer revision, or none yet, is pending', () => {
    const taken = judge([crowd(2 * K)], [platform('p', {}), { ...platform('q', {}), passRevision: 0 }]);
    expect(taken).toEqual({ p: { revision: 1, withheld: false, racks: false, rows: false } });
    const censuses = new Map([['s1', taken]]);
    expect(withheldSites(censuses, 'p', 1, ['s1'])).toEqual(new Map());
    expect(withheldSites(censuses, 'p', 2, ['s1', 's2'])).toEqual(new Map([['s1', 'pending'], ['s2', 'pending']]));
    expect(withheldSites(censuses, 'q', 0, ['s1'])).toEqual(new Map([['s1', 'pending']]));
  });

  it('withholds a platform’s answers about racks (rows) where they would set 1 to K−1 of them apart from look-alikes', () => {
    // Six racks in two rows alike but for GPU servers (K of them in all, so servers are answered).
    const racks = (gpus: number[]) => gpus.flatMap((n, k) => [crowd(4, {}, 'r', `k${k}`, `w${k % 2}`), ...(n ? [crowd(n, { gpus: 2 }, 'g', `k${k}`, `w${k % 2}`)] : [])]);
    const gpu = platform('gpu', { properties: [{ op: 'gte', property: 'gpus', value: 1 }] });
    // In two racks, one per row: racks are told apart (2 of 6), rows are not.
    expect(judge(racks([3, 2, 0, 0, 0, 0]), [gpu]).gpu).toEqual({ revision: 1, withheld: false, racks: true, rows: false });
    // In three racks, all in one row: no rack is told apart from fewer than K look-alikes, but that row is.
    expect(judge(racks([2, 0, 2, 0, 1, 0]), [gpu]).gpu).toEqual({ revision: 1, withheld: false, racks: false, rows: true });
    // Racks whose released summaries already differ are sides of their own: a platform following them tells nothing more.
    const apart = racks([3, 0, 2, 0, 0, 0]);
    const summaries = new Map(apart.map((c) => [c.rackId, ['k0', 'k2'].includes(c.rackId) ? 'with GPUs' : 'without']));
    expect(takeCensus(apart, { rack: summaries, row: new Map(apart.map((c) => [c.rowId, 's'])) }, [gpu], K, 2).gpu!.racks).toBe(false);
    expect(judge(apart, [gpu]).gpu!.racks).toBe(true);
  });
});

const SCOPES = ['server', 'rack', 'row', 'site'] as const;
const site = dataCenter('cen', 1, 3, 4);
// One server in the first rack, another in the last (outside the first K, which the inventory changes below give the value).
const rareId = site.serverIds[0]!;
const commonId = site.serverIds[8]!;
const withTrait = (ids: string[]) => site.servers!.map((s) => ({ ...s, properties: { ...s.properties, traits: ids.includes(s.id) ? ['sev', 'rare-nic'] : ['sev'] } }));
let prober: Awaited<ReturnType<typeof registerProvider>>;
let probe: { id: string };
const tenants: { id: string; key: string; serverId: string; ids: Record<(typeof SCOPES)[number], string> }[] = [];

/** Everything each tenant and the prober are told about the probe: compatibility at every scope, and the MIP list entry. */
async function told() {
  return Promise.all(
    tenants.map(async (t) => {
      const answers = [];
      for (const scope of SCOPES) {
        const asked = await succeed('POST', '/v1/compatibility', { key: prober.key, body: { hardwareIds: [t.ids[scope]], platformId: probe.id } });
        answers.push(asked.results.map(({ index: _i, ...r }) => r)[0]!);
      }
      const list = await succeed('GET', `/v1/customers/${t.id}/mip-list?scope=rack`, { key: t.key });
      const entry = [...list.available, ...list.unavailable].find((e) => e.platformId === probe.id)!;
      return { answers, entry };
    }),
  );
}

beforeAll(async () => {
  await putInventory({ ...site, servers: withTrait([rareId]) });
  prober = await registerProvider();
  const home = await createPlatform((await registerProvider()).key);
  probe = await createPlatform(prober.key, { name: 'rare-nic-probe', requirements: { requiredTraits: ['rare-nic'] } });
  for (const serverId of [rareId, commonId]) {
    const c = await registerCustomer();
    await place(c.id, [serverId], home.id);
    const ids = {} as (typeof tenants)[number]['ids'];
    for (const scope of SCOPES) ids[scope] = (await succeed('POST', '/v1/hardware-ids', { key: c.key, body: { scope, audience: [c.id, prober.id], maxUses: 1000 } })).items[0]!.id;
    tenants.push({ ...c, serverId, ids });
  }
  await settled();
}, 60_000);

describe('a probe platform on a value one server holds', () => {
  it('is answered to nobody at that data center: the tenant on that server and another are told the same, and the provider why', async () => {
    const [rare, common] = await told();
    expect(rare).toEqual(common);
    for (const a of rare!.answers) {
      expect(a).toMatchObject({ approved: false, withheld: true, servers: { approved: null }, reasons: [{ reason: WITHHELD_REASONS.narrow, servers: null }] });
    }
    expect(rare!.entry).toMatchObject({ available: false, withheld: true, narrowestScope: null, coverage: { server: 0, rack: 0, row: 0, site: 0 }, reasons: [{ reason: WITHHELD_REASONS.narrow, placements: 1 }] });
    // The customer asking itself is told the same.
    const own = await succeed('POST', '/v1/compatibility', { key: tenants[0]!.key, body: { hardwareIds: [tenants[0]!.ids.server], platformId: probe.id } });
    expect(own.results[0]).toMatchObject({ withheld: true, reasons: [{ reason: WITHHELD_REASONS.narrow }] });
  });

  it('is answered once the inventory holds the value on K servers, and withheld again when it falls below', async () => {
    const holders = [rareId, ...site.serverIds.slice(1, K)];
    await putInventory({ servers: withTrait(holders) });
    const [rare, common] = await told();
    expect(rare!.answers[0]).toMatchObject({ approved: true, withheld: false });
    expect(common!.answers[0]).toMatchObject({ approved: false, withheld: false, reasons: [{ reason: 'missing trait rare-nic' }] });
    expect(rare!.entry.coverage.server).toBe(1);
    // Its answers about racks are not: the value sits in two of the three racks, each in its own numbers.
    expect(rare!.answers[1]).toMatchObject({ withheld: true, reasons: [{ reason: WITHHELD_REASONS.racks, servers: null }] });
    expect(rare!.answers[1]).toEqual(common!.answers[1]);
    // In the MIP list at rack scope: the rare tenant's own server approves; the other's does not and its rack is
    // not told of, so the list cannot say (withheld, not "no").
    expect(rare!.entry).toMatchObject({ available: true, withheld: false });
    expect(common!.entry).toMatchObject({ available: false, withheld: true, reasons: [{ reason: WITHHELD_REASONS.racks, placements: 1 }, { reason: 'missing trait rare-nic', placements: 1 }] });
    // A placement in another data center, where no server holds the value (answered: no), makes it a plain no.
    const elsewhere = dataCenter('cen2', 1, 1, K + 1);
    await putInventory(elsewhere);
    const both = await registerCustomer();
    await place(both.id, [commonId, elsewhere.serverIds[0]!], (await createPlatform(prober.key)).id);
    await settled();
    const list = await succeed('GET', `/v1/customers/${both.id}/mip-list?scope=rack`, { key: both.key });
    const entry = list.unavailable.find((e) => e.platformId === probe.id)!;
    expect(entry).toMatchObject({ available: false, withheld: false, narrowestScope: null });
    expect(entry.reasons.map((r) => r.reason).sort()).toEqual([WITHHELD_REASONS.racks, 'missing trait rare-nic', 'no compatible server with 8 free cores and 32 GiB free memory in the same rack'].sort());

    await putInventory({ servers: withTrait(holders.slice(0, K - 1)) });
    const [again, other] = await told();
    expect(again).toEqual(other);
    expect(again!.answers[0]).toMatchObject({ withheld: true, reasons: [{ reason: WITHHELD_REASONS.narrow }] });
  }, 60_000);

  it('follows the platform’s requirements, and answers nothing its census has not judged', async () => {
    await succeed('PATCH', `/v1/platforms/${probe.id}`, { key: prober.key, body: { requirements: { requiredTraits: ['sev'] } } });
    await settled();
    const [rare, common] = await told();
    expect(rare!.answers.map((a) => [a.approved, a.withheld])).toEqual(SCOPES.map(() => [true, false]));
    expect(common!.answers.map((a) => [a.approved, a.withheld])).toEqual(SCOPES.map(() => [true, false]));
    // Without the site's census (lost, or not taken yet), the platform is not answered there.
    await env.DB.prepare("delete from disclosure_released where kind = 'census' and key = 'cen'").run();
    const [unjudged] = await told();
    expect(unjudged!.answers.map((a) => a.reasons)).toEqual(SCOPES.map(() => [{ reason: WITHHELD_REASONS.pending, servers: null }]));
    // The next refresh of the site takes it again.
    await succeed('PUT', '/v1/inventory', { key: OPERATOR, body: { servers: withTrait([rareId]) } });
    await settled();
    const [judged] = await told();
    expect(judged!.answers[0]).toMatchObject({ approved: true, withheld: false });
  }, 60_000);
});

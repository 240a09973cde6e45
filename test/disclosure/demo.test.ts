/**
 * The policy on the demo data center (scripts/lib/demo-data.mjs): still as useful (every MIP list
 * and compatibility verdict the same as before the policy, recorded on the code before it in
 * test/fixtures/demo-answers-before.json; how: test/fixtures/README.md), and what is released is
 * k-anonymous, stable under a neighbour's small allocation change, and never states exact free
 * capacity.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS } from '../../src/constants';
import { freeClass } from '../../src/disclosure/classes';
import { settled } from '../factories';
import { bodyOf, call, expectStatus, OPERATOR, succeed } from '../http';
import before from '../fixtures/demo-answers-before.json';
import { seedDemo, type Demo } from './demo-world';

const SCOPES = ['server', 'rack', 'row', 'site'] as const;
/** The floor the issue sets (the constants may only be stricter). */
const AT_LEAST = { servers: Math.max(DISCLOSE_K_SERVERS, 5), units: Math.max(DISCLOSE_K_UNITS, 3) };
let demo: Demo;

beforeAll(async () => {
  demo = await seedDemo();
  await settled();
}, 60_000);

const ids = async (key: string, scope: (typeof SCOPES)[number], audience?: string[]) =>
  bodyOf(await call('POST', '/v1/hardware-ids', { key, body: { scope, maxUses: 1000, ...(audience ? { audience } : {}) } }), 201).items.map((i) => i.id) as string[];

/** Every customer's MIP list at every scope and every platform's verdicts on its units, as recorded before the policy. */
async function answers(): Promise<Record<string, string[] | boolean[]>> {
  const out: Record<string, string[] | boolean[]> = {};
  const platforms = demo.providers.flatMap((p) => p.platforms);
  for (const c of demo.customers) {
    for (const scope of SCOPES) {
      const r = await call('GET', `/v1/customers/${c.id}/mip-list?scope=${scope}`, { key: c.key });
      expectStatus(r, 200);
      out[`${c.name}/mip/${scope}`] = [...r.body.available, ...r.body.unavailable].map((e) => `${e.name}:${e.available}:${e.narrowestScope}:${JSON.stringify(e.coverage)}`);
      const hw = await ids(c.key, scope);
      for (const p of platforms) {
        const v = await call('POST', '/v1/compatibility', { key: c.key, body: { hardwareIds: hw, platformId: p.id } });
        expectStatus(v, 200);
        out[`${c.name}/compat/${scope}/${p.name}`] = v.body.results.map((x) => x.approved).sort();
      }
    }
  }
  return out;
}

describe('the demo data center under the disclosure policy', () => {
  it('gives every customer the same MIP lists and compatibility verdicts as before', async () => {
    expect(await answers()).toEqual(before);
  }, 120_000);

  it('withholds no demo platform at any demo data center, for servers, racks or rows: every kind of hardware a platform names sits on K servers, and in 3 racks and 3 rows, or more of its site', async () => {
    const rows = (await env.DB.prepare("select key, record from disclosure_released where kind = 'census'").all<{ key: string; record: string }>()).results;
    expect(rows.map((r) => r.key).sort()).toEqual(demo.inventory.sites.map((s) => s.id).sort());
    const platforms = demo.providers.flatMap((p) => p.platforms.map((x) => x.id)).sort();
    for (const r of rows) {
      const census = JSON.parse(r.record) as Record<string, { withheld: boolean; racks: boolean; rows: boolean }>;
      expect(Object.keys(census).sort()).toEqual(platforms);
      expect(Object.entries(census).filter(([, e]) => e.withheld || e.racks || e.rows)).toEqual([]);
    }
  });

  it('releases every server record shared by at least K servers, every rack and row summary by at least 3 units', async () => {
    const rows = await env.DB.prepare('select kind, key, record, members from disclosure_released').all<{ kind: string; key: string; record: string; members: number }>();
    const servers = rows.results.filter((r) => r.kind === 'server');
    // Every server of the data center has a crowd, and the crowds of one released record add up.
    expect(servers.reduce((n, r) => n + r.members, 0)).toBeGreaterThanOrEqual(demo.inventory.servers.length);
    for (const r of servers) expect(r.members).toBeGreaterThanOrEqual(AT_LEAST.servers);
    for (const kind of ['rack', 'row'] as const) {
      const units = rows.results.filter((r) => r.kind === kind);
      expect(units).toHaveLength(kind === 'rack' ? demo.inventory.racks.length : demo.inventory.rows.length);
      const counts = new Map<string, number>();
      for (const u of units) counts.set(u.record, (counts.get(u.record) ?? 0) + 1);
      for (const u of units) expect(counts.get(u.record)).toBeGreaterThanOrEqual(AT_LEAST.units);
    }
    // What customers are told about their own servers is one of those records, and not a trivial one.
    const c = demo.customers[0]!;
    const r = await call('POST', '/v1/compatibility', { key: c.key, body: { hardwareIds: await ids(c.key, 'server'), platformId: c.platformId, include: ['properties'] } });
    expectStatus(r, 200);
    const released = new Set(servers.map((s) => s.record));
    for (const x of r.body.results) {
      expect(released.has(JSON.stringify(x.properties))).toBe(true);
      expect(x.properties!.cpuModel).not.toBeNull();
    }
  });

  it('a 1-core change of another tenant’s allocation moves no server’s class, and no answer about its server', async () => {
    // Every demo server: a class taken afresh does not move when one core more or less is allocated.
    for (const s of demo.inventory.servers) {
      const free = { cores: s.properties.cores as number - s.capacity.coresAllocated, memoryGib: s.properties.memoryGib as number - s.capacity.memoryAllocatedGib };
      const cls = freeClass(free);
      for (const d of [-1, 1]) expect(freeClass({ ...free, cores: free.cores + d }, cls)).toEqual(cls);
    }
    // Through the API: the customer's whole view of a server it sits on, before and after.
    const c = demo.customers[1]!;
    const provider = demo.providers.find((p) => p.platforms.some((x) => x.id === c.platformId))!;
    const view = async () => {
      const seen: unknown[] = [];
      for (const scope of SCOPES) {
        seen.push((await call('GET', `/v1/customers/${c.id}/mip-list?scope=${scope}`, { key: c.key })).body);
        const hw = await ids(c.key, scope, [provider.id]);
        seen.push(bodyOf(await call('POST', '/v1/compatibility', { key: provider.key, body: { hardwareIds: hw, platformId: c.platformId, include: ['properties'] } }), 200).results.map(({ index: _i, ...x }: { index: number }) => x).sort((a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
      }
      return seen;
    };
    const seen = await view();
    const target = demo.inventory.servers.find((s) => s.id === c.servers[0])!;
    for (const d of [1, -1]) {
      const capacity = { ...target.capacity, coresAllocated: target.capacity.coresAllocated + (d > 0 ? 1 : 0) };
      expectStatus(await call('PUT', '/v1/inventory', { key: OPERATOR, body: { servers: [{ ...target, capacity }] } }), 200);
      // Answers read `fresh: false` while the recompute queue works: compare once it has caught up.
      await settled();
      expect(await view()).toEqual(seen);
    }
  }, 60_000);

  it('states no server’s free cores or memory in any reason, even when a provider probes', async () => {
    const reasons: string[] = [];
    for (const c of demo.customers) {
      const provider = demo.providers.find((p) => p.platforms.some((x) => x.id === c.platformId))!;
      for (const scope of ['server', 'rack'] as const) {
        const hw = await ids(c.key, scope, [c.id, provider.id]);
        for (const p of demo.providers.flatMap((x) => x.platforms)) {
          reasons.push(...bodyOf(await call('POST', '/v1/compatibility', { key: c.key, body: { hardwareIds: hw, platformId: p.id } }), 200).results.flatMap((x) => x.reasons.map((y) => y.reason)));
        }
        for (const minFree of [{ cores: 100000, memoryGib: 0 }, { cores: 0, memoryGib: 100000 }, { cores: 37, memoryGib: 0 }]) {
          const r = await call('POST', '/v1/compatibility', { key: provider.key, body: { hardwareIds: hw, requirements: { minFree } } });
          expectStatus(r, 200);
          reasons.push(...r.body.results.flatMap((x) => x.reasons.map((y) => y.reason)));
        }
      }
      reasons.push(...bodyOf(await call('GET', `/v1/customers/${c.id}/mip-list?scope=rack`, { key: c.key }), 200).unavailable.flatMap((e) => e.reasons.map((y) => y.reason)));
    }
    const capacity = reasons.filter((r) => /free/.test(r));
    expect(capacity.length).toBeGreaterThan(0);
    // The requirement, or the customer's own placement's demand: never a server's value.
    for (const r of capacity) expect(r).toMatch(/^(free (cores|memory) below the required \d+( GiB)?( \(not released for this server: too few servers share it\))?|no compatible server with \d+ free cores and \d+ GiB free memory in the same (rack|row|site))$/);
  }, 120_000);

  it('judges a provider’s ad-hoc rules on the released records, which on the demo still show what customers run on', async () => {
    const c = demo.customers[0]!;
    const provider = demo.providers.find((p) => p.platforms.some((x) => x.id === c.platformId))!;
    const hw = await ids(c.key, 'server', [provider.id]);
    const r = await succeed('POST', '/v1/compatibility', { key: provider.key, body: { hardwareIds: hw, requirements: { properties: [{ op: 'gte', property: 'memoryGib', value: 100000 }] } } });
    expect(r.results.length).toBeGreaterThan(0);
    for (const x of r.results) expect(x.reasons.map((y) => y.reason)).toEqual([expect.stringMatching(/^memory \d+ GiB < required 100000 GiB$/)]);
  });
});

/**
 * The attack suite (cloud cartography). Colluding customers, SEATS on each of six servers whose
 * exact free capacity is unique in the data center, in racks of different sizes and make-ups, hand
 * their IDs to one colluding provider, and together use every endpoint a customer or provider can
 * call: IDs at every scope, discover, compatibility with properties, with probe platforms (capacity
 * and static requirements) and with ad-hoc requirements (minFree binary search), the MIP list at
 * every scope, error bodies and response sizes. For 200 balanced pairs per question they decide
 * "co-resident on a server?" and "in one rack?"; each channel says "yes" when the two accounts'
 * observations are equal. Negatives are look-alikes: accounts on other servers of the same released
 * class (what k-anonymity guarantees a crowd of), in the same rack, the same row or another row, so
 * the suite measures what the answers tell beyond the class. It fails if a channel beats 55 %
 * (chance: 50 %), or if moving a tenant's allocation by 1 to 4 cores changes what any account sees.
 * Control rows show what the exact values, were they released, would give: the attack can fail.
 */
import type { z } from '@hono/zod-openapi';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Requirements } from '../../src/catalog/schema';
import { OPERATOR, succeed } from '../http';
import { createPlatform, putInventory, registerCustomer, registerProvider, server, settled } from '../factories';
import { each, HEADER, observeIds, pairs, SCOPES, table, type Account, type Observations, type Scope, type Slot } from './attack-kit';

const SEATS = 7;
/**
 * The kinds of server: the look-alike class (where the accounts sit) and fillers of another class,
 * two with another make-up (hard disks, GPUs). Free cores at the foot of their band: without
 * hysteresis, taking a few cores would move the class.
 */
const KINDS = {
  alike: { free: [32, 200], properties: {} },
  filler: { free: [10, 50], properties: {} },
  disk: { free: [10, 50], properties: { storageKind: 'hdd', storageGib: 16000 } },
  gpu: { free: [10, 50], properties: { gpus: 2 } },
} as const;
type Kind = keyof typeof KINDS;
/**
 * Per rack: its servers (racks of 4 to 7 servers, each its own mix of kinds, so exact counts of a
 * rack's servers, of those approving and of those failing a requirement tell the racks apart) and
 * the positions of the seated ones. The GPU servers (K of them, so the census answers a platform
 * naming them) sit in two racks, one per row: whether a rack holds that kind at all tells the
 * racks of a row apart.
 */
const RACKS: { row: number; servers: Kind[]; seated: number[] }[] = [
  { row: 0, servers: ['alike', 'alike', 'gpu', 'disk', 'gpu', 'gpu'], seated: [0, 1] },
  { row: 0, servers: ['alike', 'alike', 'filler', 'disk', 'disk'], seated: [0, 1] },
  { row: 1, servers: ['alike', 'alike', 'filler', 'disk', 'alike', 'gpu', 'gpu'], seated: [0, 1] },
  { row: 1, servers: ['alike', 'alike', 'filler', 'disk', 'filler', 'disk', 'disk'], seated: [] },
];
/** Probe platforms: minFree thresholds in cores (memory: 4 GiB per core)… */
const THRESHOLDS = [1, 8, 12, 16, 24, 32, 48, 64, 96, 128];
/**
 * …and static requirements: every rack has servers meeting and failing the first two, in its own
 * numbers; the third names the kind only two racks hold.
 */
const STATIC_PROBES: z.input<typeof Requirements>[] = [
  { properties: [{ op: 'eq', property: 'storageKind', value: 'nvme' }] },
  { properties: [{ op: 'gte', property: 'storageGib', value: 8000 }] },
  { properties: [{ op: 'gte', property: 'gpus', value: 1 }] },
];
/** Every server's total, released with its properties: the attacker's upper bound. */
const TOTAL = { cores: 128, memoryGib: 512 };
const SEARCHED = new Set<Scope>(['server', 'rack']);
/** Ad-hoc thresholds inside the spread of the look-alikes' exact free capacity. */
const SPREAD = [{ cores: 33, memoryGib: 0 }, { cores: 0, memoryGib: 201 }];

const slots: Slot[] = [];
const accounts: Account[] = [];
let colluder: { id: string; key: string };
const probes: string[] = [];

function inventory() {
  const inv = { sites: [{ id: 'atk', name: 'Attack site', region: 'eu' }], rows: [] as { id: string; siteId: string; name: string }[], racks: [] as { id: string; rowId: string; name: string }[], servers: [] as ReturnType<typeof server>[] };
  const jitter = new Map<string, number>();
  for (const [k, rack] of RACKS.entries()) {
    const rowId = `atk-r${rack.row}`;
    if (!inv.rows.some((r) => r.id === rowId)) inv.rows.push({ id: rowId, siteId: 'atk', name: `Row ${rack.row}` });
    const rackId = `atk-k${k}`;
    inv.racks.push({ id: rackId, rowId, name: `Rack ${k}` });
    for (const [p, kind] of rack.servers.entries()) {
      // Exact free capacity unique in the data center: the class's base plus a jitter.
      const [cores, memoryGib] = KINDS[kind].free;
      const i = jitter.get(`${cores}`) ?? 0;
      jitter.set(`${cores}`, i + 1);
      const free = { cores: cores + (i % 4), memoryGib: memoryGib + Math.floor(i / 4) };
      const input = server(`${rackId}-v${p}`, rackId, { ...TOTAL, ...KINDS[kind].properties }, { coresAllocated: TOTAL.cores - free.cores, memoryAllocatedGib: TOTAL.memoryGib - free.memoryGib });
      inv.servers.push(input);
      if (rack.seated.includes(p)) slots.push({ serverId: input.id, rack: k, row: rack.row, free, input });
    }
  }
  return inv;
}

const withoutIndex = ({ index: _i, ...rest }: { index: number }) => rest;

/** Every account's ID at `scope` presented by the colluding provider in one request (answers in order). */
async function compat(scope: Scope, body: Record<string, unknown>, who: Account[] = accounts) {
  return (await succeed('POST', '/v1/compatibility', { key: colluder.key, body: { ...body, hardwareIds: who.map((a) => a.ids[scope]) } })).results;
}

/**
 * Per account, the largest ad-hoc minFree its unit at `scope` approves, cores and memory searched
 * apart up to the server's total (released with its properties): the exact free capacity, were
 * requester-controlled thresholds judged on it.
 */
async function binarySearch(scope: Scope): Promise<number[][]> {
  const search = async (dim: 'cores' | 'memoryGib') => {
    const lo = accounts.map(() => 0);
    const hi = accounts.map(() => TOTAL[dim]);
    while (accounts.some((_, i) => lo[i]! < hi[i]!)) {
      const mids = accounts.map((_, i) => Math.ceil((lo[i]! + hi[i]!) / 2));
      for (const mid of new Set(mids.filter((_, i) => lo[i]! < hi[i]!))) {
        const who = accounts.filter((_, i) => lo[i]! < hi[i]! && mids[i] === mid);
        const results = await compat(scope, { requirements: { minFree: { cores: 0, memoryGib: 0, [dim]: mid } } }, who);
        who.forEach((a, n) => {
          const i = accounts.indexOf(a);
          if (results[n]!.approved) lo[i] = mid;
          else hi[i] = mid - 1;
        });
      }
    }
    return lo;
  };
  const [cores, memory] = await Promise.all([search('cores'), search('memoryGib')]);
  return accounts.map((_, i) => [cores[i]!, memory[i]!]);
}

/** What changes with capacity: compatibility answers, minFree searches and MIP lists, per account. */
async function observe(): Promise<Observations> {
  const out: Observations = new Map(accounts.map((a) => [a, {}]));
  const record = (a: Account, channel: string, value: unknown) => (out.get(a)![channel] = JSON.stringify(value));
  // Compatibility at every scope and every account's MIP lists, all at once: no request depends on another's answer.
  const compatibility = each([...SCOPES], async (scope) => {
    // The first probe with properties also gives that probe's verdict: one request, not two.
    const [shown, ...others] = await Promise.all([{ platformId: probes[0], include: ['properties'] }, ...probes.slice(1).map((platformId) => ({ platformId }))].map((body) => compat(scope, body)));
    const verdicts = [shown!.map(({ properties: _p, propertiesSummary: _s, ...v }) => v), ...others];
    // Binary search where the questions are asked; wider units get probes inside the class's spread.
    const probed = SEARCHED.has(scope) ? [] : await Promise.all(SPREAD.map((minFree) => compat(scope, { requirements: { minFree } })));
    const adHoc = SEARCHED.has(scope) ? await binarySearch(scope) : accounts.map((_, i) => probed.map((r) => r[i]!.approved));
    return { scope, shown: shown!, verdicts, adHoc };
  });
  const lists = each(
    accounts.flatMap((a) => SCOPES.map((scope) => ({ a, scope }))),
    async ({ a, scope }) => {
      const { customerId: _c, ...list } = await succeed('GET', `/v1/customers/${a.id}/mip-list?scope=${scope}`, { key: a.key });
      return list;
    },
    12,
  );
  const [answers, mip] = await Promise.all([compatibility, lists]);
  // Recorded in a fixed order, so the table reads the same on every run.
  for (const { scope, shown, verdicts, adHoc } of answers) {
    accounts.forEach((a, i) => {
      record(a, `compatibility ${scope}: properties, verdict, reasons`, withoutIndex(shown[i]!));
      record(a, `compatibility ${scope}: ${probes.length} probe platforms (minFree, static)`, verdicts.map((v) => withoutIndex(v[i]!)));
      record(a, `compatibility ${scope}: ad-hoc minFree ${SEARCHED.has(scope) ? 'binary search' : 'probes'}`, adHoc[i]);
    });
  }
  accounts.forEach((a, i) => {
    const own = mip.slice(i * SCOPES.length, (i + 1) * SCOPES.length);
    SCOPES.forEach((scope, n) => record(a, `MIP list, scope ${scope}`, own[n]));
    record(a, 'response sizes (MIP lists)', own.map((list) => JSON.stringify(list).length));
  });
  return out;
}

let before: Observations;

beforeAll(async () => {
  await putInventory(inventory());
  const current = await registerProvider();
  colluder = await registerProvider();
  const home = await createPlatform(current.key);
  for (const [i, cores] of THRESHOLDS.entries()) {
    probes.push((await createPlatform(colluder.key, { name: `probe-${i}`, requirements: { minFree: { cores, memoryGib: cores * 4 } } })).id);
  }
  for (const [i, requirements] of STATIC_PROBES.entries()) probes.push((await createPlatform(colluder.key, { name: `static-probe-${i}`, requirements })).id);
  const seats = slots.flatMap((slot) => Array.from({ length: SEATS }, () => slot));
  accounts.push(...(await each(seats, async (slot) => ({ ...(await registerCustomer()), slot, ids: {} as Account['ids'] }))));
  const placements = accounts.map((a) => ({ customerId: a.id, serverId: a.slot.serverId, platformId: home.id, storageAddress: `iscsi://s/${a.id}`, cores: 1, memoryGib: 1 }));
  await succeed('PUT', '/v1/placements', { key: OPERATOR, body: { placements } });
  await settled();
  // Every account mints at every scope once, for itself and the colluding provider.
  await each(accounts.flatMap((a) => SCOPES.map((scope) => ({ a, scope }))), async ({ a, scope }) => {
    const r = await succeed('POST', '/v1/hardware-ids', { key: a.key, body: { scope, audience: [a.id, colluder.id], maxUses: 1000, ttlSeconds: 3600 } });
    a.ids[scope] = r.items[0]!.id;
  });
  // What does not change with capacity (IDs, discover, errors) is observed beside the rest, once.
  const ids: Observations = new Map(accounts.map((a) => [a, {}]));
  [before] = await Promise.all([observe(), observeIds(accounts, ids)]);
  for (const a of accounts) Object.assign(before.get(a)!, ids.get(a));
}, 600_000);

describe('cartography attack suite', () => {
  it('no channel tells co-residency at server or rack level better than 55 %', () => {
    const questions = { server: pairs(accounts, 'server'), rack: pairs(accounts, 'rack') };
    for (const list of Object.values(questions)) {
      expect(list).toHaveLength(200);
      expect(list.filter((p) => p.positive)).toHaveLength(100);
    }
    // Controls, never released: what the operator knows, the attack run on it.
    const exact: Observations = new Map(accounts.map((a) => [a, {
      'control (not released): the server’s exact free cores and memory': JSON.stringify(a.slot.free),
      'control (not released): the rack’s exact free cores and memory': JSON.stringify(slots.filter((s) => s.rack === a.slot.rack).reduce((n, s) => [n[0]! + s.free.cores, n[1]! + s.free.memoryGib], [0, 0])),
    }]));
    const rows = table(before, questions);
    const controls = table(exact, questions);
    console.log(`cartography attack: ${accounts.length} accounts on ${slots.length} servers, ${questions.server.length} server pairs, ${questions.rack.length} rack pairs\n${HEADER}\n${[...rows, ...controls].map((r) => r.line).join('\n')}`);
    expect(controls.map((r) => Math.max(r.server, r.rack))).toEqual([1, 1]);
    for (const r of rows) {
      expect.soft(r.server, `${r.channel} (server)`).toBeLessThanOrEqual(0.55);
      expect.soft(r.rack, `${r.channel} (rack)`).toBeLessThanOrEqual(0.55);
    }
  });

  it('moving a tenant’s allocation by 1 to 4 cores changes nothing any account sees', async () => {
    const moved = slots.filter((_, i) => i % 2 === 0).map((slot, n) => ({ slot, d: n + 1 }));
    const servers = [...moved, { slot: slots[1]!, d: 4 }].map(({ slot, d }) => ({ ...slot.input, capacity: { coresAllocated: TOTAL.cores - slot.free.cores + d, memoryAllocatedGib: TOTAL.memoryGib - slot.free.memoryGib } }));
    await succeed('PUT', '/v1/inventory', { key: OPERATOR, body: { servers } });
    await settled(120_000);
    const after = await observe();
    const changed = accounts.filter((a) => Object.entries(after.get(a)!).some(([ch, v]) => before.get(a)![ch] !== v));
    expect(changed.map((a) => `${a.slot.serverId}: ${Object.keys(after.get(a)!).filter((ch) => before.get(a)![ch] !== after.get(a)![ch]).join(', ')}`)).toEqual([]);
  }, 600_000);
});

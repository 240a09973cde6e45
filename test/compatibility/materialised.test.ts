import type { z } from '@hono/zod-openapi';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { recordRevocations, refreshCensus, releaseRevocations, setMigrationTarget } from '../../src/compatibility/revoked';
import { markSitesPending } from '../../src/disclosure/store';
import { markOutboxDelivered, pendingOutboxEvents } from '../../src/webhooks/provider-events';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { getPlatform } from '../../src/catalog/store';
import { planPass, startPass } from '../../src/compatibility/passes';
import { consumeRecompute, type RecomputeMessage } from '../../src/compatibility/queue';
import { compatibilityJob, rebuildRacks } from '../../src/compatibility/recompute';
import { COMPAT_PASS_REPAIR_MS } from '../../src/constants';
import { platformsWithSlots, readServerRows } from '../../src/compatibility/store';
import { readUnits, refreshUnits } from '../../src/compatibility/units';
import { untilAfter } from '../../src/inventory/facts';
import { getDb } from '../../src/db';
import type { InventoryBody } from '../../src/inventory/schema';
import { bodyOf, call, expectProblem, expectStatus, offSchema, OPERATOR, succeed } from '../http';
import { createPlatform, dataCenter, place, putInventory, registerCustomer, registerProvider, settled } from '../factories';

type Inventory = Required<z.input<typeof InventoryBody>>;

const db = getDb(env.DB);
let worlds = 0;

/**
 * A site of 2 rows × 2 racks × 2 servers (ids `mt-r1-k1-v1`… in the first world, `mt2-…` in the
 * next), a provider with a platform needing `sev` and 8 free cores and one needing `sev` only, and
 * a customer on the first two servers of rack r1-k1 on the first (`perRack` servers per rack).
 * Every test builds its own.
 */
async function mtWorld(perRack = 2) {
  const dc = `mt${++worlds === 1 ? '' : worlds}`;
  const { serverIds, ...inventory } = dataCenter(dc, 2, 2, perRack) as Inventory & { serverIds: string[] };
  await putInventory(inventory);
  const provider = await registerProvider();
  const customer = await registerCustomer();
  const sevPlatform = await createPlatform(provider.key, { requirements: { requiredTraits: ['sev'], minFree: { cores: 8, memoryGib: 0 } } });
  const target = await createPlatform(provider.key, { requirements: { requiredTraits: ['sev'] } });
  await place(customer.id, [`${dc}-r1-k1-v1`, `${dc}-r1-k1-v2`], sevPlatform.id);
  const racks = [`${dc}-r1-k1`, `${dc}-r1-k2`, `${dc}-r2-k1`, `${dc}-r2-k2`];
  return { dc, serverIds, inventory, provider, customer, sevPlatform, target, racks, rows: [`${dc}-r1`, `${dc}-r2`] };
}

type MtWorld = Awaited<ReturnType<typeof mtWorld>>;

/** Server `name` (e.g. `r1-k1-v1`) of world `w` as PUT takes it, after `change`. */
function changed(w: MtWorld, name: string, change: (s: Inventory['servers'][number]) => void): Inventory {
  const s = structuredClone(w.inventory.servers.find((x) => x.id === `${w.dc}-${name}`)!);
  change(s);
  return { sites: [], rows: [], racks: [], servers: [s] };
}

const count = async (sql: string) => (await env.DB.prepare(`select count(*) as n from ${sql}`).first<number>('n'))!;

/** The verdict key of a platform inside server and unit rows. */
async function slotOf(platformId: string): Promise<string> {
  const row = await env.DB.prepare('select slot from compat_platforms where platform_id = ?').bind(platformId).first<{ slot: number }>();
  return `s${row!.slot}`;
}

async function drainOutbox() {
  const events = await pendingOutboxEvents(db, 100);
  await markOutboxDelivered(db, events.map((e) => e.id), Date.now());
  return events;
}

describe('the materialised table', () => {
  it('holds one compact row per server with a verdict per platform, and aggregates per unit', async () => {
    const w = await mtWorld();
    const rows = await readServerRows(db, w.serverIds);
    expect(rows.size).toBe(8);
    const row = rows.get(`${w.dc}-r1-k1-v1`)!;
    expect(row).toMatchObject({ rackId: `${w.dc}-r1-k1`, rowId: `${w.dc}-r1`, siteId: w.dc, freeCores: 64, freeMemoryGib: 256 });
    const [sev, tgt] = [await slotOf(w.sevPlatform.id), await slotOf(w.target.id)];
    // A verdict for every platform there is (other tests' too); this world's two approve.
    expect(Object.keys(row.verdicts)).toHaveLength(await count('compat_platforms'));
    expect({ [sev]: row.verdicts[sev], [tgt]: row.verdicts[tgt] }).toEqual({ [sev]: 0, [tgt]: 0 });
    const site = (await readUnits(db, 'site', [w.dc])).get(w.dc)!;
    expect(site.servers).toBe(8);
    expect({ [sev]: site.aggregates[sev], [tgt]: site.aggregates[tgt] }).toEqual({
      [sev]: { a: 8, d: 0, f: [[64, 256]], r: {} },
      [tgt]: { a: 8, d: 0, f: [[64, 256]], r: {} },
    });
  });

  it('a capacity change reaches the server row and every unit above it', async () => {
    const w = await mtWorld();
    await putInventory(changed(w, 'r2-k2-v2', (s) => (s.capacity = { coresAllocated: 60, memoryAllocatedGib: 0 })));
    const row = (await readServerRows(db, [`${w.dc}-r2-k2-v2`])).get(`${w.dc}-r2-k2-v2`)!;
    // 4 free cores: the row holds the class (src/disclosure/classes.ts), [0, 8) cores.
    expect(row.freeCores).toBe(0);
    const [sev, tgt] = [await slotOf(w.sevPlatform.id), await slotOf(w.target.id)];
    // Clause 1 of the sev platform is its minimum of 8 free cores.
    expect({ [sev]: row.verdicts[sev], [tgt]: row.verdicts[tgt] }).toEqual({ [sev]: [1], [tgt]: 0 });
    const rack = (await readUnits(db, 'rack', [`${w.dc}-r2-k2`])).get(`${w.dc}-r2-k2`)!;
    expect(rack.aggregates[sev]).toEqual({ a: 1, d: 1, f: [[64, 256]], r: { 1: 1 } });
    const site = (await readUnits(db, 'site', [w.dc])).get(w.dc)!;
    expect(site.aggregates[sev]).toMatchObject({ a: 7, d: 1, r: { 1: 1 } });
  });
});

/** An mtWorld of 3 servers per rack (12: a change of a whole row sets K servers or more apart), settled. */
async function rvWorld() {
  const w = await mtWorld(3);
  await settled();
  const inRow = (row: string, change: (s: Inventory['servers'][number]) => void): Inventory => {
    const servers = structuredClone(w.inventory.servers.filter((x) => x.id.startsWith(`${w.dc}-${row}-`)));
    servers.forEach(change);
    return { sites: [], rows: [], racks: [], servers };
  };
  return { ...w, inRow };
}

describe('compatibility.revoked', () => {
  it('is recorded when servers stop satisfying the platform their customer runs on', async () => {
    const w = await rvWorld();
    await drainOutbox();
    // The whole first row (6 of the 12 servers, the customer's two among them) loses `sev`.
    await putInventory(w.inRow('r1', (s) => (s.properties.traits = ['avx512'])));
    await settled();
    const events = await drainOutbox();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'compatibility.revoked', customerId: w.customer.id, platformId: w.sevPlatform.id, providerId: w.provider.id });
    expect(events[0]!.payload).toMatchObject({
      type: 'compatibility.revoked',
      customerId: w.customer.id,
      platformId: w.sevPlatform.id,
      relation: 'current',
      servers: 2,
      reasons: [{ reason: 'missing trait sev', servers: 2 }],
    });
    const text = JSON.stringify(events);
    for (const s of w.inventory.servers) for (const value of [s.id, s.rackId, ...Object.values(s.identity)]) expect(text).not.toContain(value);
  });

  it('is not recorded again while the servers stay incompatible, nor for servers without the customer', async () => {
    const w = await rvWorld();
    const incompatible = w.inRow('r1', (s) => (s.properties.traits = ['avx512']));
    await putInventory(incompatible);
    await settled();
    expect(await drainOutbox()).toHaveLength(1);
    for (const s of incompatible.servers) s.properties.memoryGib = 512;
    await putInventory(incompatible);
    await putInventory(w.inRow('r2', (s) => (s.properties.traits = [])));
    await settled();
    expect(await drainOutbox()).toEqual([]);
  });

  it('is recorded for the platform a customer is migrating to when its requirements change', async () => {
    const w = await rvWorld();
    await setMigrationTarget(db, w.customer.id, w.target.id);
    await drainOutbox();
    const r = await call('PATCH', `/v1/platforms/${w.target.id}`, { key: w.provider.key, body: { requirements: { requiredTraits: ['sev', 'tdx'] } } });
    expectStatus(r, 200);
    await settled();
    const events = await drainOutbox();
    expect(events.map((e) => e.payload)).toEqual([expect.objectContaining({ platformId: w.target.id, relation: 'target', servers: 2, reasons: [{ reason: 'missing trait tdx', servers: 2 }] })]);
    await setMigrationTarget(db, w.customer.id, null);
  });

  it('delivered events leave the pending list', async () => {
    const w = await rvWorld();
    await drainOutbox();
    await putInventory(w.inRow('r1', (s) => (s.properties.traits = [])));
    await settled();
    const [event] = await pendingOutboxEvents(db, 10);
    expect(event?.customerId).toBe(w.customer.id);
    await markOutboxDelivered(db, [event!.id], Date.now());
    expect(await pendingOutboxEvents(db, 10)).toEqual([]);
  });

  it('waits for the census of the server’s data center to judge the change before it is released', async () => {
    const w = await rvWorld();
    await drainOutbox();
    const platform = (await platformsWithSlots(db)).find((p) => p.platform.id === w.sevPlatform.id)!;
    // A flip recorded while the site waits for its refresh (as every recompute marks it first).
    await markSitesPending(db, [w.dc]);
    expect(await recordRevocations(db, [{ serverId: `${w.dc}-r1-k1-v1`, siteId: w.dc, platform, failed: [0] }], Date.now())).toBe(1);
    expect(await releaseRevocations(db)).toBe(0);
    expect(await drainOutbox()).toEqual([]);
    // The refresh judges the site, then releases it (the census answers the platform there).
    await refreshCensus(db);
    expect((await drainOutbox()).map((e) => e.payload)).toEqual([expect.objectContaining({ platformId: w.sevPlatform.id, servers: 1, reasons: [{ reason: 'missing trait sev', servers: 1 }] })]);
    expect(await releaseRevocations(db)).toBe(0);
  });

  it('tells the provider nothing the census withholds: a change or requirements that set fewer than K servers apart', async () => {
    const w = await rvWorld();
    await drainOutbox();
    // One server (the customer's) loses `sev`: the platform's answers would single it out.
    await putInventory(w.inRow('r1', (s) => s.id.endsWith('-k1-v1') && (s.properties.traits = ['avx512'])));
    await settled();
    expect(await drainOutbox()).toEqual([]);
    // As the compatibility answers say nothing there either.
    const ids = (await succeed('POST', '/v1/hardware-ids', { key: w.customer.key, body: { scope: 'server', audience: [w.provider.id] } })).items.map((i) => i.id);
    const asked = await succeed('POST', '/v1/compatibility', { key: w.provider.key, body: { hardwareIds: ids, platformId: w.sevPlatform.id } });
    expect(asked.results.map((x) => x.withheld)).toEqual([true, true]);
    // Requirements only one server of the site meets (a probe for its rare NIC), which the customer's
    // other server fails: nothing either.
    await putInventory(w.inRow('r2', (s) => s.id.endsWith('-k1-v1') && (s.properties.traits = ['sev', 'rare-nic'])));
    await setMigrationTarget(db, w.customer.id, w.target.id);
    await settled();
    await drainOutbox();
    expectStatus(await call('PATCH', `/v1/platforms/${w.target.id}`, { key: w.provider.key, body: { requirements: { requiredTraits: ['rare-nic'] } } }), 200);
    await settled();
    expect(await drainOutbox()).toEqual([]);
    await setMigrationTarget(db, w.customer.id, null);
  });
});

describe('platform passes on the queue', () => {
  /** Delivers messages to the Worker's queue handler as the queue would, and returns their outcome. */
  async function deliver(messages: RecomputeMessage[]) {
    const batch = createMessageBatch<RecomputeMessage>('inplace-recompute', messages.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
    await consumeRecompute(batch.messages, env);
    return getQueueResult(batch, createExecutionContext());
  }
  const mipEntry = async (w: MtWorld, platformId: string) => {
    const list = bodyOf(await call('GET', `/v1/customers/${w.customer.id}/mip-list?scope=site`, { key: w.customer.key }), 200);
    return [...list.available, ...list.unavailable].find((e) => e.platformId === platformId);
  };
  const status = async (platformId: string) =>
    bodyOf(await call('GET', '/v1/compatibility/status', { key: OPERATOR }), 200).platforms.find((p) => p.platformId === platformId);

  it('run page by page, show their progress and fresh: false until the last page, and end as a refresh from the server rows would', async () => {
    const w = await mtWorld();
    const p = await createPlatform(w.provider.key, { requirements: { requiredTraits: ['sev'], minFree: { cores: 16, memoryGib: 64 } } });
    const key = await slotOf(p.id);
    const slotOfUnits = async (scope: 'rack' | 'row' | 'site', ids: string[]) =>
      [...(await readUnits(db, scope, ids)).values()].map((u) => [u.unitId, u.aggregates[key]]);
    const units = async () => [await slotOfUnits('rack', w.racks), await slotOfUnits('row', w.rows), await slotOfUnits('site', [w.dc])];
    const before = await units();
    // Pages of one rack (2 servers) over every rack there is, other tests' worlds' too.
    const racks = await count('(select distinct rack_id from servers)');
    // A new pass over the same requirements (its messages kept here), in pages of one rack.
    const sent: RecomputeMessage[] = [];
    const keep = async (messages: RecomputeMessage[]) => void sent.push(...messages);
    await env.DB.prepare("update compat_platforms set revision = 0, pass_revision = 0, pages_total = 0, computed_at = 0 where platform_id = ?").bind(p.id).run();
    await env.DB.prepare("delete from compat_pass_pages where platform_id = ?").bind(p.id).run();
    await startPass(db, keep, (await getPlatform(db, p.id))!);
    // The census of every site first (a site per message), then the pages.
    expect(sent).toEqual([{ kind: 'released' }, { kind: 'plan', platformId: p.id, revision: 1 }]);
    expect(await status(p.id)).toMatchObject({ revision: 1, computedRevision: 0, passRevision: 1, pages: { total: 0, done: 0 }, fresh: false });
    expect(await mipEntry(w, p.id)).toMatchObject({ fresh: false });
    await planPass(db, keep, { platformId: p.id, revision: 1, pageServers: 2 });
    const pages = sent.filter((m) => m.kind === 'page');
    expect(pages).toHaveLength(racks);
    expect((await deliver(pages.slice(0, 2))).explicitAcks).toEqual(['m0', 'm1']);
    expect(await status(p.id)).toMatchObject({ pages: { total: racks, done: 2 }, fresh: false });
    expect(await mipEntry(w, p.id)).toMatchObject({ fresh: false });
    // Redelivered: the page is done already, nothing moves.
    await deliver([pages[0]!]);
    expect(await status(p.id)).toMatchObject({ pages: { total: racks, done: 2 } });
    await deliver(pages.slice(2));
    expect(await status(p.id)).toMatchObject({ computedRevision: 1, pages: { total: racks, done: racks }, fresh: true });
    expect(await mipEntry(w, p.id)).toMatchObject({ fresh: true });
    const byPass = await units();
    expect(byPass).toEqual(before);
    // The whole pass delivered again changes nothing either.
    await deliver([{ kind: 'plan', platformId: p.id, revision: 1 }, ...pages]);
    expect(await units()).toEqual(before);
    await refreshUnits(db, w.racks);
    expect(await units()).toEqual(byPass);
    expect(byPass[2]).toEqual([[w.dc, expect.objectContaining({ a: expect.any(Number), d: expect.any(Number) })]]);
  });

  it('a pass planned before most of the inventory arrived computes it all in pages within their bound, as a pass planned after it does', async () => {
    const provider = await registerProvider();
    const p = await createPlatform(provider.key, { requirements: { requiredTraits: ['sev'], minFree: { cores: 16, memoryGib: 64 } } });
    const key = await slotOf(p.id);
    // A data center (racks sorting after every other world's) of 2 rows × 6 racks × 2 servers, told
    // apart: some servers lack `sev`, some have too few cores free.
    const late = dataCenter('zlate', 2, 6, 2) as Inventory;
    late.servers.forEach((s, i) => {
      if (i % 3 === 0) s.properties.traits = [];
      if (i % 4 === 1) s.capacity = { coresAllocated: 56, memoryAllocatedGib: 0 };
    });
    const inRacks = (...racks: string[]) => late.servers.filter((s) => racks.includes(s.rackId));
    // When the pass is planned, only its first rack of each row holds servers.
    await putInventory({ ...late, servers: inRacks('zlate-r1-k1', 'zlate-r2-k1') });
    const pageServers = 4;
    const sent: RecomputeMessage[] = [];
    const keep = async (messages: RecomputeMessage[]) => void sent.push(...messages);
    /** P's slot dropped everywhere, then a pass of pages of `pageServers` planned, its messages kept in `sent`. */
    const plan = async () => {
      sent.length = 0;
      await env.DB.prepare('update compat_servers set verdicts = json_remove(verdicts, ?1)').bind(`$.${key}`).run();
      await env.DB.prepare('update compat_units set aggregates = json_remove(aggregates, ?1)').bind(`$.${key}`).run();
      await env.DB.prepare('update compat_platforms set revision = 0, pass_revision = 0, pages_total = 0 where platform_id = ?').bind(p.id).run();
      await env.DB.prepare('delete from compat_pass_pages where platform_id = ?').bind(p.id).run();
      await startPass(db, keep, (await getPlatform(db, p.id))!);
      await planPass(db, keep, { platformId: p.id, revision: 1, pageServers });
    };
    /** P's verdict on every server and its aggregate in every unit. */
    const answers = async () => ({
      servers: (await env.DB.prepare('select server_id, verdicts -> ?1 as v from compat_servers order by server_id').bind(`$.${key}`).all()).results,
      units: (await env.DB.prepare('select scope, unit_id, servers, aggregates -> ?1 as a from compat_units order by scope, unit_id').bind(`$.${key}`).all()).results,
    });
    await plan();
    // The rest arrives while the pass waits on the queue: racks inside its ranges and after its last.
    const rest = late.servers.filter((s) => !['zlate-r1-k1', 'zlate-r2-k1'].includes(s.rackId));
    await succeed('PUT', '/v1/inventory', { key: OPERATOR, body: { sites: [], rows: [], racks: [], servers: rest } });
    // Their own messages compute their rows (P's slot included: it exists since the pass started),
    // then the refresh behind them: the queue waits for nothing but the pass.
    const busy = () =>
      count(`(select 1 from servers s left join compat_servers c on c.server_id = s.id where c.basis is null or s.updated_at > c.basis
        union all select 1 from disclosure_released where kind in ('pending', 'pending-census'))`);
    await vi.waitUntil(async () => (await busy()) === 0, { timeout: 20_000, interval: 10 });
    await deliver(sent.filter((m) => m.kind !== 'plan'));
    await settled();
    expect(await status(p.id)).toMatchObject({ computedRevision: 1, fresh: true });
    // Every page, as it ran, held whole racks cut once `pageServers` was reached: fewer than
    // `pageServers` + the largest rack there is.
    const largest = (await env.DB.prepare('select max(n) as n from (select count(*) as n from servers group by rack_id)').first<number>('n'))!;
    const pages = (
      await env.DB.prepare(
        `select g.from_rack, g.until, g.done_at is not null as done,
          (select count(*) from servers s where s.rack_id >= g.from_rack and (g.until is null or s.rack_id < g.until)) as n
        from compat_pass_pages g where g.platform_id = ?1 and g.revision = 1 order by g.from_rack`,
      )
        .bind(p.id)
        .all<{ from_rack: string; until: string | null; done: number; n: number }>()
    ).results;
    expect(Math.max(...pages.map((g) => g.n))).toBeLessThan(pageServers + largest);
    expect(pages.every((g) => g.done)).toBe(true);
    expect(await status(p.id)).toMatchObject({ pages: { total: pages.length, done: pages.length } });
    // They tile every rack the pass was planned with, the racks filled since inside them (split off
    // as pages of their own), and end with its last rack: what came after it is its servers' own.
    expect(pages.reduce((n, g) => n + g.n, 0)).toBe(await count("servers where rack_id <= 'zlate-r2-k1'"));
    expect(pages.filter((g) => g.from_rack.startsWith('zlate-r1-')).length).toBeGreaterThan(1);
    expect(pages.at(-1)!.until).toBe(untilAfter('zlate-r2-k1'));
    const byLatePass = await answers();
    expect(byLatePass.servers.filter((r) => r.v === null)).toEqual([]);
    // Approvals (a score) and denials (the failed clauses) among them.
    const lateVerdicts = byLatePass.servers.filter((r) => String(r.server_id).startsWith('zlate-')).map((r) => String(r.v));
    expect(new Set(lateVerdicts.map((v) => v.startsWith('[')))).toEqual(new Set([true, false]));
    // A pass planned after the inventory arrived answers the same.
    await plan();
    await deliver(sent.filter((m) => m.kind !== 'plan'));
    await settled();
    expect(await answers()).toEqual(byLatePass);
  });

  it('a rebuild page holding racks filled since its plan keeps its bound and sends the rest as pages of their own', async () => {
    const w = await mtWorld(3);
    await env.DB.prepare("update compat_servers set verdicts = '{}', basis = -1 where site_id = ?").bind(w.dc).run();
    const pageServers = 5;
    const ranges: { fromRack: string; until: string | null; servers: number }[] = [];
    // A page planned when only the world's first and last racks held servers (3 + 3: one page).
    let queued: RecomputeMessage[] = [{ kind: 'racks', fromRack: w.racks[0]!, until: untilAfter(w.racks[3]!), pageServers }];
    // Each page as the queue would run it, the pages it sends after it.
    while (queued.length) {
      const msg = queued.shift()!;
      if (msg.kind !== 'racks') throw new Error(`unexpected ${msg.kind}`);
      const sent: RecomputeMessage[] = [];
      const { servers } = await rebuildRacks(db, async (m) => void sent.push(...m), msg);
      ranges.push({ fromRack: msg.fromRack, until: msg.until, servers });
      queued = [...queued, ...sent];
    }
    // Its 4 racks of 3: the page computes two (the bound reached with the second) and sends the
    // other two as a page of their own, up to where it ended.
    expect(ranges).toEqual([
      { fromRack: w.racks[0], until: untilAfter(w.racks[3]!), servers: 6 },
      { fromRack: w.racks[2], until: untilAfter(w.racks[3]!), servers: 6 },
    ]);
    const rows = await readServerRows(db, w.serverIds);
    expect([...rows.values()].filter((r) => r.basis === -1 || !Object.keys(r.verdicts).length)).toEqual([]);
  });

  it('a pass superseded by a newer requirement change stops at its next step', async () => {
    const w = await mtWorld();
    const p = await createPlatform(w.provider.key, { requirements: { requiredTraits: ['sev'] } });
    const sent: RecomputeMessage[] = [];
    const keep = async (messages: RecomputeMessage[]) => void sent.push(...messages);
    await env.DB.prepare("update compat_platforms set revision = 0, pass_revision = 0, pages_total = 0 where platform_id = ?").bind(p.id).run();
    await startPass(db, keep, (await getPlatform(db, p.id))!);
    await planPass(db, keep, { platformId: p.id, revision: 1, pageServers: 2 });
    const r = await call('PATCH', `/v1/platforms/${p.id}`, { key: w.provider.key, body: { requirements: { requiredTraits: ['tdx'] } } });
    expectStatus(r, 200);
    expect(r.body.revision).toBe(2);
    await settled();
    const key = await slotOf(p.id);
    const site = async () => (await readUnits(db, 'site', [w.dc])).get(w.dc)!.aggregates[key];
    const after = await site();
    expect(after).toMatchObject({ a: 0, d: 8 });
    await deliver(sent.filter((m) => m.kind === 'page'));
    expect(await site()).toEqual(after);
    expect(await status(p.id)).toMatchObject({ revision: 2, computedRevision: 2, passRevision: 2, fresh: true });
  });

  it('the status is for the operator only', async () => {
    expectProblem(await call('GET', '/v1/compatibility/status', { key: (await registerCustomer()).key }), 403, 'forbidden');
    expectProblem(await call('GET', '/v1/compatibility/status', { key: (await registerProvider()).key }), 403, 'forbidden');
  });
});

describe('platform revisions', () => {
  it('a patch that leaves the requirements alone keeps the verdicts and moves the revision', async () => {
    const w = await mtWorld();
    const r = await call('PATCH', `/v1/platforms/${w.sevPlatform.id}`, { key: w.provider.key, body: { description: 'renamed only' } });
    expectStatus(r, 200);
    expect(r.body.revision).toBe(2);
    const slots = await env.DB.prepare('select revision from compat_platforms where platform_id = ?').bind(w.sevPlatform.id).first<{ revision: number }>();
    expect(slots?.revision).toBe(2);
  });
});

describe('cron: compatibility.stale', () => {
  it('recomputes servers changed behind its back (agent reports bump updated_at)', async () => {
    const w = await mtWorld();
    await putInventory(changed(w, 'r2-k1-v1', (s) => (s.properties.traits = [])));
    await env.DB.prepare("update servers set traits = '[\"sev\"]', updated_at = updated_at + 1000 where id = ?").bind(`${w.dc}-r2-k1-v1`).run();
    // Left alone while the queue may still be on it…
    expect(await compatibilityJob.run(env, Date.now())).toMatchObject({ servers: 0 });
    // …and enqueued again once it should have been done.
    const later = Date.now() + COMPAT_PASS_REPAIR_MS + 2000;
    expect(await compatibilityJob.run(env, later)).toMatchObject({ servers: 1 });
    await settled();
    const verdicts = (await readServerRows(db, [`${w.dc}-r2-k1-v1`])).get(`${w.dc}-r2-k1-v1`)!.verdicts;
    expect(verdicts[await slotOf(w.sevPlatform.id)]).toBe(0);
    expect(await compatibilityJob.run(env, later)).toEqual({ platforms: 0, servers: 0, racks: 0, rows: 0, sites: 0 });
  });

  it('refreshes units older than their members, level by level', async () => {
    const w = await mtWorld();
    await env.DB.prepare("update compat_units set aggregates = '{}', computed_at = 0 where unit_id in (?, ?)").bind(`${w.dc}-r1-k2`, w.dc).run();
    const result = await compatibilityJob.run(env, Date.now());
    expect(result).toMatchObject({ racks: 1, sites: 1 });
    const site = (await readUnits(db, 'site', [w.dc])).get(w.dc)!;
    // One slot per platform there is.
    expect(Object.keys(site.aggregates)).toHaveLength(await count('compat_platforms'));
    expect((await readUnits(db, 'rack', [`${w.dc}-r1-k2`])).get(`${w.dc}-r1-k2`)!.servers).toBe(2);
  });

  it('re-plans a pass the queue lost, once it is overdue, and starts one for a platform that has none', async () => {
    const { target } = await mtWorld();
    await env.DB.prepare('update compat_platforms set revision = 0 where platform_id = ?').bind(target.id).run();
    expect(await compatibilityJob.run(env, Date.now())).toMatchObject({ platforms: 0 });
    expect(await compatibilityJob.run(env, Date.now() + COMPAT_PASS_REPAIR_MS + 2000)).toMatchObject({ platforms: 1 });
    await settled();
    await env.DB.prepare('delete from compat_pass_pages where platform_id = ?').bind(target.id).run();
    await env.DB.prepare('update compat_platforms set revision = 0, pass_revision = 0, pages_total = 0 where platform_id = ?').bind(target.id).run();
    expect(await compatibilityJob.run(env, Date.now())).toMatchObject({ platforms: 1 });
    await settled();
    expect(await compatibilityJob.run(env, Date.now() + COMPAT_PASS_REPAIR_MS + 2000)).toMatchObject({ platforms: 0 });
  });
});

describe('POST /v1/compatibility/rebuild', () => {
  it('rebuilds the whole table in pages on the queue, the servers reading as behind until then', async () => {
    const w = await mtWorld();
    await env.DB.prepare('delete from compat_units').run();
    await env.DB.prepare("update compat_servers set verdicts = '{}'").run();
    const r = await call('POST', '/v1/compatibility/rebuild', { key: OPERATOR, body: {} });
    expectStatus(r, 202);
    // Every server there is (other tests' worlds' too), in one page.
    expect(r.body).toEqual({ servers: await count('servers'), pages: 1 });
    await settled();
    const status = await call('GET', '/v1/compatibility/status', { key: OPERATOR });
    expect(status.body).toMatchObject({ fresh: true, serversBehind: 0 });
    const rows = await readServerRows(db, w.serverIds);
    expect(rows.size).toBe(8);
    expect(Object.keys(rows.get(w.serverIds[0]!)!.verdicts)).toHaveLength(await count('compat_platforms'));
    expect((await readUnits(db, 'site', [w.dc])).get(w.dc)!.servers).toBe(8);
  });

  it('a server marked for the rebuild reads as not fresh until its page is done', async () => {
    const { dc, customer } = await mtWorld();
    await env.DB.prepare('update compat_servers set basis = -1 where server_id = ?').bind(`${dc}-r1-k1-v2`).run();
    // Written behind the API's back, so no generation moved: forget stored answers as a real change would.
    await env.DB.prepare('delete from mip_answers').run();
    const status = await call('GET', '/v1/compatibility/status', { key: OPERATOR });
    expect(status.body).toMatchObject({ fresh: false, serversBehind: 1 });
    const list = bodyOf(await call('GET', `/v1/customers/${customer.id}/mip-list?scope=site`, { key: customer.key }), 200);
    expect([...list.available, ...list.unavailable].every((e) => !e.fresh)).toBe(true);
    await call('POST', '/v1/compatibility/rebuild', { key: OPERATOR, body: {} });
    await settled();
    const after = bodyOf(await call('GET', `/v1/customers/${customer.id}/mip-list?scope=site`, { key: customer.key }), 200);
    expect([...after.available, ...after.unavailable].every((e) => e.fresh)).toBe(true);
  });

  it('is for the operator only and takes no parameters', async () => {
    expectProblem(await call('POST', '/v1/compatibility/rebuild', { key: (await registerCustomer()).key, body: {} }), 403, 'forbidden');
    // A cursor is the rebuild's own state between batches, never a caller's: the document refuses it.
    expectProblem(await call('POST', '/v1/compatibility/rebuild', { key: OPERATOR, body: offSchema({ cursor: 'bm9wZQ' }) }), 400, 'validation');
  });
});

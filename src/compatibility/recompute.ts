/**
 * Keeping the materialised table fresh. Exported entry points, called where data changes:
 * - `recomputeForServers(db, ids)`: inventory upserts, capacity changes, agent reports;
 * - `recomputeForPlatform(db, platformId)` / `platformRevised(...)`: platform created or patched;
 * - `rebuildStep(db, cursor)`: one bounded step of a full rebuild (operator endpoint + script);
 * - `compatibilityJob`: the cron, recomputing whatever is stale in bounded batches.
 */
import { compatServers } from '../../schema';
import type { PlatformT } from '../catalog/schema';
import { COMPAT_CRON_PLATFORMS, COMPAT_CRON_SERVERS, COMPAT_CRON_UNITS, COMPAT_PAGE_SERVERS } from '../constants';
import { getDb, type Db } from '../db';
import { serverFacts, serverFactsPage, serversNewerThan, type FactsCursor, type ServerFacts } from '../inventory/facts';
import type { Job } from '../reconcile/jobs';
import { recordRevocations, type Flip } from './outbox';
import {
  markSlotComputed,
  platformsForEvaluation,
  readServerRows,
  readSlot,
  writeServerRows,
  writeSlot,
  type EvalPlatform,
  type ServerRow,
} from './store';
import { refreshRacks, refreshRows, refreshSites, refreshUnits, staleUnits, writeUnitSlot, type UnitSlot } from './units';
import { aggregateServers, emptySlot, isApproved, mergeAggregates, type ServerVerdicts, type UnitAggregates, type Verdict, type Verdicts } from './verdicts';

export interface RecomputeResult {
  servers: number;
  revoked: number;
}

function verdictOf(p: EvalPlatform, s: ServerFacts): Verdict {
  const failed = p.compiled.failedClauses(s);
  return failed.length ? failed : p.compiled.score(s);
}

function flipped(p: EvalPlatform, serverId: string, before: Verdict | undefined, after: Verdict): Flip[] {
  return isApproved(before) && !isApproved(after) ? [{ serverId, platform: p, failed: after }] : [];
}

/** Every slot of these servers, then their racks, rows and sites, then revocations. */
async function recomputeFacts(db: Db, facts: ServerFacts[], platforms: EvalPlatform[]): Promise<RecomputeResult> {
  if (!facts.length) return { servers: 0, revoked: 0 };
  const now = Date.now();
  const old = await readServerRows(db, facts.map((f) => f.id));
  const rows: ServerRow[] = facts.map((f) => {
    const verdicts: Verdicts = {};
    for (const p of platforms) verdicts[p.key] = verdictOf(p, f);
    return { serverId: f.id, rackId: f.rackId, rowId: f.rowId, siteId: f.siteId, freeCores: f.free.cores, freeMemoryGib: f.free.memoryGib, verdicts, basis: f.updatedAt };
  });
  await writeServerRows(db, rows, now);
  const racks = new Set(rows.map((r) => r.rackId));
  for (const o of old.values()) racks.add(o.rackId);
  await refreshUnits(db, [...racks]);
  const flips = rows.flatMap((r) => platforms.flatMap((p) => flipped(p, r.serverId, old.get(r.serverId)?.verdicts[p.key], r.verdicts[p.key]!)));
  return { servers: rows.length, revoked: await recordRevocations(db, flips, now) };
}

/** Re-evaluates these servers against every platform (unknown ids are ignored). */
export async function recomputeForServers(db: Db, ids: string[]): Promise<RecomputeResult> {
  const total: RecomputeResult = { servers: 0, revoked: 0 };
  if (!ids.length) return total;
  const platforms = await platformsForEvaluation(db);
  for (let i = 0; i < ids.length; i += COMPAT_PAGE_SERVERS) {
    const r = await recomputeFacts(db, await serverFacts(db, ids.slice(i, i + COMPAT_PAGE_SERVERS)), platforms);
    total.servers += r.servers;
    total.revoked += r.revoked;
  }
  return total;
}

/** One slot's aggregates for units whose members a pass has seen, keyed by unit. */
class SlotUnits {
  readonly members = new Map<string, { parent: string; site: string; servers: ServerVerdicts[] }>();

  add(unitId: string, parent: string, site: string, member: ServerVerdicts): void {
    const unit = this.members.get(unitId);
    if (unit) unit.servers.push(member);
    else this.members.set(unitId, { parent, site, servers: [member] });
  }
}

/**
 * Re-evaluates every server against one platform, page by page in rack order, and sets that one
 * slot in the server rows and in every rack, row and site: the pass sees each rack whole, so the
 * unit aggregates are computed in memory, never read back. Then records the revision the verdicts
 * now reflect. O(servers); runs when a platform is created or its requirements change.
 */
export async function recomputeForPlatform(db: Db, platformId: string, pageSize = COMPAT_PAGE_SERVERS): Promise<RecomputeResult> {
  const platforms = await platformsForEvaluation(db);
  const p = platforms.find((x) => x.platform.id === platformId);
  const total: RecomputeResult = { servers: 0, revoked: 0 };
  if (!p) return total;
  const racks = new SlotUnits();
  const rows = new Map<string, { site: string; servers: number; parts: UnitAggregates[] }>();
  const flush = async (rackIds: string[], now: number) => {
    const done = rackIds.map((rackId): UnitSlot => {
      const rack = racks.members.get(rackId)!;
      racks.members.delete(rackId);
      const agg = aggregateServers(rack.servers);
      const row = rows.get(rack.parent) ?? { site: rack.site, servers: 0, parts: [] };
      row.servers += rack.servers.length;
      row.parts.push(agg);
      rows.set(rack.parent, row);
      return { unitId: rackId, parentId: rack.parent, siteId: rack.site, servers: rack.servers.length, aggregate: agg[p.key] ?? emptySlot() };
    });
    await writeUnitSlot(db, 'rack', p.slot, done, now);
  };
  let after: FactsCursor | null = null;
  for (;;) {
    const page = await serverFactsPage(db, after, pageSize);
    const last = page[page.length - 1];
    const old = await readSlot(db, p.slot, page.map((f) => f.id));
    const known = page.filter((f) => old.has(f.id));
    const entries = known.map((f): [string, Verdict] => [f.id, verdictOf(p, f)]);
    const now = Date.now();
    await writeSlot(db, p.slot, entries, now);
    const verdicts = new Map(entries);
    for (const f of page) {
      const v = verdicts.get(f.id) ?? verdictOf(p, f);
      racks.add(f.rackId, f.rowId, f.siteId, { freeCores: f.free.cores, freeMemoryGib: f.free.memoryGib, verdicts: { [p.key]: v } });
    }
    // A full page may end inside a rack: that rack waits for the next page.
    const finished = last && page.length === pageSize ? [...racks.members.keys()].filter((r) => r !== last.rackId) : [...racks.members.keys()];
    await flush(finished, now);
    total.revoked += await recordRevocations(db, entries.flatMap(([id, v]) => flipped(p, id, old.get(id), v)), now);
    // Servers never computed get a whole row (every platform) and their units refreshed from it.
    const fresh = await recomputeFacts(db, page.filter((f) => !old.has(f.id)), platforms);
    total.servers += known.length + fresh.servers;
    total.revoked += fresh.revoked;
    if (!last || page.length < pageSize) break;
    after = { rackId: last.rackId, id: last.id };
  }
  const now = Date.now();
  const sites = new Map<string, { servers: number; parts: UnitAggregates[] }>();
  const rowSlots = [...rows].map(([rowId, row]): UnitSlot => {
    const agg = mergeAggregates(row.parts);
    const site = sites.get(row.site) ?? { servers: 0, parts: [] };
    site.servers += row.servers;
    site.parts.push(agg);
    sites.set(row.site, site);
    return { unitId: rowId, parentId: row.site, siteId: row.site, servers: row.servers, aggregate: agg[p.key] ?? emptySlot() };
  });
  await writeUnitSlot(db, 'row', p.slot, rowSlots, now);
  const siteSlots = [...sites].map(([siteId, site]): UnitSlot => ({ unitId: siteId, parentId: null, siteId, servers: site.servers, aggregate: mergeAggregates(site.parts)[p.key] ?? emptySlot() }));
  await writeUnitSlot(db, 'site', p.slot, siteSlots, now);
  await markSlotComputed(db, p.platform.id, p.platform.revision, now);
  return total;
}

/**
 * After a platform was created or patched: a full pass when its requirements changed; otherwise
 * the verdicts still hold, and the slot moves to the new revision if it was current before.
 */
export async function platformRevised(db: Db, platform: PlatformT, requirementsChanged: boolean): Promise<RecomputeResult> {
  if (requirementsChanged) return recomputeForPlatform(db, platform.id);
  const p = (await platformsForEvaluation(db)).find((x) => x.platform.id === platform.id);
  if (p && p.computedRevision === platform.revision - 1) await markSlotComputed(db, platform.id, platform.revision, Date.now());
  return { servers: 0, revoked: 0 };
}

export interface RebuildCursor {
  after: FactsCursor | null;
  /** When the rebuild began: platforms changed since then were recomputed by their own pass. */
  startedAt: number;
}

/** One bounded step of a full rebuild; `next` null when the whole inventory has been done. */
export async function rebuildStep(db: Db, cursor: RebuildCursor, limit: number): Promise<RecomputeResult & { next: RebuildCursor | null }> {
  const platforms = await platformsForEvaluation(db);
  const page = await serverFactsPage(db, cursor.after, limit);
  const result = await recomputeFacts(db, page, platforms);
  const last = page[page.length - 1];
  if (last && page.length === limit) return { ...result, next: { after: { rackId: last.rackId, id: last.id }, startedAt: cursor.startedAt } };
  const now = Date.now();
  for (const p of platforms) if (p.platform.updatedAt < cursor.startedAt) await markSlotComputed(db, p.platform.id, p.platform.revision, now);
  return { ...result, next: null };
}

/** Cron: platforms whose verdicts lag their revision, stale servers, then stale units; each bounded. */
export const compatibilityJob: Job = {
  name: 'compatibility.stale',
  async run(env) {
    const db = getDb(env.DB);
    const lagging = (await platformsForEvaluation(db)).filter((p) => p.computedRevision !== p.platform.revision).slice(0, COMPAT_CRON_PLATFORMS);
    let revoked = 0;
    for (const p of lagging) revoked += (await recomputeForPlatform(db, p.platform.id)).revoked;
    const stale = await serversNewerThan(db, { table: compatServers, serverId: compatServers.serverId, basis: compatServers.basis }, COMPAT_CRON_SERVERS);
    revoked += (await recomputeForServers(db, stale)).revoked;
    const units = await staleUnits(db, COMPAT_CRON_UNITS);
    const rows = new Set([...(await refreshRacks(db, units.racks)), ...units.rows]);
    const sites = new Set([...(await refreshRows(db, [...rows])), ...units.sites]);
    await refreshSites(db, [...sites]);
    return { platforms: lagging.length, servers: stale.length, racks: units.racks.length, rows: rows.size, sites: sites.size, revoked };
  },
};

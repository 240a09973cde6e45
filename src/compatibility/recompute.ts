/**
 * Keeping the materialised table fresh. Exported entry points, called where data changes:
 * - `serversChanged(db, queue, ids)`: inventory upserts, capacity changes, agent reports enqueue
 *   `recomputeForServers(db, ids)` (./queue.ts);
 * - `platformRevised(...)`: platform created or patched (a pass on the queue, ./passes.ts);
 * - `startRebuild(db, send)`: a full rebuild, in pages on the queue (operator endpoint + script);
 * - `compatibilityJob`: the cron, recomputing whatever is stale in bounded batches.
 */
import { compatServers } from '../../schema';
import type { PlatformT } from '../catalog/schema';
import { COMPAT_CRON_PLATFORMS, COMPAT_CRON_SERVERS, COMPAT_CRON_UNITS, COMPAT_PAGE_SERVERS, COMPAT_PASS_REPAIR_MS, COMPAT_QUEUE_SERVERS } from '../constants';
import { getDb, runAll, type Db } from '../db';
import { serverFacts, serverFactsInRacks, serversNewerThan, sitesOfServers, type ServerFacts } from '../inventory/facts';
import type { Job } from '../lib/jobs';
import { freeClass, type Free } from '../disclosure/classes';
import { markReleasedPending, markSitesPending } from '../disclosure/store';
import { recordRevocations, refreshCensus, type Flip } from './revoked';
import { bumpSql, bumpStatement, CATALOG, siteKey } from '../lib/generations';
import { boundRange, planPages } from './pages';
import { passProgress, sender, startPass, type Send } from './passes';
import type { RecomputeMessage } from './queue';
import { markSlotComputed, platformsForEvaluation, platformsWithSlots, readFreeClasses, readServerRows, writeServerRows, type EvalPlatform, type ServerRow } from './store';
import { refreshRacks, refreshRows, refreshSites, refreshUnits, staleUnits } from './units';
import { isApproved, type Verdict, type Verdicts } from './verdicts';

export interface RecomputeResult {
  servers: number;
  revoked: number;
}

export function verdictOf(p: EvalPlatform, s: ServerFacts): Verdict {
  const failed = p.compiled.failedClauses(s);
  return failed.length ? failed : p.compiled.score(s);
}

export function flipped(p: EvalPlatform, server: { id: string; siteId: string }, before: Verdict | undefined, after: Verdict): Flip[] {
  return isApproved(before) && !isApproved(after) ? [{ serverId: server.id, siteId: server.siteId, platform: p, failed: after }] : [];
}

/**
 * The facts the table is built from: free capacity replaced by its class (src/disclosure), moved
 * from the class the row holds only past the hysteresis margin. Everything released is computed
 * from the table, so nothing released follows a neighbour's exact allocation.
 */
function classed(facts: ServerFacts[], previous: Map<string, Free>): ServerFacts[] {
  return facts.map((f) => ({ ...f, free: freeClass(f.free, previous.get(f.id)) }));
}

/** `classed`, with the classes the table holds for these servers. */
export async function classedFacts(db: Db, exact: ServerFacts[]): Promise<ServerFacts[]> {
  return classed(exact, await readFreeClasses(db, exact.map((f) => f.id)));
}

/** Every slot of these servers, then their racks, rows and sites, then revocations. */
export async function recomputeFacts(db: Db, exact: ServerFacts[], platforms: EvalPlatform[]): Promise<RecomputeResult> {
  if (!exact.length) return { servers: 0, revoked: 0 };
  const now = Date.now();
  await markSitesPending(db, exact.map((f) => f.siteId), now);
  const old = await readServerRows(db, exact.map((f) => f.id));
  const facts = classed(exact, new Map([...old].map(([id, o]) => [id, { cores: o.freeCores, memoryGib: o.freeMemoryGib }])));
  const rows: ServerRow[] = facts.map((f) => {
    const verdicts: Verdicts = {};
    for (const p of platforms) verdicts[p.key] = verdictOf(p, f);
    return { serverId: f.id, rackId: f.rackId, rowId: f.rowId, siteId: f.siteId, freeCores: f.free.cores, freeMemoryGib: f.free.memoryGib, verdicts, basis: f.updatedAt };
  });
  await writeServerRows(db, rows, now);
  // The released records of their sites are refreshed once, after every page that marks them.
  await markReleasedPending(db, facts.map((f) => ({ siteId: f.siteId, properties: f.properties, before: old.has(f.id) ? { cores: old.get(f.id)!.freeCores, memoryGib: old.get(f.id)!.freeMemoryGib } : undefined, after: f.free })), now);
  const racks = new Set(rows.map((r) => r.rackId));
  for (const o of old.values()) racks.add(o.rackId);
  await refreshUnits(db, [...racks]);
  const flips = rows.flatMap((r) => platforms.flatMap((p) => flipped(p, { id: r.serverId, siteId: r.siteId }, old.get(r.serverId)?.verdicts[p.key], r.verdicts[p.key]!)));
  return { servers: rows.length, revoked: await recordRevocations(db, flips, now) };
}

/** Re-evaluates these servers against every platform (unknown ids are ignored). */
export async function recomputeForServers(db: Db, ids: string[]): Promise<RecomputeResult> {
  const total: RecomputeResult = { servers: 0, revoked: 0 };
  if (!ids.length) return total;
  const platforms = await platformsWithSlots(db);
  for (let i = 0; i < ids.length; i += COMPAT_PAGE_SERVERS) {
    const r = await recomputeFacts(db, await serverFacts(db, ids.slice(i, i + COMPAT_PAGE_SERVERS)), platforms);
    total.servers += r.servers;
    total.revoked += r.revoked;
  }
  return total;
}

/**
 * After a platform was created or patched: a pass when its requirements changed (or it has none
 * yet); otherwise the verdicts still hold, and the slot moves to the new revision if it was
 * current before.
 */
export async function platformRevised(db: Db, send: Send, platform: PlatformT, requirementsChanged: boolean): Promise<void> {
  const p = (await platformsForEvaluation(db)).find((x) => x.platform.id === platform.id);
  if (requirementsChanged || !p?.slot) return startPass(db, send, platform);
  if (p.computedRevision === platform.revision - 1) await markSlotComputed(db, platform.id, platform.revision, Date.now());
  else await db.run(bumpSql([CATALOG]));
}

/**
 * A full rebuild, on the queue: every server row is marked stale (readers see `fresh: false`, the
 * status counts them behind) and one message per page of whole racks recomputes every slot of its
 * servers. Redelivered pages recompute the same rows again; the cron re-enqueues what is left.
 */
export async function startRebuild(db: Db, send: Send): Promise<{ servers: number; pages: number }> {
  const { pages, servers } = await planPages(db, COMPAT_PAGE_SERVERS);
  await runAll(db, [{ sql: 'update compat_servers set basis = -1', params: [] }, bumpStatement([CATALOG])]);
  await send(pages.map((p) => ({ kind: 'racks', fromRack: p.fromRack, until: p.until })));
  return { servers, pages: pages.length };
}

/**
 * One page of a rebuild: every slot of the servers in racks `fromRack` ≤ rack < `until`, within its
 * bound (`boundRange`); racks filled inside it since the plan go to pages of their own, enqueued
 * (again if redelivered: a page recomputed twice changes nothing).
 */
export async function rebuildRacks(db: Db, send: Send, msg: Extract<RecomputeMessage, { kind: 'racks' }>): Promise<RecomputeResult> {
  const { until, rest } = await boundRange(db, msg, msg.pageServers ?? COMPAT_PAGE_SERVERS);
  if (rest.length) await send(rest.map((r): RecomputeMessage => ({ kind: 'racks', ...r, ...(msg.pageServers ? { pageServers: msg.pageServers } : {}) })));
  return recomputeFacts(db, await serverFactsInRacks(db, msg.fromRack, until), await platformsWithSlots(db));
}

/**
 * Cron: repairs what the queue missed. Platforms whose verdicts lag their revision get a pass if
 * none was started, or their plan re-sent (it re-enqueues only the pages not done) when the pass
 * is older than COMPAT_PASS_REPAIR_MS; servers changed that long ago and still not recomputed are
 * enqueued again; units older than their members are refreshed here (bounded, cheap).
 */
export const compatibilityJob: Job = {
  name: 'compatibility.stale',
  async run(env, now) {
    const db = getDb(env.DB);
    const send = sender(env.RECOMPUTE);
    const progress = await passProgress(db);
    const lagging = progress.filter((p) => !p.fresh && (p.passRevision === 0 || (p.passStartedAt ?? 0) < now - COMPAT_PASS_REPAIR_MS));
    const byId = new Map((await platformsForEvaluation(db)).map((p) => [p.platform.id, p.platform]));
    for (const p of lagging.slice(0, COMPAT_CRON_PLATFORMS)) {
      if (p.passRevision === 0) await startPass(db, send, byId.get(p.platformId)!, now);
      else await send([{ kind: 'plan', platformId: p.platformId, revision: p.passRevision }]);
    }
    const stale = await serversNewerThan(db, { table: compatServers, serverId: compatServers.serverId, basis: compatServers.basis }, COMPAT_CRON_SERVERS, now - COMPAT_PASS_REPAIR_MS);
    await enqueueServers(send, stale);
    const units = await staleUnits(db, COMPAT_CRON_UNITS);
    const rows = new Set([...(await refreshRacks(db, units.racks)), ...units.rows]);
    const sites = new Set([...(await refreshRows(db, [...rows])), ...units.sites]);
    await refreshSites(db, [...sites]);
    await refreshCensus(db);
    return { platforms: Math.min(lagging.length, COMPAT_CRON_PLATFORMS), servers: stale.length, racks: units.racks.length, rows: rows.size, sites: sites.size };
  },
};

/**
 * Servers whose properties or capacity changed: their sites' MIP answers stop being served as
 * stored (the servers read as not fresh until recomputed), and the recompute is enqueued.
 */
export async function serversChanged(db: Db, queue: Queue<RecomputeMessage>, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await db.run(bumpSql((await sitesOfServers(db, ids)).map(siteKey)));
  await enqueueServers(sender(queue), ids);
}

/** Servers to recompute, in messages of COMPAT_QUEUE_SERVERS ids. */
async function enqueueServers(send: Send, ids: string[]): Promise<void> {
  const messages: RecomputeMessage[] = [];
  for (let i = 0; i < ids.length; i += COMPAT_QUEUE_SERVERS) messages.push({ kind: 'servers', ids: ids.slice(i, i + COMPAT_QUEUE_SERVERS) });
  if (messages.length) await send(messages);
}

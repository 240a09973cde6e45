/**
 * A platform's pass over the inventory, off the request, on Cloudflare Queues. Creating a platform
 * or changing its requirements records the revision to compute (`startPass`) and enqueues one
 * `plan` message; the plan cuts the inventory into pages of whole racks (rows in
 * `compat_pass_pages`) and enqueues one message per page; each page, bounded when it runs whatever
 * inventory arrived since the plan (`splitPage`), sets the platform's slot in its servers' rows and
 * racks and is marked done once; whoever marks the last page done aggregates the rows and sites and
 * moves the slot to the platform's revision. Every step checks the pass it
 * belongs to is still the latest and is safe to run twice (queues deliver at least once).
 */
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { compatPassPages, compatPlatforms, compatUnits, platforms } from '../../schema';
import type { PlatformT } from '../catalog/schema';
import { COMPAT_PAGE_SERVERS, QUEUE_SEND_MAX_BYTES, QUEUE_SEND_MAX_MESSAGES } from '../constants';
import { jsonChunks, runAll, type Db } from '../db';
import { markEveryCensusPending } from '../disclosure/store';
import { serverFactsInRacks } from '../inventory/facts';
import { bumpStatement, CATALOG } from '../lib/generations';
import { boundRange, planPages } from './pages';
import { recordRevocations } from './revoked';
import type { RecomputeMessage } from './queue';
import { classedFacts, flipped, recomputeFacts, verdictOf } from './recompute';
import { readSlot, writeSlot, type EvalPlatform } from './store';
import { writeUnitSlot, type UnitSlot } from './units';
import { aggregateServers, emptySlot, mergeAggregates, slotKey, type SlotAggregate, type UnitAggregates, type Verdict } from './verdicts';

export type Send = (messages: RecomputeMessage[]) => Promise<void>;

/** A queue's `sendBatch`, in calls within its limits on messages and bytes per call. */
export function sender(queue: Queue<RecomputeMessage>): Send {
  return async (messages) => {
    let batch: MessageSendRequest<RecomputeMessage>[] = [];
    let bytes = 0;
    for (const body of messages) {
      const size = JSON.stringify(body).length;
      if (batch.length && (batch.length === QUEUE_SEND_MAX_MESSAGES || bytes + size > QUEUE_SEND_MAX_BYTES)) {
        await queue.sendBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push({ body });
      bytes += size;
    }
    if (batch.length) await queue.sendBatch(batch);
  };
}

/**
 * Records that the platform's verdicts must be computed for `platform.revision` (readers see
 * `fresh: false` from now on) and enqueues the plan. A pass still running for an older revision
 * stops at its next step.
 */
export async function startPass(db: Db, send: Send, platform: PlatformT, now = Date.now()): Promise<void> {
  await runAll(db, [
    // Its slot, if it has none yet (revision 0: nothing computed), in the same batch: one round trip.
    db.insert(compatPlatforms).values({ platformId: platform.id, revision: 0, computedAt: now }).onConflictDoNothing(),
    db.delete(compatPassPages).where(and(eq(compatPassPages.platformId, platform.id), lt(compatPassPages.revision, platform.revision))),
    db
      .update(compatPlatforms)
      .set({ passRevision: platform.revision, passStartedAt: now, pagesTotal: 0 })
      .where(and(eq(compatPlatforms.platformId, platform.id), lt(compatPlatforms.passRevision, platform.revision))),
    bumpStatement([CATALOG]),
    // Until its sites' census judged the new requirements, the platform's verdicts are withheld there
    // (the released records do not depend on requirements: only the census is taken again).
    markEveryCensusPending(now),
  ]);
  // The census first (site by site, from its own message on), then the pages behind it.
  await send([{ kind: 'released' }, { kind: 'plan', platformId: platform.id, revision: platform.revision }]);
}

type PageMessage = Extract<RecomputeMessage, { kind: 'page' }>;

/** The message of one page of a pass (with the page size given to its plan, if any). */
function pageMessage(pass: { platformId: string; revision: number; pageServers?: number }, page: number): PageMessage {
  return { kind: 'page', platformId: pass.platformId, revision: pass.revision, page, ...(pass.pageServers ? { pageServers: pass.pageServers } : {}) };
}

/** The pass's platform, if `revision` is still the one to compute. */
async function currentPass(db: Db, platformId: string, revision: number) {
  const row = await db.select().from(compatPlatforms).where(eq(compatPlatforms.platformId, platformId)).get();
  return row && row.passRevision === revision ? row : null;
}

/**
 * Cuts the pass into pages (once) and enqueues every page not done yet: a redelivered plan, or the
 * cron repairing a pass whose messages were lost, re-sends only what is missing.
 */
export async function planPass(db: Db, send: Send, msg: { platformId: string; revision: number; pageServers?: number }): Promise<void> {
  const pass = await currentPass(db, msg.platformId, msg.revision);
  if (!pass) return;
  if (!pass.pagesTotal) {
    const { pages } = await planPages(db, msg.pageServers ?? COMPAT_PAGE_SERVERS);
    const stmts = jsonChunks(pages.map((p, i) => [i, p.fromRack, p.until])).map((payload) => ({
      sql: `insert into compat_pass_pages (platform_id, revision, page, from_rack, until)
        select ?2, ?3, value ->> 0, value ->> 1, value ->> 2 from json_each(?1) where true on conflict do nothing`,
      params: [payload, msg.platformId, msg.revision],
    }));
    stmts.push({
      sql: 'update compat_platforms set pages_total = ?3 where platform_id = ?1 and pass_revision = ?2',
      params: [msg.platformId, msg.revision, Math.max(pages.length, 1)],
    });
    // An empty inventory still gets one (empty) page, so the pass ends the same way.
    if (!pages.length) stmts.push({ sql: "insert into compat_pass_pages (platform_id, revision, page, from_rack) values (?1, ?2, 0, '') on conflict do nothing", params: [msg.platformId, msg.revision] });
    await runAll(db, stmts);
  }
  const pending = await db
    .select({ page: compatPassPages.page })
    .from(compatPassPages)
    .where(and(eq(compatPassPages.platformId, msg.platformId), eq(compatPassPages.revision, msg.revision), isNull(compatPassPages.doneAt)))
    .all();
  if (pending.length) await send(pending.map((p) => pageMessage(msg, p.page)));
  else await finishPass(db, msg.platformId, msg.revision);
}

/**
 * Bounds a page before it runs (`boundRange`): the racks past its first page's worth become pages
 * of the pass numbered after its last, counted in its total and enqueued; one batch, which only a
 * page not split or done yet makes. Returns where the page now ends. If the send fails, the cron
 * re-sends the pass's pages not done (`planPass`).
 */
async function splitPage(db: Db, send: Send, pass: PageMessage, page: { fromRack: string; until: string | null }): Promise<string | null> {
  const { until, rest } = await boundRange(db, page, pass.pageServers ?? COMPAT_PAGE_SERVERS);
  if (!rest.length) return until;
  const [added] = await runAll(db, [
    {
      sql: `insert into compat_pass_pages (platform_id, revision, page, from_rack, until)
        select ?2, ?3, (select max(page) from compat_pass_pages where platform_id = ?2 and revision = ?3) + 1 + key, value ->> 0, value ->> 1 from json_each(?1)
        where exists (select 1 from compat_pass_pages where platform_id = ?2 and revision = ?3 and page = ?4 and until is ?5 and done_at is null)
        returning page`,
      params: [JSON.stringify(rest.map((r) => [r.fromRack, r.until])), pass.platformId, pass.revision, pass.page, page.until],
    },
    {
      sql: 'update compat_pass_pages set until = ?5 where platform_id = ?1 and revision = ?2 and page = ?3 and until is ?4 and done_at is null',
      params: [pass.platformId, pass.revision, pass.page, page.until, until],
    },
    {
      sql: 'update compat_platforms set pages_total = (select count(*) from compat_pass_pages where platform_id = ?1 and revision = ?2) where platform_id = ?1 and pass_revision = ?2',
      params: [pass.platformId, pass.revision],
    },
  ]);
  const pages = (added!.results as { page: number }[]).map((r) => pageMessage(pass, r.page));
  if (pages.length) await send(pages);
  return until;
}

/**
 * One page: the slot of its servers and of its racks (whole, so computed in memory), then
 * revocations. Returns how many servers it computed a whole row for (their sites are left pending).
 */
export async function runPage(db: Db, send: Send, platform: EvalPlatform, platformsAll: EvalPlatform[], msg: PageMessage): Promise<number> {
  const p = platform;
  const page = await db
    .select()
    .from(compatPassPages)
    .where(and(eq(compatPassPages.platformId, p.platform.id), eq(compatPassPages.revision, msg.revision), eq(compatPassPages.page, msg.page)))
    .get();
  if (!page || page.doneAt !== null) return 0;
  const until = page.fromRack ? await splitPage(db, send, msg, page) : null;
  // Verdicts on the free-capacity classes the table holds (src/disclosure/classes.ts).
  const facts = page.fromRack ? await classedFacts(db, await serverFactsInRacks(db, page.fromRack, until)) : [];
  const old = await readSlot(db, p.slot, facts.map((f) => f.id));
  const known = facts.filter((f) => old.has(f.id));
  const entries = known.map((f): [string, Verdict] => [f.id, verdictOf(p, f)]);
  const now = Date.now();
  await writeSlot(db, p.slot, entries, now);
  const verdicts = new Map(entries);
  const racks = new Map<string, { rowId: string; siteId: string; members: Parameters<typeof aggregateServers>[0] }>();
  for (const f of facts) {
    const rack = racks.get(f.rackId) ?? { rowId: f.rowId, siteId: f.siteId, members: [] };
    rack.members.push({ freeCores: f.free.cores, freeMemoryGib: f.free.memoryGib, verdicts: { [p.key]: verdicts.get(f.id) ?? verdictOf(p, f) } });
    racks.set(f.rackId, rack);
  }
  const rackSlots = [...racks].map(([rackId, r]): UnitSlot => ({
    unitId: rackId,
    parentId: r.rowId,
    siteId: r.siteId,
    servers: r.members.length,
    aggregate: aggregateServers(r.members)[p.key] ?? emptySlot(),
  }));
  await writeUnitSlot(db, 'rack', p.slot, rackSlots, now);
  const sites = new Map(facts.map((f) => [f.id, f.siteId]));
  await recordRevocations(db, entries.flatMap(([id, v]) => flipped(p, { id, siteId: sites.get(id)! }, old.get(id), v)), now);
  // Servers never computed get a whole row (every platform) and their units refreshed from it.
  const computed = await recomputeFacts(db, facts.filter((f) => !old.has(f.id)), platformsAll);
  const marked = await db
    .update(compatPassPages)
    .set({ doneAt: now })
    .where(and(eq(compatPassPages.platformId, p.platform.id), eq(compatPassPages.revision, msg.revision), eq(compatPassPages.page, msg.page), isNull(compatPassPages.doneAt)))
    .returning({ page: compatPassPages.page })
    .all();
  if (!marked.length) return computed.servers;
  const left = await db
    .select({ n: sql<number>`count(*)` })
    .from(compatPassPages)
    .where(and(eq(compatPassPages.platformId, p.platform.id), eq(compatPassPages.revision, msg.revision), isNull(compatPassPages.doneAt)))
    .get();
  if (!left?.n) await finishPass(db, p.platform.id, msg.revision);
  return computed.servers;
}

/**
 * The last step: rows from their racks' slot, sites from their rows, then the slot moves to the
 * platform's current revision (a patch that left the requirements alone changes no verdict).
 */
async function finishPass(db: Db, platformId: string, revision: number): Promise<void> {
  const pass = await currentPass(db, platformId, revision);
  if (!pass) return;
  const key = slotKey(pass.slot);
  const racks = await db
    .select({ rowId: compatUnits.parentId, siteId: compatUnits.siteId, servers: compatUnits.servers, aggregate: sql<string | null>`json_extract(${compatUnits.aggregates}, ${`$.${key}`})` })
    .from(compatUnits)
    .where(eq(compatUnits.scope, 'rack'))
    .all();
  const rows = new Map<string, { site: string; servers: number; parts: UnitAggregates[] }>();
  for (const r of racks) {
    const row = rows.get(r.rowId ?? '') ?? { site: r.siteId, servers: 0, parts: [] };
    row.servers += r.servers;
    if (r.aggregate) row.parts.push({ [key]: JSON.parse(r.aggregate) as SlotAggregate });
    rows.set(r.rowId ?? '', row);
  }
  const now = Date.now();
  const sites = new Map<string, { servers: number; parts: UnitAggregates[] }>();
  const rowSlots = [...rows].map(([rowId, row]): UnitSlot => {
    const agg = mergeAggregates(row.parts);
    const site = sites.get(row.site) ?? { servers: 0, parts: [] };
    site.servers += row.servers;
    site.parts.push(agg);
    sites.set(row.site, site);
    return { unitId: rowId, parentId: row.site, siteId: row.site, servers: row.servers, aggregate: agg[key] ?? emptySlot() };
  });
  await writeUnitSlot(db, 'row', pass.slot, rowSlots, now);
  const siteSlots = [...sites].map(([siteId, site]): UnitSlot => ({ unitId: siteId, parentId: null, siteId, servers: site.servers, aggregate: mergeAggregates(site.parts)[key] ?? emptySlot() }));
  await writeUnitSlot(db, 'site', pass.slot, siteSlots, now);
  await runAll(db, [
    db
      .update(compatPlatforms)
      .set({ revision: sql`(select ${platforms.revision} from ${platforms} where ${platforms.id} = ${platformId})`, computedAt: now })
      .where(and(eq(compatPlatforms.platformId, platformId), eq(compatPlatforms.passRevision, revision))),
    bumpStatement([CATALOG]),
  ]);
}

export interface PassProgress {
  platformId: string;
  revision: number;
  computedRevision: number;
  passRevision: number;
  passStartedAt: number | null;
  pages: { total: number; done: number };
  fresh: boolean;
}

/** Per platform: the revision to compute, the one computed, and the latest pass's pages done. */
export async function passProgress(db: Db): Promise<PassProgress[]> {
  const found = await db.all<{ id: string; revision: number; computed: number | null; pass: number | null; started: number | null; total: number | null; done: number }>(sql`
    select p.id, p.revision, c.revision as computed, c.pass_revision as pass, c.pass_started_at as started, c.pages_total as total,
      (select count(*) from compat_pass_pages g where g.platform_id = p.id and g.revision = c.pass_revision and g.done_at is not null) as done
    from platforms p left join compat_platforms c on c.platform_id = p.id order by p.id`);
  return found.map((r) => ({
    platformId: r.id,
    revision: r.revision,
    computedRevision: r.computed ?? 0,
    passRevision: r.pass ?? 0,
    passStartedAt: r.started,
    pages: { total: r.total ?? 0, done: r.done },
    fresh: r.computed === r.revision,
  }));
}

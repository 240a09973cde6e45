/**
 * `compatibility.revoked`: when a server holding a customer's data stops satisfying the platform
 * the customer runs on, or the one it is migrating to (`setMigrationTarget`), an event for the
 * platform's provider, through the webhooks capability's outbox (src/webhooks/provider-events.ts),
 * which delivers it. An event tells which of the customer's servers (how many, failing which
 * clauses) a change turned against the platform, so it is subject to the census like every other
 * answer (src/disclosure): a flip is held (`compat_flips`) until the census of its server's data
 * center has judged the change, and becomes an event only where that census answers the platform's
 * verdicts; where it withholds them (the requirements, or the change, set fewer than K servers
 * apart) it is dropped, as the compatibility answers there say nothing either.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { compatFlips, compatTargets } from '../../schema';
import { COMPAT_FLIPS_PER_RELEASE, COMPAT_TOP_REASONS } from '../constants';
import { chunkForInsert, jsonIds, runAll, type Db } from '../db';
import { withheldWhere } from '../disclosure/release';
import { pendingSiteIds, readCensus, refreshPending } from '../disclosure/store';
import { placementsOnServers } from '../inventory/placements';
import { providerEventStatements } from '../webhooks/provider-events';
import { clauseText } from './evaluate';
import { platformsForCensus, platformsForEvaluation, type EvalPlatform } from './store';
import { topClauses } from './verdicts';

const REVOKED = 'compatibility.revoked' as const;

/** A server that approved `platform` before a recompute and denies it after. */
export interface Flip {
  serverId: string;
  siteId: string;
  platform: EvalPlatform;
  failed: number[];
}

export interface RevokedPayload {
  type: typeof REVOKED;
  customerId: string;
  platformId: string;
  /** `current`: the platform the customer runs on; `target`: the one it is migrating to. */
  relation: 'current' | 'target';
  /** How many of the customer's servers stopped satisfying the platform. */
  servers: number;
  reasons: { reason: string; servers: number }[];
  detectedAt: number;
}

/** Records that the platform a customer is migrating to (null: none any more). */
export async function setMigrationTarget(db: Db, customerId: string, platformId: string | null): Promise<void> {
  if (platformId === null) {
    await db.delete(compatTargets).where(eq(compatTargets.customerId, customerId));
    return;
  }
  await db
    .insert(compatTargets)
    .values({ customerId, platformId, since: Date.now() })
    .onConflictDoUpdate({ target: compatTargets.customerId, set: { platformId, since: Date.now() } });
}

type HeldFlip = typeof compatFlips.$inferSelect;

/**
 * Holds one revocation per affected (customer, platform, server) for `releaseRevocations`, which
 * releases those whose data center's census is current right away; returns how many were held.
 */
export async function recordRevocations(db: Db, flips: Flip[], now: number): Promise<number> {
  if (!flips.length) return 0;
  const placed = await placementsOnServers(db, [...new Set(flips.map((f) => f.serverId))]);
  if (!placed.length) return 0;
  const customers = [...new Set(placed.map((p) => p.customerId))];
  const targets = new Map(
    (await db.select().from(compatTargets).where(sql`${compatTargets.customerId} in ${jsonIds(customers)}`).all()).map((t) => [t.customerId, t.platformId]),
  );
  const onServer = new Map<string, typeof placed>();
  for (const p of placed) onServer.set(p.serverId, [...(onServer.get(p.serverId) ?? []), p]);
  const held = new Map<string, HeldFlip>();
  for (const flip of flips) {
    const platformId = flip.platform.platform.id;
    for (const p of onServer.get(flip.serverId) ?? []) {
      const relation = p.platformId === platformId ? 'current' : targets.get(p.customerId) === platformId ? 'target' : null;
      if (!relation) continue;
      const row = { customerId: p.customerId, platformId, serverId: flip.serverId, siteId: flip.siteId, relation, revision: flip.platform.passRevision, failed: JSON.stringify(flip.failed), detectedAt: now } as const;
      held.set(`${row.customerId}\n${platformId}\n${flip.serverId}`, row);
    }
  }
  const rows = [...held.values()];
  const upsert = { target: [compatFlips.customerId, compatFlips.platformId, compatFlips.serverId], set: { siteId: sql`excluded.site_id`, relation: sql`excluded.relation`, revision: sql`excluded.revision`, failed: sql`excluded.failed`, detectedAt: sql`excluded.detected_at` } };
  await runAll(db, chunkForInsert(rows, 8).map((chunk) => db.insert(compatFlips).values(chunk).onConflictDoUpdate(upsert)));
  // Where the census has judged the change already (a pass's pages run behind their sites' census), at once.
  await releaseRevocations(db, now);
  return rows.length;
}

/** One event per (customer, platform) of the flips released, with the top clauses they fail. */
function eventsOf(flips: HeldFlip[], platforms: ReadonlyMap<string, EvalPlatform>) {
  const groups = new Map<string, { payload: RevokedPayload; platform: EvalPlatform; histogram: Record<string, number> }>();
  for (const f of flips) {
    const key = `${f.customerId}\n${f.platformId}`;
    let g = groups.get(key);
    if (!g) {
      const payload: RevokedPayload = { type: REVOKED, customerId: f.customerId, platformId: f.platformId, relation: f.relation, servers: 0, reasons: [], detectedAt: f.detectedAt };
      groups.set(key, (g = { payload, platform: platforms.get(f.platformId)!, histogram: {} }));
    }
    g.payload.servers++;
    g.payload.detectedAt = Math.max(g.payload.detectedAt, f.detectedAt);
    for (const clause of JSON.parse(f.failed) as number[]) g.histogram[clause] = (g.histogram[clause] ?? 0) + 1;
  }
  return [...groups.values()].map(({ payload, platform, histogram }) => {
    payload.reasons = topClauses(histogram, COMPAT_TOP_REASONS).map((t) => ({ reason: clauseText(platform.compiled.clauses, t.clause), servers: t.servers }));
    return { type: REVOKED, customerId: payload.customerId, platformId: payload.platformId, providerId: platform.platform.providerId, payload };
  });
}

/**
 * After a census refresh: the held flips of every data center no longer waiting for one become
 * events where the census answers the platform at the revision the flip was judged at, and are
 * dropped where it withholds it (or has judged newer requirements since: that pass's own flips
 * say what changed). Each step records its events and forgets its flips in one batch; returns how
 * many events.
 */
export async function releaseRevocations(db: Db, now = Date.now()): Promise<number> {
  const waiting = await pendingSiteIds(db);
  let events = 0;
  let platforms: Map<string, EvalPlatform> | undefined;
  for (;;) {
    const held = await db
      .select()
      .from(compatFlips)
      .where(sql`${compatFlips.siteId} not in ${jsonIds(waiting)}`)
      .orderBy(asc(compatFlips.customerId), asc(compatFlips.platformId), asc(compatFlips.serverId))
      .limit(COMPAT_FLIPS_PER_RELEASE)
      .all();
    if (!held.length) return events;
    platforms ??= new Map((await platformsForEvaluation(db)).map((p) => [p.platform.id, p]));
    const censuses = await readCensus(db, [...new Set(held.map((f) => f.siteId))]);
    const answered = held.filter((f) => {
      const p = platforms!.get(f.platformId);
      return p?.passRevision === f.revision && withheldWhere(censuses, { id: f.platformId, passRevision: f.revision }, [f.siteId]).size === 0;
    });
    const released = eventsOf(answered, platforms);
    const keys = JSON.stringify(held.map((f) => [f.customerId, f.platformId, f.serverId, f.detectedAt]));
    await runAll(db, [
      ...providerEventStatements(db, released, now),
      // A flip recorded again meanwhile (a newer detectedAt) stays for the next release.
      {
        sql: `delete from compat_flips where (customer_id, platform_id, server_id, detected_at) in
          (select value ->> 0, value ->> 1, value ->> 2, value ->> 3 from json_each(?1))`,
        params: [keys],
      },
    ]);
    events += released.length;
    if (held.length < COMPAT_FLIPS_PER_RELEASE) return events;
  }
}

/**
 * Refreshes the released records and census of pending data centers (the longest-waiting first,
 * within `maxServers`: src/disclosure/store.ts), then releases what their census now answers.
 */
export async function refreshCensus(db: Db, maxServers?: number, now = Date.now()): Promise<{ sites: number }> {
  const refreshed = await refreshPending(db, platformsForCensus, now, maxServers);
  await releaseRevocations(db, now);
  return refreshed;
}

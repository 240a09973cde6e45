/**
 * `compatibility.revoked`: when a server holding a customer's data stops satisfying the platform
 * the customer runs on, or the one it is migrating to (`setMigrationTarget`), an event for the
 * platform's provider, recorded with the change through the webhooks capability's outbox
 * (src/webhooks/provider-events.ts), which delivers it.
 */
import { eq, sql } from 'drizzle-orm';
import { compatTargets } from '../../schema';
import { COMPAT_TOP_REASONS } from '../constants';
import { jsonIds, type Db } from '../db';
import { placementsOnServers } from '../inventory/placements';
import { recordProviderEvents } from '../webhooks/provider-events';
import { clauseText } from './evaluate';
import type { EvalPlatform } from './store';
import { topClauses } from './verdicts';

const REVOKED = 'compatibility.revoked' as const;

/** A server that approved `platform` before a recompute and denies it after. */
export interface Flip {
  serverId: string;
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

/** One `compatibility.revoked` event per affected (customer, platform); returns how many. */
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

  const groups = new Map<string, { payload: RevokedPayload; platform: EvalPlatform; histogram: Record<string, number> }>();
  for (const flip of flips) {
    const platformId = flip.platform.platform.id;
    for (const p of onServer.get(flip.serverId) ?? []) {
      const relation = p.platformId === platformId ? 'current' : targets.get(p.customerId) === platformId ? 'target' : null;
      if (!relation) continue;
      const key = `${p.customerId}\n${platformId}`;
      let g = groups.get(key);
      if (!g) {
        g = {
          payload: { type: REVOKED, customerId: p.customerId, platformId, relation, servers: 0, reasons: [], detectedAt: now },
          platform: flip.platform,
          histogram: {},
        };
        groups.set(key, g);
      }
      g.payload.servers++;
      for (const clause of flip.failed) g.histogram[clause] = (g.histogram[clause] ?? 0) + 1;
    }
  }
  const events = [...groups.values()].map(({ payload, platform, histogram }) => {
    payload.reasons = topClauses(histogram, COMPAT_TOP_REASONS).map((t) => ({ reason: clauseText(platform.compiled.clauses, t.clause), servers: t.servers }));
    return { type: REVOKED, customerId: payload.customerId, platformId: payload.platformId, providerId: platform.platform.providerId, payload };
  });
  return recordProviderEvents(db, events, now);
}

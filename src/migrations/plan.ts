/**
 * Where platform B's modules go, decided from live data at the moment a migration starts (a stale
 * MIP list never starts an incompatible deployment): each placement's own server when it satisfies
 * the platform now; with a scope wider than `server`, otherwise a server of the same rack, row or
 * site that satisfies it and has room for the placement. The data never moves; the task carries
 * its storage address.
 */
import type { PlatformT } from '../catalog/schema';
import { checkUnits } from '../compatibility/check';
import { compile } from '../compatibility/evaluate';
import { COMPAT_LIVE_MAX_SERVERS, COMPAT_PAGE_SERVERS, COMPAT_TOP_REASONS } from '../constants';
import type { Db } from '../db';
import { problems } from '../http/problem';
import { serverFacts, serverFactsPage, type FactsCursor, type ServerFacts } from '../inventory/facts';
import { SCOPES, type Scope } from '../inventory/units';
import type { VerifiedHardwareId } from '../hardware/verifier';

export interface PlacementToMove {
  serverId: string;
  storageAddress: string;
  cores: number;
  memoryGib: number;
}

export interface Target {
  /** Where the placement's data is (it stays there). */
  dataServerId: string;
  /** Where platform B's modules are deployed for it. */
  serverId: string;
  storageAddress: string;
}

const unitOf = (f: ServerFacts, scope: Scope) => ({ server: f.id, rack: f.rackId, row: f.rowId, site: f.siteId })[scope];

/** Every placement must lie inside a unit one of the verified hardware IDs stands for. */
export async function assertCovered(db: Db, placements: PlacementToMove[], ids: VerifiedHardwareId[]): Promise<void> {
  const named = new Set(ids.map((v) => `${v.scope}\n${v.unitId}`));
  const facts = await serverFacts(db, placements.map((p) => p.serverId));
  const uncovered = facts.filter((f) => !SCOPES.some((s) => named.has(`${s}\n${unitOf(f, s)}`)));
  if (uncovered.length)
    throw problems.unprocessable('The hardware IDs must cover all of the customer’s data: a customer runs on one platform at a time.', [
      { field: 'json.hardwareIds', message: `${uncovered.length} of the customer’s servers are not covered` },
    ]);
}

/** Live re-check and placement of the deployment; 422 with the reasons when the platform does not fit. */
export async function planTargets(db: Db, platform: PlatformT, scope: Scope, placements: PlacementToMove[]): Promise<Target[]> {
  const checks = await checkUnits(
    db,
    placements.map((p, index) => ({ index, scope: 'server' as const, unitId: p.serverId })),
    { platform, requirements: platform.requirements },
    { properties: false, basis: 'exact' },
  );
  const targets: (Target | null)[] = placements.map((p, i) => (checks[i]?.approved ? { dataServerId: p.serverId, serverId: p.serverId, storageAddress: p.storageAddress } : null));
  if (scope !== 'server' && targets.includes(null)) await placeNearby(db, platform, scope, placements, targets);
  const missing = targets.flatMap((t, i) => (t ? [] : [i]));
  if (!missing.length) return targets as Target[];
  const reasons = new Map<string, number>();
  for (const i of missing) for (const r of checks[i]?.reasons ?? []) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, COMPAT_TOP_REASONS);
  throw problems.unprocessable(
    `The target platform does not fit ${missing.length} of the customer’s ${placements.length} servers at scope ${scope}.`,
    top.map(([reason, servers]) => ({ field: 'targetPlatformId', message: `${reason} (${servers} servers)` })),
  );
}

/** Fills the gaps in `targets` with compatible servers that have room, within the placement's unit. */
async function placeNearby(db: Db, platform: PlatformT, scope: Scope, placements: PlacementToMove[], targets: (Target | null)[]): Promise<void> {
  const compiled = compile(platform.requirements);
  const own = new Map((await serverFacts(db, placements.map((p) => p.serverId))).map((f) => [f.id, f]));
  const room = new Map<string, { cores: number; memoryGib: number }>();
  const candidates = new Map<string, ServerFacts[]>();
  let budget = COMPAT_LIVE_MAX_SERVERS;
  for (const [i, p] of placements.entries()) {
    if (targets[i]) continue;
    const facts = own.get(p.serverId);
    if (!facts) continue;
    const unitId = unitOf(facts, scope);
    if (!candidates.has(unitId)) {
      const approved: ServerFacts[] = [];
      let after: FactsCursor | null = null;
      for (;;) {
        const page = await serverFactsPage(db, after, COMPAT_PAGE_SERVERS, { scope, id: unitId });
        budget -= page.length;
        approved.push(...page.filter((s) => !compiled.failedClauses(s).length));
        const last = page[page.length - 1];
        if (!last || page.length < COMPAT_PAGE_SERVERS || budget <= 0) break;
        after = { rackId: last.rackId, id: last.id };
      }
      candidates.set(unitId, approved);
    }
    const home = candidates.get(unitId)!.find((s) => {
      const left = room.get(s.id) ?? s.free;
      return left.cores >= p.cores && left.memoryGib >= p.memoryGib;
    });
    if (!home) continue;
    const left = room.get(home.id) ?? home.free;
    room.set(home.id, { cores: left.cores - p.cores, memoryGib: left.memoryGib - p.memoryGib });
    targets[i] = { dataServerId: p.serverId, serverId: home.id, storageAddress: p.storageAddress };
  }
}

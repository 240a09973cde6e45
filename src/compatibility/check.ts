/**
 * `POST /v1/compatibility`: approve or deny each unit behind verified hardware IDs. A server is
 * evaluated live, free capacity judged on its class, with what its released record shows in the
 * reasons. A rack, row or site answers how many of its servers approve, with reasons counted over
 * them: from the materialised aggregates when asked about a platform, or by evaluating the unit's
 * servers (bounded) for ad-hoc requirements. Properties come from src/disclosure, never from here.
 */
import type { RequirementsT, PlatformT } from '../catalog/schema';
import { COMPAT_LIVE_MAX_SERVERS, COMPAT_PAGE_SERVERS, COMPAT_TOP_REASONS } from '../constants';
import type { Db } from '../db';
import { problems } from '../http/problem';
import { judgedFacts, releaseServers, shownProperties } from '../disclosure/release';
import type { ServerRecord, UnitSummary } from '../disclosure/records';
import { releasedSummaries } from '../disclosure/store';
import { serverFacts, serverFactsPage, type FactsCursor } from '../inventory/facts';
import type { Scope } from '../inventory/units';
import { clauseText, compile, type Compiled } from './evaluate';
import { describeFailure } from './reasons';
import { readFreeClasses, slotState } from './store';
import { readUnits, type UnitScope } from './units';
import { slotKey, topClauses } from './verdicts';

export interface CheckTarget {
  /** Null for ad-hoc requirements. */
  platform: PlatformT | null;
  requirements: RequirementsT;
}

export interface UnitToCheck {
  index: number;
  scope: Scope;
  /** Permanent id: used here, never returned. */
  unitId: string;
}

export interface Reason {
  reason: string;
  servers: number;
}

export interface UnitCheck {
  index: number;
  scope: Scope;
  /** A server: it satisfies the requirements. A unit: at least one of its servers does. */
  approved: boolean;
  servers: { total: number; approved: number };
  reasons: Reason[];
  /** False when read from aggregates that lag the platform's latest revision. */
  fresh: boolean;
  properties?: ServerRecord;
  propertiesSummary?: UnitSummary;
}

export interface CheckOptions {
  /** Add the released properties (a released summary for units). */
  properties: boolean;
  /**
   * `released`: free capacity judged on its class, as every answer to a customer or provider is.
   * `exact`: on the exact values (a migration's own live re-check, which places the deployment).
   */
  basis: 'released' | 'exact';
}

function reasonsOf(compiled: Compiled, histogram: Record<string, number>): Reason[] {
  return topClauses(histogram, COMPAT_TOP_REASONS).map((t) => ({ reason: clauseText(compiled.clauses, t.clause), servers: t.servers }));
}

/** Evaluates every server of one unit, in pages; `budget` is what the request may still evaluate. */
async function checkUnitLive(db: Db, unit: UnitToCheck, compiled: Compiled, budget: { left: number }): Promise<UnitCheck> {
  const histogram: Record<string, number> = {};
  let total = 0;
  let approved = 0;
  let after: FactsCursor | null = null;
  for (;;) {
    const page = await serverFactsPage(db, after, COMPAT_PAGE_SERVERS, { scope: unit.scope, id: unit.unitId });
    budget.left -= page.length;
    if (budget.left < 0) {
      throw problems.unprocessable(`One request may evaluate at most ${COMPAT_LIVE_MAX_SERVERS} servers live; ask about narrower units, or about a platform without properties.`);
    }
    for (const s of judgedFacts(page, await readFreeClasses(db, page.map((f) => f.id)))) {
      total++;
      const failed = compiled.failedClauses(s);
      if (!failed.length) approved++;
      for (const clause of failed) histogram[clause] = (histogram[clause] ?? 0) + 1;
    }
    const last = page[page.length - 1];
    if (!last || page.length < COMPAT_PAGE_SERVERS) break;
    after = { rackId: last.rackId, id: last.id };
  }
  return {
    index: unit.index,
    scope: unit.scope,
    approved: approved > 0,
    servers: { total, approved },
    reasons: reasonsOf(compiled, histogram),
    fresh: true,
  };
}

/** One answer per unit, in the order given. */
export async function checkUnits(db: Db, units: UnitToCheck[], target: CheckTarget, opts: CheckOptions): Promise<UnitCheck[]> {
  const compiled = compile(target.requirements);
  const results = new Map<number, UnitCheck>();

  const serverUnits = units.filter((u) => u.scope === 'server');
  const exact = await serverFacts(db, serverUnits.map((u) => u.unitId));
  const released = await releaseServers(db, exact, await readFreeClasses(db, exact.map((f) => f.id)));
  for (const u of serverUnits) {
    const r = released.get(u.unitId);
    if (!r) throw problems.gone('A server behind one of the hardware IDs is no longer in the inventory.');
    const failed = compiled.failedClauses(opts.basis === 'released' ? r.judged : exact.find((f) => f.id === u.unitId)!);
    const shown = shownProperties(r);
    results.set(u.index, {
      index: u.index,
      scope: u.scope,
      approved: !failed.length,
      servers: { total: 1, approved: failed.length ? 0 : 1 },
      reasons: failed.map((i) => ({ reason: describeFailure(compiled.clauses[i]!, shown), servers: 1 })),
      fresh: true,
      ...(opts.properties ? { properties: r.record } : {}),
    });
  }

  const wider = units.filter((u) => u.scope !== 'server');
  // About a platform: the materialised aggregates (built on capacity classes) answer in O(1) per unit.
  const slot = target.platform ? await slotState(db, target.platform.id) : undefined;
  if (slot) {
    const fresh = slot.revision === target.platform!.revision;
    for (const scope of ['rack', 'row', 'site'] as UnitScope[]) {
      const ofScope = wider.filter((u) => u.scope === scope);
      const rows = await readUnits(db, scope, ofScope.map((u) => u.unitId));
      for (const u of ofScope) {
        const agg = rows.get(u.unitId)?.aggregates[slotKey(slot.slot)];
        if (!agg) continue;
        results.set(u.index, {
          index: u.index,
          scope: u.scope,
          approved: agg.a > 0,
          servers: { total: rows.get(u.unitId)!.servers, approved: agg.a },
          reasons: reasonsOf(compiled, agg.r),
          fresh,
        });
      }
    }
  }
  const budget = { left: COMPAT_LIVE_MAX_SERVERS };
  for (const u of wider) if (!results.has(u.index)) results.set(u.index, await checkUnitLive(db, u, compiled, budget));
  if (opts.properties) {
    for (const scope of ['rack', 'row', 'site'] as UnitScope[]) {
      const ofScope = wider.filter((u) => u.scope === scope);
      const summaries = await releasedSummaries(db, scope, ofScope.map((u) => u.unitId));
      for (const u of ofScope) results.get(u.index)!.propertiesSummary = summaries.get(u.unitId)!;
    }
  }
  return units.map((u) => results.get(u.index)!);
}

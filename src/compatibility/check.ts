/**
 * `POST /v1/compatibility`: approve or deny each unit behind verified hardware IDs. A server is
 * evaluated live, free capacity judged on its class, with what its released record shows in the
 * reasons; a provider's ad-hoc requirements (any value it likes) are judged on the released records
 * alone, so they tell no more than the records do. A rack, row or site answers whether any of its servers approve, and which requirements
 * its servers fail, tallied from the materialised aggregates when asked about a platform, or by
 * evaluating the unit's servers (bounded) for ad-hoc requirements. Counts leave only as
 * src/disclosure shapes them: the unit's size as its k-anonymous summary gives it, and how many
 * approve or fail a requirement relative to that (none, some, all). Properties come from
 * src/disclosure, never from here.
 */
import type { RequirementsT, PlatformT } from '../catalog/schema';
import { COMPAT_LIVE_MAX_SERVERS, COMPAT_PAGE_SERVERS, COMPAT_TOP_REASONS } from '../constants';
import type { Db } from '../db';
import { problems } from '../http/problem';
import { shareBand, sizeBand, type Band } from '../disclosure/classes';
import { judgedFacts, releaseServers, shownProperties, WITHHELD_REASONS, withheldWhere } from '../disclosure/release';
import type { ServerRecord, UnitSummary } from '../disclosure/records';
import { readCensus, releasedSummaries } from '../disclosure/store';
import { serverFacts, serverFactsPage, type FactsCursor } from '../inventory/facts';
import { SCOPES, type Scope } from '../inventory/units';
import { clauseText, compile, failedOnRecord, type Compiled } from './evaluate';
import { describeFailure, describeWithheld } from './reasons';
import { readFreeClasses, slotState } from './store';
import { readUnits, UNIT_SCOPES, unitSites } from './units';
import { slotKey } from './verdicts';

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
  /** How many of the unit's servers fail it, relative to the unit's size class (null: not counted). */
  servers: Band | null;
}

export interface UnitCheck {
  index: number;
  scope: Scope;
  /** A server: it satisfies the requirements. A unit: at least one of its servers does. */
  approved: boolean;
  /** The platform's verdicts are not released at the unit's data center (src/disclosure/census.ts). */
  withheld: boolean;
  /** The unit's size class (null: withheld), and how many approve relative to it (null: withheld). */
  servers: { total: Band | null; approved: Band | null };
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

/** Exact tallies over a unit's servers: never released as they are. */
interface Tally {
  total: number;
  approved: number;
  /** Servers failing each clause, by clause number. */
  histogram: Record<string, number>;
}

/**
 * The answer about a unit of size class `size`: counts relative to it, and the top reasons chosen
 * and ordered by what is released of them (all before some, then requirement order), so that
 * neither the order nor the cut tells the exact counts.
 */
function unitAnswer(unit: UnitToCheck, compiled: Compiled, t: Tally, size: Band | null, fresh: boolean): UnitCheck {
  const reasons = Object.entries(t.histogram)
    .filter(([, n]) => n > 0)
    .map(([clause, n]) => ({ clause: Number(clause), servers: shareBand(n, t.total, size) }))
    .sort((x, y) => y.servers.min - x.servers.min || x.clause - y.clause)
    .slice(0, COMPAT_TOP_REASONS);
  return {
    index: unit.index,
    scope: unit.scope,
    approved: t.approved > 0,
    withheld: false,
    servers: { total: size, approved: shareBand(t.approved, t.total, size) },
    reasons: reasons.map((r) => ({ reason: clauseText(compiled.clauses, r.clause), servers: r.servers })),
    fresh,
  };
}

/**
 * Evaluates every server of one unit, in pages; `budget` is what the request may still evaluate.
 * `onRecord`: judged on the servers' released records (a requester's own requirements).
 */
async function tallyUnitLive(db: Db, unit: UnitToCheck, compiled: Compiled, budget: { left: number }, onRecord: boolean): Promise<Tally> {
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
    const classes = await readFreeClasses(db, page.map((f) => f.id));
    const judged = onRecord ? [...(await releaseServers(db, page, classes)).values()].map((r) => failedOnRecord(compiled, r.record).failed) : judgedFacts(page, classes).map((s) => compiled.failedClauses(s));
    for (const failed of judged) {
      total++;
      if (!failed.length) approved++;
      for (const clause of failed) histogram[clause] = (histogram[clause] ?? 0) + 1;
    }
    const last = page[page.length - 1];
    if (!last || page.length < COMPAT_PAGE_SERVERS) break;
    after = { rackId: last.rackId, id: last.id };
  }
  return { total, approved, histogram };
}

/**
 * Per unit index, why the platform's verdicts are withheld at the unit's data center, if they are
 * (a unit whose data center is not known yet counts as not judged yet).
 */
async function withheldUnits(db: Db, platform: PlatformT, units: UnitToCheck[], serverSites: ReadonlyMap<string, string>): Promise<Map<number, string>> {
  const slot = await slotState(db, platform.id);
  const siteOf = new Map<number, string | undefined>();
  for (const u of units) if (u.scope === 'server' || u.scope === 'site') siteOf.set(u.index, u.scope === 'site' ? u.unitId : serverSites.get(u.unitId));
  for (const scope of ['rack', 'row'] as const) {
    const ofScope = units.filter((u) => u.scope === scope);
    const sites = await unitSites(db, scope, ofScope.map((u) => u.unitId));
    for (const u of ofScope) siteOf.set(u.index, sites.get(u.unitId));
  }
  const known = [...siteOf.values()].filter((s): s is string => s !== undefined);
  const censuses = await readCensus(db, known);
  const pass = { id: platform.id, passRevision: slot?.passRevision ?? 0 };
  const why = new Map(SCOPES.map((scope) => [scope, withheldWhere(censuses, pass, known, scope)]));
  const out = new Map<number, string>();
  for (const u of units) {
    const siteId = siteOf.get(u.index);
    const reason = siteId === undefined ? WITHHELD_REASONS.pending : why.get(u.scope)!.get(siteId);
    if (reason) out.set(u.index, reason);
  }
  return out;
}

/** The answer about a unit where the platform's verdicts are withheld: no verdict, no count, one reason. */
function withheldAnswer(unit: UnitToCheck, reason: string, size: Band | null): UnitCheck {
  return { index: unit.index, scope: unit.scope, approved: false, withheld: true, servers: { total: size, approved: null }, reasons: [{ reason, servers: null }], fresh: true };
}

/** One answer per unit, in the order given. */
export async function checkUnits(db: Db, units: UnitToCheck[], target: CheckTarget, opts: CheckOptions): Promise<UnitCheck[]> {
  const compiled = compile(target.requirements);
  const results = new Map<number, UnitCheck>();
  // A requester's own requirements (ad-hoc, so any value it likes) are judged on what is released.
  const onRecord = !target.platform && opts.basis === 'released';

  const serverUnits = units.filter((u) => u.scope === 'server');
  const exact = await serverFacts(db, serverUnits.map((u) => u.unitId));
  const released = await releaseServers(db, exact, await readFreeClasses(db, exact.map((f) => f.id)));
  // What leaves about a platform only where its census lets it (the migration's own re-check is exact).
  const withheld = target.platform && opts.basis === 'released' ? await withheldUnits(db, target.platform, units, new Map(exact.map((f) => [f.id, f.siteId]))) : new Map<number, string>();
  for (const u of serverUnits) {
    const r = released.get(u.unitId);
    if (!r) throw problems.gone('A server behind one of the hardware IDs is no longer in the inventory.');
    const why = withheld.get(u.index);
    if (why) {
      results.set(u.index, { ...withheldAnswer(u, why, sizeBand(1)), ...(opts.properties ? { properties: r.record } : {}) });
      continue;
    }
    const judged = onRecord ? failedOnRecord(compiled, r.record) : { failed: compiled.failedClauses(opts.basis === 'released' ? r.judged : exact.find((f) => f.id === u.unitId)!), withheld: new Set<number>() };
    const { failed } = judged;
    const shown = shownProperties(r);
    const one = sizeBand(1);
    results.set(u.index, {
      index: u.index,
      scope: u.scope,
      approved: !failed.length,
      withheld: false,
      servers: { total: one, approved: shareBand(failed.length ? 0 : 1, 1, one) },
      reasons: failed.map((i) => ({ reason: judged.withheld.has(i) ? describeWithheld(compiled.clauses[i]!) : describeFailure(compiled.clauses[i]!, shown), servers: one })),
      fresh: true,
      ...(opts.properties ? { properties: r.record } : {}),
    });
  }

  const wider = units.filter((u) => u.scope !== 'server');
  const summaries = new Map<number, UnitSummary>();
  for (const scope of UNIT_SCOPES) {
    const ofScope = wider.filter((u) => u.scope === scope);
    const found = await releasedSummaries(db, scope, ofScope.map((u) => u.unitId));
    for (const u of ofScope) summaries.set(u.index, found.get(u.unitId)!);
  }
  const sizeOf = (u: UnitToCheck) => summaries.get(u.index)!.servers;
  for (const u of wider) {
    const why = withheld.get(u.index);
    if (why) results.set(u.index, withheldAnswer(u, why, sizeOf(u)));
  }
  // About a platform: the materialised aggregates (built on capacity classes) answer in O(1) per unit.
  const slot = target.platform ? await slotState(db, target.platform.id) : undefined;
  if (slot) {
    const fresh = slot.revision === target.platform!.revision;
    for (const scope of UNIT_SCOPES) {
      const ofScope = wider.filter((u) => u.scope === scope);
      const rows = await readUnits(db, scope, ofScope.map((u) => u.unitId));
      for (const u of ofScope) {
        if (results.has(u.index)) continue;
        const agg = rows.get(u.unitId)?.aggregates[slotKey(slot.slot)];
        if (!agg) continue;
        results.set(u.index, unitAnswer(u, compiled, { total: rows.get(u.unitId)!.servers, approved: agg.a, histogram: agg.r }, sizeOf(u), fresh));
      }
    }
  }
  const budget = { left: COMPAT_LIVE_MAX_SERVERS };
  for (const u of wider) if (!results.has(u.index)) results.set(u.index, unitAnswer(u, compiled, await tallyUnitLive(db, u, compiled, budget, onRecord), sizeOf(u), true));
  if (opts.properties) for (const u of wider) results.get(u.index)!.propertiesSummary = summaries.get(u.index)!;
  return units.map((u) => results.get(u.index)!);
}

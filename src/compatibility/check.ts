/**
 * `POST /v1/compatibility`: approve or deny each unit behind verified hardware IDs. A server is
 * evaluated live, with its own values in the reasons. A rack, row or site answers how many of its
 * servers approve, with reasons counted over them: from the materialised aggregates when asked
 * about a platform, or by evaluating the unit's servers (bounded) for ad-hoc requirements or when
 * properties are asked for.
 */
import type { RequirementsT, PlatformT } from '../catalog/schema';
import { COMPAT_LIVE_MAX_SERVERS, COMPAT_PAGE_SERVERS, COMPAT_TOP_REASONS } from '../constants';
import type { Db } from '../db';
import { problems } from '../http/problem';
import { serverFacts, serverFactsPage, type FactsCursor, type ServerFacts } from '../inventory/facts';
import type { Scope } from '../inventory/units';
import { clauseText, compile, evaluateCompiled, type Compiled } from './evaluate';
import { slotState } from './store';
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

/** What may be released about a server: its properties and free capacity, nothing identifying. */
export interface ReleasedProperties {
  cpuArch: string;
  cpuVendor: string;
  cpuModel: string;
  cores: number;
  memoryGib: number;
  storageKind: string;
  storageGib: number;
  gpus: number;
  hypervisor: string;
  traits: string[];
  certifications: string[];
  free: { cores: number; memoryGib: number };
}

type Range = { min: number; max: number };

/** The same for a unit, summarised over its servers. */
export interface PropertiesSummary {
  cpuArch: string[];
  cpuVendor: string[];
  cpuModel: string[];
  storageKind: string[];
  hypervisor: string[];
  cores: Range;
  memoryGib: Range;
  storageGib: Range;
  gpus: Range;
  /** Present on every server of the unit. */
  traits: string[];
  certifications: string[];
  free: { cores: Range; memoryGib: Range };
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
  properties?: ReleasedProperties;
  propertiesSummary?: PropertiesSummary;
}

function release(s: ServerFacts): ReleasedProperties {
  const { privateNetworkId: _network, ...rest } = s.properties;
  return { ...rest, traits: [...rest.traits], certifications: [...rest.certifications], free: { ...s.free } };
}

class Summary {
  private readonly sets = { cpuArch: new Set<string>(), cpuVendor: new Set<string>(), cpuModel: new Set<string>(), storageKind: new Set<string>(), hypervisor: new Set<string>() };
  private readonly ranges: Record<'cores' | 'memoryGib' | 'storageGib' | 'gpus' | 'freeCores' | 'freeMemoryGib', Range> = {
    cores: { min: Infinity, max: -Infinity },
    memoryGib: { min: Infinity, max: -Infinity },
    storageGib: { min: Infinity, max: -Infinity },
    gpus: { min: Infinity, max: -Infinity },
    freeCores: { min: Infinity, max: -Infinity },
    freeMemoryGib: { min: Infinity, max: -Infinity },
  };
  private traits: Set<string> | null = null;
  private certifications: Set<string> | null = null;

  add(s: ServerFacts): void {
    const p = s.properties;
    for (const k of Object.keys(this.sets) as (keyof typeof this.sets)[]) this.sets[k].add(p[k]);
    const values = { cores: p.cores, memoryGib: p.memoryGib, storageGib: p.storageGib, gpus: p.gpus, freeCores: s.free.cores, freeMemoryGib: s.free.memoryGib };
    for (const [k, v] of Object.entries(values) as [keyof typeof values, number][]) {
      this.ranges[k].min = Math.min(this.ranges[k].min, v);
      this.ranges[k].max = Math.max(this.ranges[k].max, v);
    }
    this.traits = this.traits ? new Set(p.traits.filter((t) => this.traits!.has(t))) : new Set(p.traits);
    this.certifications = this.certifications ? new Set(p.certifications.filter((c) => this.certifications!.has(c))) : new Set(p.certifications);
  }

  result(): PropertiesSummary {
    const sorted = (s: Set<string> | null) => [...(s ?? [])].sort();
    const { freeCores, freeMemoryGib, ...ranges } = this.ranges;
    return {
      cpuArch: sorted(this.sets.cpuArch),
      cpuVendor: sorted(this.sets.cpuVendor),
      cpuModel: sorted(this.sets.cpuModel),
      storageKind: sorted(this.sets.storageKind),
      hypervisor: sorted(this.sets.hypervisor),
      ...ranges,
      traits: sorted(this.traits),
      certifications: sorted(this.certifications),
      free: { cores: freeCores, memoryGib: freeMemoryGib },
    };
  }
}

function reasonsOf(compiled: Compiled, histogram: Record<string, number>): Reason[] {
  return topClauses(histogram, COMPAT_TOP_REASONS).map((t) => ({ reason: clauseText(compiled.clauses, t.clause), servers: t.servers }));
}

/** Evaluates every server of one unit, in pages; `budget` is what the request may still evaluate. */
async function checkUnitLive(db: Db, unit: UnitToCheck, compiled: Compiled, withProperties: boolean, budget: { left: number }): Promise<UnitCheck> {
  const histogram: Record<string, number> = {};
  const summary = new Summary();
  let total = 0;
  let approved = 0;
  let after: FactsCursor | null = null;
  for (;;) {
    const page = await serverFactsPage(db, after, COMPAT_PAGE_SERVERS, { scope: unit.scope, id: unit.unitId });
    budget.left -= page.length;
    if (budget.left < 0) {
      throw problems.unprocessable(`One request may evaluate at most ${COMPAT_LIVE_MAX_SERVERS} servers live; ask about narrower units, or about a platform without properties.`);
    }
    for (const s of page) {
      total++;
      const failed = compiled.failedClauses(s);
      if (!failed.length) approved++;
      for (const clause of failed) histogram[clause] = (histogram[clause] ?? 0) + 1;
      if (withProperties) summary.add(s);
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
    ...(withProperties ? { propertiesSummary: summary.result() } : {}),
  };
}

/** One answer per unit, in the order given. */
export async function checkUnits(db: Db, units: UnitToCheck[], target: CheckTarget, withProperties: boolean): Promise<UnitCheck[]> {
  const compiled = compile(target.requirements);
  const results = new Map<number, UnitCheck>();

  const serverUnits = units.filter((u) => u.scope === 'server');
  const facts = new Map((await serverFacts(db, serverUnits.map((u) => u.unitId))).map((f) => [f.id, f]));
  for (const u of serverUnits) {
    const s = facts.get(u.unitId);
    if (!s) throw problems.gone('A server behind one of the hardware IDs is no longer in the inventory.');
    const e = evaluateCompiled(compiled, s);
    results.set(u.index, {
      index: u.index,
      scope: u.scope,
      approved: e.approved,
      servers: { total: 1, approved: e.approved ? 1 : 0 },
      reasons: e.reasons.map((reason) => ({ reason, servers: 1 })),
      fresh: true,
      ...(withProperties ? { properties: release(s) } : {}),
    });
  }

  const wider = units.filter((u) => u.scope !== 'server');
  // About a platform, without properties: the materialised aggregates answer in O(1) per unit.
  const slot = target.platform && !withProperties ? await slotState(db, target.platform.id) : undefined;
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
  for (const u of wider) if (!results.has(u.index)) results.set(u.index, await checkUnitLive(db, u, compiled, withProperties, budget));
  return units.map((u) => results.get(u.index)!);
}

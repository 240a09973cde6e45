/**
 * The migration-in-place list: for one customer, every other platform with the narrowest scope at
 * which it is available without the customer's data leaving that scope, read from the
 * materialised table. Cost grows with the customer's footprint (placements, and the racks, rows
 * and sites they sit in), not with the size of the inventory.
 */
import type { PlatformT } from '../catalog/schema';
import { COMPAT_TOP_REASONS } from '../constants';
import type { Db } from '../db';
import { placementsOfCustomer, type PlacementFacts } from '../inventory/placements';
import { SCOPES, type Scope } from '../inventory/units';
import { clauseText } from './evaluate';
import { platformsForEvaluation, readServerRows, readUnits, type EvalPlatform, type ServerRow, type UnitRow } from './store';
import { fits, isApproved, topClauses } from './verdicts';

export { SCOPES, type Scope };

const WIDER = ['rack', 'row', 'site'] as const;

export interface MipReason {
  reason: string;
  /** How many of the customer's placements it concerns. */
  placements: number;
}

export interface MipEntry {
  platformId: string;
  name: string;
  providerId: string;
  available: boolean;
  /** The narrowest scope at which every placement has a compatible home; null: none. */
  narrowestScope: Scope | null;
  /** Placements with a compatible home at each scope. */
  coverage: { placements: number } & Record<Scope, number>;
  /** Mean preference score of the customer's compatible servers, 0–1; null without preferences. */
  preferenceFit: number | null;
  serviceProfile: PlatformT['serviceProfile'];
  estimatedMonthlyPrice: { currency: string; amount: number };
  /** False while the table is behind the platform's latest revision or some of the servers. */
  fresh: boolean;
  reasons: MipReason[];
}

export interface MipList {
  customerId: string;
  scope: Scope;
  currentPlatformId: string | null;
  placements: number;
  available: MipEntry[];
  unavailable: MipEntry[];
}

interface Footprint {
  placements: PlacementFacts[];
  servers: Map<string, ServerRow>;
  units: Record<'rack' | 'row' | 'site', Map<string, UnitRow>>;
}

const unitOf = (row: ServerRow | undefined, scope: 'rack' | 'row' | 'site') => row && { rack: row.rackId, row: row.rowId, site: row.siteId }[scope];

async function footprint(db: Db, placements: PlacementFacts[]): Promise<Footprint> {
  const servers = await readServerRows(db, placements.map((p) => p.serverId));
  const ids = (scope: 'rack' | 'row' | 'site') => [...new Set([...servers.values()].map((s) => unitOf(s, scope)!))];
  const [rack, row, site] = await Promise.all([readUnits(db, 'rack', ids('rack')), readUnits(db, 'row', ids('row')), readUnits(db, 'site', ids('site'))]);
  return { placements, servers, units: { rack, row, site } };
}

function capacityText(p: PlacementFacts, scope: Scope): string {
  const room = p.cores || p.memoryGib ? ` with ${p.cores} free cores and ${p.memoryGib} GiB free memory` : '';
  return `no compatible server${room} in the same ${scope}`;
}

function evaluatePlatform(p: EvalPlatform, fp: Footprint, scope: Scope): MipEntry {
  const coverage = { placements: fp.placements.length, server: 0, rack: 0, row: 0, site: 0 };
  const histogram: Record<string, number> = {};
  const capacityMisses = new Map<string, number>();
  let fresh = p.computedRevision === p.platform.revision;
  let scoreSum = 0;
  let approvedServers = 0;
  for (const placement of fp.placements) {
    const row = fp.servers.get(placement.serverId);
    const v = row?.verdicts[p.key];
    if (v === undefined) fresh = false;
    let ok = isApproved(v);
    if (isApproved(v)) {
      scoreSum += v;
      approvedServers++;
    } else for (const clause of v ?? []) histogram[clause] = (histogram[clause] ?? 0) + 1;
    if (ok) coverage.server++;
    for (const wider of WIDER) {
      const unit = fp.units[wider].get(unitOf(row, wider) ?? '');
      ok ||= fits(unit?.aggregates[p.key]?.f, placement.cores, placement.memoryGib);
      if (ok) coverage[wider]++;
      else if (wider === scope) {
        const text = capacityText(placement, wider);
        capacityMisses.set(text, (capacityMisses.get(text) ?? 0) + 1);
      }
    }
  }
  const narrowestScope = SCOPES.find((s) => coverage[s] === coverage.placements && coverage.placements > 0) ?? null;
  const available = narrowestScope !== null && SCOPES.indexOf(narrowestScope) <= SCOPES.indexOf(scope);
  const reasons: MipReason[] = [];
  if (!available) {
    for (const t of topClauses(histogram, COMPAT_TOP_REASONS)) reasons.push({ reason: clauseText(p.compiled.clauses, t.clause), placements: t.servers });
    for (const [reason, placements] of capacityMisses) reasons.push({ reason, placements });
    if (!fresh) reasons.push({ reason: 'compatibility is still being computed; ask again shortly', placements: coverage.placements - coverage.server });
    reasons.splice(COMPAT_TOP_REASONS + 1);
  }
  const cores = fp.placements.reduce((n, pl) => n + pl.cores, 0);
  const pricing = p.platform.serviceProfile.pricing;
  return {
    platformId: p.platform.id,
    name: p.platform.name,
    providerId: p.platform.providerId,
    available,
    narrowestScope,
    coverage,
    preferenceFit: p.compiled.maxScore && approvedServers ? Math.round((scoreSum / approvedServers / p.compiled.maxScore) * 1000) / 1000 : null,
    serviceProfile: p.platform.serviceProfile,
    estimatedMonthlyPrice: { currency: pricing.currency, amount: Math.round((pricing.monthlyBase + pricing.perCoreMonth * cores) * 100) / 100 },
    fresh,
    reasons,
  };
}

/** Available first by how narrowly they fit, then by preference fit, price and name. */
function byFit(a: MipEntry, b: MipEntry): number {
  return (
    SCOPES.indexOf(a.narrowestScope!) - SCOPES.indexOf(b.narrowestScope!) ||
    (b.preferenceFit ?? 0) - (a.preferenceFit ?? 0) ||
    a.estimatedMonthlyPrice.amount - b.estimatedMonthlyPrice.amount ||
    a.name.localeCompare(b.name)
  );
}

function byCoverage(scope: Scope) {
  return (a: MipEntry, b: MipEntry) => b.coverage[scope] - a.coverage[scope] || a.name.localeCompare(b.name);
}

export async function mipList(db: Db, customerId: string, scope: Scope): Promise<MipList> {
  const placements = await placementsOfCustomer(db, customerId);
  const currentPlatformId = placements[0]?.platformId ?? null;
  const out: MipList = { customerId, scope, currentPlatformId, placements: placements.length, available: [], unavailable: [] };
  if (!placements.length) return out;
  const [platforms, fp] = await Promise.all([platformsForEvaluation(db), footprint(db, placements)]);
  for (const p of platforms) {
    if (p.platform.id === currentPlatformId) continue;
    const entry = evaluatePlatform(p, fp, scope);
    (entry.available ? out.available : out.unavailable).push(entry);
  }
  out.available.sort(byFit);
  out.unavailable.sort(byCoverage(scope));
  return out;
}

/**
 * The migration-in-place list: for one customer, every other platform with the narrowest scope at
 * which it is available without the customer's data leaving that scope, read from the
 * materialised table. Cost grows with the customer's footprint (placements, and the racks, rows
 * and sites they sit in), not with the size of the inventory.
 */
import type { PlatformT } from '../catalog/schema';
import { COMPAT_TOP_REASONS } from '../constants';
import type { Db } from '../db';
import { withheldWhere } from '../disclosure/release';
import { readCensus } from '../disclosure/store';
import { customerServerIds, placementsOfCustomer, type PlacementFacts } from '../inventory/placements';
import { SCOPES, type Scope } from '../inventory/units';
import { clauseText } from './evaluate';
import { UNIT_SCOPES } from './units';
import { platformsForEvaluation, readFootprint, type EvalPlatform, type FootprintRead, type FootprintServer, type Frontiers } from './store';
import { fits, isApproved, topClauses } from './verdicts';

export { SCOPES, type Scope };

const WIDER = UNIT_SCOPES;

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
  /**
   * Not available only because the platform is not answered about some of the placements' units
   * (the census, src/disclosure): the list cannot say, which is not a denial. False whenever a
   * placement answered about its server and its unit at the scope has no home in that unit.
   */
  withheld: boolean;
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

/** Placements sharing a rack and a demand: one capacity answer per platform serves them all. */
interface Group {
  /** Capacity frontiers of the rack, row and site the placements' servers sit in (WIDER order). */
  units: (Frontiers | undefined)[];
  cores: number;
  memoryGib: number;
  /** The materialised row of each placement's server (undefined: not computed yet). */
  servers: (FootprintServer | undefined)[];
}

interface Footprint {
  placements: number;
  cores: number;
  groups: Group[];
}

function footprint(placements: PlacementFacts[], read: FootprintRead): Footprint {
  const groups = new Map<string, Group>();
  for (const p of placements) {
    const server = read.servers.get(p.serverId);
    const key = `${server?.rackId ?? ''}\n${p.cores}\n${p.memoryGib}`;
    let g = groups.get(key);
    if (!g) {
      const units = server ? [read.rack.get(server.rackId), read.row.get(server.rowId), read.site.get(server.siteId)] : [];
      g = { units, cores: p.cores, memoryGib: p.memoryGib, servers: [] };
      groups.set(key, g);
    }
    g.servers.push(server);
  }
  return { placements: placements.length, cores: placements.reduce((n, p) => n + p.cores, 0), groups: [...groups.values()] };
}

function capacityText(g: Group, scope: Scope): string {
  const room = g.cores || g.memoryGib ? ` with ${g.cores} free cores and ${g.memoryGib} GiB free memory` : '';
  return `no compatible server${room} in the same ${scope}`;
}

/**
 * Index in WIDER of the narrowest unit with a compatible server that has room (WIDER.length:
 * none), skipping the scopes (indices) about which the platform is not answered.
 */
function firstFit(g: Group, key: string, skip: ReadonlySet<number>): number {
  const i = g.units.findIndex((u, n) => !skip.has(n) && fits(u?.[key], g.cores, g.memoryGib));
  return i < 0 ? WIDER.length : i;
}

/** Per scope, the data centers where a platform is not answered about such units, with the reason. */
type Withheld = Record<'server' | 'rack' | 'row', ReadonlyMap<string, string>>;

/**
 * One platform's entry. Placements in a data center where the platform's verdicts are withheld
 * have no compatible home there as far as the list tells; where its answers about racks (rows)
 * are, a placement its own server does not approve is not told of a home in its rack (row).
 */
function evaluatePlatform(p: EvalPlatform, fp: Footprint, scope: Scope, withheld: Withheld): MipEntry {
  const coverage = { placements: fp.placements, server: 0, rack: 0, row: 0, site: 0 };
  const histogram: Record<string, number> = {};
  const capacityMisses = new Map<string, number>();
  const unanswered = new Map<string, number>();
  const scopeIndex = WIDER.indexOf(scope as (typeof WIDER)[number]);
  let fresh = p.computedRevision === p.platform.revision;
  let scoreSum = 0;
  let approvedServers = 0;
  // A placement answered about its server and about its unit at the scope, with no home within it.
  let denied = false;
  for (const g of fp.groups) {
    let fit: number | undefined;
    for (const server of g.servers) {
      if (server?.stale) fresh = false;
      const why = server && withheld.server.get(server.siteId);
      if (why) {
        unanswered.set(why, (unanswered.get(why) ?? 0) + 1);
        continue;
      }
      const v = server?.verdicts[p.key];
      if (isApproved(v)) {
        scoreSum += v;
        approvedServers++;
        coverage.server++;
        for (const wider of WIDER) coverage[wider]++;
        continue;
      }
      if (v === undefined) fresh = false;
      else for (const clause of v) histogram[clause] = (histogram[clause] ?? 0) + 1;
      // Why the placement's rack and row are not told of (undefined: they are).
      const units = (['rack', 'row'] as const).map((unit) => server && withheld[unit].get(server.siteId));
      fit ??= firstFit(g, p.key, new Set(units.flatMap((u, n) => (u ? [n] : []))));
      for (let i = fit; i < WIDER.length; i++) coverage[WIDER[i]!]++;
      const untold = units.filter((u, n): u is string => !!u && n <= scopeIndex);
      for (const u of untold) unanswered.set(u, (unanswered.get(u) ?? 0) + 1);
      // No home in the scope's own unit, told of: none in any narrower one either.
      if (v !== undefined && scopeIndex < fit && !units[scopeIndex]) denied = true;
      if (!untold.length && scopeIndex >= 0 && scopeIndex < fit) {
        const text = capacityText(g, scope);
        capacityMisses.set(text, (capacityMisses.get(text) ?? 0) + 1);
      }
    }
  }
  const narrowestScope = SCOPES.find((s) => coverage[s] === coverage.placements && coverage.placements > 0) ?? null;
  const available = narrowestScope !== null && SCOPES.indexOf(narrowestScope) <= SCOPES.indexOf(scope);
  const reasons: MipReason[] = [];
  if (!available) {
    for (const [reason, placements] of unanswered) reasons.push({ reason, placements });
    for (const t of topClauses(histogram, COMPAT_TOP_REASONS)) reasons.push({ reason: clauseText(p.compiled.clauses, t.clause), placements: t.servers });
    for (const [reason, placements] of capacityMisses) reasons.push({ reason, placements });
    if (!fresh) reasons.push({ reason: 'compatibility is still being computed; ask again shortly', placements: coverage.placements - coverage.server });
    reasons.splice(COMPAT_TOP_REASONS + 1);
  }
  const pricing = p.platform.serviceProfile.pricing;
  return {
    platformId: p.platform.id,
    name: p.platform.name,
    providerId: p.platform.providerId,
    available,
    withheld: !available && !denied && unanswered.size > 0,
    narrowestScope,
    coverage,
    preferenceFit: p.compiled.maxScore && approvedServers ? Math.round((scoreSum / approvedServers / p.compiled.maxScore) * 1000) / 1000 : null,
    serviceProfile: p.platform.serviceProfile,
    estimatedMonthlyPrice: { currency: pricing.currency, amount: Math.round((pricing.monthlyBase + pricing.perCoreMonth * fp.cores) * 100) / 100 },
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
  // Three independent reads, overlapped: the placements, the catalog, and the table's rows for them.
  const [placements, platforms, read] = await Promise.all([
    placementsOfCustomer(db, customerId),
    platformsForEvaluation(db),
    readFootprint(db, customerServerIds(db, customerId)),
  ]);
  const currentPlatformId = placements[0]?.platformId ?? null;
  const out: MipList = { customerId, scope, currentPlatformId, placements: placements.length, available: [], unavailable: [] };
  if (!placements.length) return out;
  const fp = footprint(placements, read);
  const sites = new Set([...read.servers.values()].map((s) => s.siteId));
  const censuses = await readCensus(db, [...sites]);
  for (const p of platforms) {
    if (p.platform.id === currentPlatformId) continue;
    const pass = { id: p.platform.id, passRevision: p.passRevision };
    const withheld = { server: withheldWhere(censuses, pass, sites), rack: withheldWhere(censuses, pass, sites, 'rack'), row: withheldWhere(censuses, pass, sites, 'row') };
    const entry = evaluatePlatform(p, fp, scope, withheld);
    (entry.available ? out.available : out.unavailable).push(entry);
  }
  out.available.sort(byFit);
  out.unavailable.sort(byCoverage(scope));
  return out;
}

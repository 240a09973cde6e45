/**
 * The census of a data center: which platforms' verdicts may be released there. A platform's
 * static requirements (every clause but free capacity, and its preferences) sort the servers by
 * what they fail and how they score; were a side of that split held by 1 to K−1 servers, the exact
 * verdicts (MIP list, compatibility) would single those servers out, so the platform is withheld at
 * that site. Taken together: the sides are those of everything released about a server (its
 * released record, then the admitted platforms one by one in catalog order), so two narrow
 * platforms that each split a site fairly cannot single out their intersection either, and an older
 * platform's answers never depend on a newer one. Racks and rows likewise, from their released
 * summaries: whether none, some or all of a unit's servers meet a platform tells what kinds of
 * hardware it holds, so a platform that would set 1 to K_UNITS−1 racks (rows) apart from their
 * look-alikes is not answered about racks (rows) there. Pure; src/disclosure/store.ts runs it at
 * each site's refresh, and requests only look the result up.
 */
import type { Db } from '../db';
import type { RackCrowd } from '../inventory/facts';

/**
 * A platform as the census judges it: its requirements as of `passRevision` (0: none yet), as
 * `judge`, which tells the static clauses a server with these properties fails (never free
 * capacity) and its preference score (null without preferences).
 */
export interface CensusPlatform {
  id: string;
  createdAt: number;
  passRevision: number;
  judge(properties: RackCrowd['properties']): { failed: number[]; score: number | null };
}

/** Where a refresh reads every platform for the census (the compatibility capability compiles them). */
export type CensusSource = (db: Db) => Promise<CensusPlatform[]>;

/** Servers of one rack sharing their properties and their released record (its JSON). */
export interface CensusCrowd {
  rackId: string;
  rowId: string;
  properties: RackCrowd['properties'];
  record: string;
  servers: number;
}

/** The released summary (its JSON) of each rack and each row of the site. */
export interface CensusUnits {
  rack: ReadonlyMap<string, string>;
  row: ReadonlyMap<string, string>;
}

/**
 * Per platform: the requirements revision judged, whether its verdicts are withheld at the site,
 * and whether its answers about racks, or rows, are (always when its verdicts are).
 */
export type Census = Record<string, { revision: number; withheld: boolean; racks: boolean; rows: boolean }>;

/** The units a site's census judges besides its servers (a site is the census's own scope). */
const CENSUSED_UNITS = ['rack', 'row'] as const;

/** Whether refining `before` into `after` splits off a part of fewer than `k` (weighted) members. */
function splits(before: number[], after: number[], weights: number[], k: number): boolean {
  const tally = (keys: number[]) => {
    const n = new Map<number, number>();
    keys.forEach((key, i) => n.set(key, (n.get(key) ?? 0) + weights[i]!));
    return n;
  };
  const was = tally(before);
  const now = tally(after);
  // A side the platform leaves whole stays as it is (even below k: the site may be that small).
  return after.some((key, i) => now.get(key)! < was.get(before[i]!)! && now.get(key)! < k);
}

/**
 * What a unit's answer tells statically: whether none, some or all of its servers approve, and
 * fail each clause (the counts src/disclosure/classes.ts releases, at their coarsest).
 */
function unitSides(crowds: CensusCrowd[], failed: number[][], scope: (typeof CENSUSED_UNITS)[number]): Map<string, string> {
  const units = new Map<string, { n: number; approved: number; fails: Map<number, number> }>();
  crowds.forEach((c, i) => {
    const id = scope === 'rack' ? c.rackId : c.rowId;
    const u = units.get(id) ?? { n: 0, approved: 0, fails: new Map<number, number>() };
    u.n += c.servers;
    if (!failed[i]!.length) u.approved += c.servers;
    for (const clause of failed[i]!) u.fails.set(clause, (u.fails.get(clause) ?? 0) + c.servers);
    units.set(id, u);
  });
  const band = (x: number, n: number) => (x === 0 ? 0 : x === n ? 2 : 1);
  return new Map([...units].map(([id, u]) => [id, JSON.stringify([band(u.approved, u.n), [...u.fails].sort((a, b) => a[0] - b[0]).map(([clause, x]) => [clause, band(x, u.n)])])]));
}

/**
 * The census of one site's crowds: each platform (those with requirements to judge, in creation
 * order) is answered when it splits no side of what is already released about the servers into a
 * part of 1 to kServers−1 servers, and then refines the sides; otherwise it is withheld and refines
 * nothing. Likewise for racks and rows, whose sides start from their released summaries: a
 * platform whose unit answers would set 1 to kUnits−1 racks (rows) apart from those that look the
 * same is not answered about racks (rows) there.
 */
export function takeCensus(crowds: CensusCrowd[], units: CensusUnits, platforms: CensusPlatform[], kServers: number, kUnits: number): Census {
  const census: Census = {};
  // Sides are numbered: a side refined by what a platform tells is the number of the pair (side, told).
  const numbers = new Map<string, number>();
  const number = (key: string) => numbers.get(key) ?? (numbers.set(key, numbers.size), numbers.size - 1);
  let sides = crowds.map((c) => number(c.record));
  const weights = crowds.map((c) => c.servers);
  // Crowds of many racks share their properties: each platform judges each distinct set once.
  const kinds = new Map<string, number>();
  const kindOf = crowds.map((c) => {
    const key = JSON.stringify(c.properties);
    return kinds.get(key) ?? (kinds.set(key, kinds.size), kinds.size - 1);
  });
  const kindProperties = new Array<CensusCrowd['properties']>(kinds.size);
  crowds.forEach((c, i) => (kindProperties[kindOf[i]!] = c.properties));
  const unitIds = { rack: [...units.rack.keys()], row: [...units.row.keys()] };
  const unitKeys = { rack: unitIds.rack.map((id) => number(units.rack.get(id)!)), row: unitIds.row.map((id) => number(units.row.get(id)!)) };
  const ordered = platforms.filter((p) => p.passRevision > 0).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  for (const p of ordered) {
    const verdicts = kindProperties.map((properties) => p.judge(properties));
    const told = verdicts.map((v) => JSON.stringify(v));
    const judged = kindOf.map((kind) => verdicts[kind]!);
    const refined = crowds.map((_, i) => number(`${sides[i]}\n${told[kindOf[i]!]}`));
    if (splits(sides, refined, weights, kServers)) {
      census[p.id] = { revision: p.passRevision, withheld: true, racks: true, rows: true };
      continue;
    }
    sides = refined;
    const entry = { revision: p.passRevision, withheld: false, racks: false, rows: false };
    for (const scope of CENSUSED_UNITS) {
      const summary = unitSides(crowds, judged.map((j) => j.failed), scope);
      const keys = unitKeys[scope].map((key, i) => number(`${key}\n${summary.get(unitIds[scope][i]!)}`));
      if (splits(unitKeys[scope], keys, keys.map(() => 1), kUnits)) entry[scope === 'rack' ? 'racks' : 'rows'] = true;
      else unitKeys[scope] = keys;
    }
    census[p.id] = entry;
  }
  return census;
}

/**
 * Why a platform's answers are not released at a site: its verdicts would set servers apart
 * (`narrow`), its answers about racks or rows would set those apart, or its census has not judged
 * the platform's current requirements yet.
 */
export type WithheldReason = 'narrow' | 'racks' | 'rows' | 'pending';

/**
 * The sites (of those asked about) where a platform at requirements revision `passRevision` is
 * not answered about units of `scope`, and why.
 */
export function withheldSites(censuses: ReadonlyMap<string, Census>, platformId: string, passRevision: number, siteIds: Iterable<string>, scope: 'server' | 'rack' | 'row' | 'site' = 'server'): Map<string, WithheldReason> {
  const out = new Map<string, WithheldReason>();
  for (const siteId of siteIds) {
    const entry = censuses.get(siteId)?.[platformId];
    if (!entry || entry.revision !== passRevision || passRevision === 0) out.set(siteId, 'pending');
    else if (entry.withheld) out.set(siteId, 'narrow');
    else if (scope === 'rack' && entry.racks) out.set(siteId, 'racks');
    else if (scope === 'row' && entry.rows) out.set(siteId, 'rows');
  }
  return out;
}

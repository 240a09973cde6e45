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

/** Numbers keys in order of first appearance: equal keys, equal numbers; `count` of them. */
function numbered<K>(keys: K[]): { ids: number[]; count: number } {
  const seen = new Map<K, number>();
  const ids = keys.map((key) => seen.get(key) ?? (seen.set(key, seen.size), seen.size - 1));
  return { ids, count: seen.size };
}

/** Sides refined by what is told about each member (both numbered): the pairs, numbered. */
function refine(sides: number[], told: { ids: number[]; count: number }): number[] {
  return numbered(sides.map((side, i) => side * told.count + told.ids[i]!)).ids;
}

/**
 * What a unit's answer tells statically: whether none, some or all of its servers approve, and
 * fail each clause (the counts src/disclosure/classes.ts releases, at their coarsest), numbered
 * over `ids` (the units of that scope, each with at least one crowd).
 */
function unitSides(crowds: CensusCrowd[], failed: number[][], scope: (typeof CENSUSED_UNITS)[number], ids: string[]): { ids: number[]; count: number } {
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
  const told = (u: { n: number; approved: number; fails: Map<number, number> } | undefined) =>
    u ? `${band(u.approved, u.n)}${[...u.fails].sort((a, b) => a[0] - b[0]).map(([clause, x]) => ` ${clause}:${band(x, u.n)}`).join('')}` : '';
  return numbered(ids.map((id) => told(units.get(id))));
}

/**
 * The census of one site's crowds: each platform (those with requirements to judge, in creation
 * order) is answered when it splits no side of what is already released about the servers into a
 * part of 1 to kServers−1 servers, and then refines the sides; otherwise it is withheld and refines
 * nothing. Likewise for racks and rows, whose sides start from their released summaries: a
 * platform whose unit answers would set 1 to kUnits−1 racks (rows) apart from those that look the
 * same is not answered about racks (rows) there. Sides are numbered (a refined side is the number
 * of the pair side, told), and each platform judges each distinct set of properties once (crowds
 * of many racks share them).
 */
export function takeCensus(crowds: CensusCrowd[], units: CensusUnits, platforms: CensusPlatform[], kServers: number, kUnits: number): Census {
  const census: Census = {};
  const weights = crowds.map((c) => c.servers);
  let sides = numbered(crowds.map((c) => c.record)).ids;
  const kinds = numbered(crowds.map((c) => JSON.stringify(c.properties)));
  const kindProperties = new Array<CensusCrowd['properties']>(kinds.count);
  crowds.forEach((c, i) => (kindProperties[kinds.ids[i]!] = c.properties));
  const unitIds = { rack: [...units.rack.keys()], row: [...units.row.keys()] };
  const unitKeys = { rack: numbered(unitIds.rack.map((id) => units.rack.get(id)!)).ids, row: numbered(unitIds.row.map((id) => units.row.get(id)!)).ids };
  const ordered = platforms.filter((p) => p.passRevision > 0).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  for (const p of ordered) {
    const entry = { revision: p.passRevision, withheld: false, racks: false, rows: false };
    census[p.id] = entry;
    const verdicts = kindProperties.map((properties) => p.judge(properties));
    const told = numbered(verdicts.map((v) => JSON.stringify(v)));
    const byCrowd = { ids: kinds.ids.map((kind) => told.ids[kind]!), count: told.count };
    // Every server judged alike: no side, rack or row is told apart.
    if (new Set(byCrowd.ids).size === 1) continue;
    const refined = refine(sides, byCrowd);
    if (splits(sides, refined, weights, kServers)) {
      census[p.id] = { ...entry, withheld: true, racks: true, rows: true };
      continue;
    }
    sides = refined;
    const failed = kinds.ids.map((kind) => verdicts[kind]!.failed);
    for (const scope of CENSUSED_UNITS) {
      const keys = refine(unitKeys[scope], unitSides(crowds, failed, scope, unitIds[scope]));
      if (splits(unitKeys[scope], keys, keys.map(() => 1), kUnits)) entry[scope === 'rack' ? 'racks' : 'rows'] = true;
      else unitKeys[scope] = keys;
    }
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

/**
 * The census of a data center: which platforms' verdicts may be released there. A platform's
 * static requirements (every clause but free capacity, and its preferences) sort the servers by
 * what they fail and how they score; were a side of that split held by 1 to K−1 servers, the exact
 * verdicts (MIP list, compatibility) would single those servers out, so the platform is withheld at
 * that site. Taken together: the sides are those of everything released about a server (its
 * released record, then the admitted platforms one by one in catalog order), so two narrow
 * platforms that each split a site fairly cannot single out their intersection either, and an older
 * platform's answers never depend on a newer one. Pure; src/disclosure/store.ts runs it at each
 * site's refresh, and requests only look the result up.
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

/** Servers sharing their properties and their released record (its JSON). */
export interface CensusCrowd {
  properties: RackCrowd['properties'];
  record: string;
  servers: number;
}

/** Per platform: the requirements revision judged and whether its verdicts are withheld at the site. */
export type Census = Record<string, { revision: number; withheld: boolean }>;


/**
 * The census of one site's crowds with `k`: each platform (those with requirements to judge, in
 * creation order) is admitted when it splits no side of what is already released into a part of
 * 1 to k−1 servers, and then refines the sides; otherwise it is withheld and refines nothing.
 */
export function takeCensus(crowds: CensusCrowd[], platforms: CensusPlatform[], k: number): Census {
  const census: Census = {};
  let sides = crowds.map((c) => c.record);
  const ordered = platforms.filter((p) => p.passRevision > 0).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  for (const p of ordered) {
    const refined = crowds.map((c, i) => `${sides[i]}\n${JSON.stringify(p.judge(c.properties))}`);
    const before = tally(sides, crowds);
    const after = tally(refined, crowds);
    // A side the platform leaves whole stays as it is (even below k: the site may be that small).
    const split = refined.some((key, i) => after.get(key)! < before.get(sides[i]!)! && after.get(key)! < k);
    census[p.id] = { revision: p.passRevision, withheld: split };
    if (!split) sides = refined;
  }
  return census;
}

function tally(keys: string[], crowds: CensusCrowd[]): Map<string, number> {
  const n = new Map<string, number>();
  keys.forEach((key, i) => n.set(key, (n.get(key) ?? 0) + crowds[i]!.servers));
  return n;
}

/** Why a platform's verdicts are not released at a site; the same words for every unit there. */
export type WithheldReason = 'narrow' | 'pending';

/** The sites (of those asked about) where a platform at requirements revision `passRevision` is withheld, and why. */
export function withheldSites(censuses: ReadonlyMap<string, Census>, platformId: string, passRevision: number, siteIds: Iterable<string>): Map<string, WithheldReason> {
  const out = new Map<string, WithheldReason>();
  for (const siteId of siteIds) {
    const entry = censuses.get(siteId)?.[platformId];
    if (!entry || entry.revision !== passRevision || passRevision === 0) out.set(siteId, 'pending');
    else if (entry.withheld) out.set(siteId, 'narrow');
  }
  return out;
}

/**
 * The edge where facts about servers become answers: requests call these with exact facts and get
 * what may leave. Verdicts on requester-controlled thresholds are judged on the free-capacity class
 * the materialised table holds (so probing yields the class at most: the caller reads those classes
 * from compatibility's table and hands them in); properties and the values in reasons come from the
 * k-anonymous released record (./records.ts, looked up, never computed here).
 */
import type { Db } from '../db';
import type { ServerFacts, ShownProperties } from '../inventory/facts';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS } from '../constants';
import type { Scope } from '../inventory/units';
import { withheldSites, type Census, type WithheldReason } from './census';
import { freeClass, type Free } from './classes';
import { RECORD_ATTRIBUTES, type ServerRecord } from './records';
import { recordKey, releasedServerRecords } from './store';

export interface Released {
  /** The facts with free capacity replaced by its class: what released verdicts are judged on. */
  judged: ServerFacts;
  /** What may be shown about the server. */
  record: ServerRecord;
}

/**
 * Judged facts of servers: free capacity as the stored class (`classes`, by server id), or as the
 * class of the exact value for a server not materialised yet. Pages of a unit only need these.
 */
export function judgedFacts(facts: ServerFacts[], classes: ReadonlyMap<string, Free>): ServerFacts[] {
  return facts.map((f) => ({ ...f, free: classes.get(f.id) ?? freeClass(f.free) }));
}

/** Judged facts and released records of servers, by id. */
export async function releaseServers(db: Db, facts: ServerFacts[], classes: ReadonlyMap<string, Free>): Promise<Map<string, Released>> {
  const judged = judgedFacts(facts, classes);
  const keys = judged.map((j) => recordKey(j.siteId, j.properties, j.free));
  const records = await releasedServerRecords(db, keys);
  return new Map(judged.map((j, i) => [j.id, { judged: j, record: records.get(keys[i]!)! }]));
}

/** The values a reason about this server may show: those of its released record. */
export function shownProperties(r: Released): ShownProperties {
  const shown: ShownProperties = { privateNetworkId: r.judged.properties.privateNetworkId };
  for (const a of RECORD_ATTRIBUTES) if (r.record[a] !== null) Object.assign(shown, { [a]: r.record[a] });
  return shown;
}

/**
 * What a platform's withheld verdicts say instead, the same for every unit of the data center, so
 * the platform's provider learns that its requirements are too narrow to be answered there, never
 * which servers make them so.
 */
export const WITHHELD_REASONS: Record<WithheldReason, string> = {
  narrow: `not answered at this data center: the platform's requirements would set fewer than ${DISCLOSE_K_SERVERS} of its servers apart from the rest`,
  racks: `not answered for racks at this data center: the platform's requirements would set fewer than ${DISCLOSE_K_UNITS} of its racks apart from the rest`,
  rows: `not answered for rows at this data center: the platform's requirements would set fewer than ${DISCLOSE_K_UNITS} of its rows apart from the rest`,
  pending: "not answered at this data center yet: its servers are still being counted against the platform's current requirements; ask again shortly",
};

/**
 * The data centers (of `siteIds`) where the platform is not answered about units of `scope`, each
 * with the reason to give: their census (`censuses`, from `readCensus`) found its requirements too
 * narrow there (for servers, or for racks or rows), or has not judged them yet.
 */
export function withheldWhere(censuses: ReadonlyMap<string, Census>, platform: { id: string; passRevision: number }, siteIds: Iterable<string>, scope: Scope = 'server'): Map<string, string> {
  return new Map([...withheldSites(censuses, platform.id, platform.passRevision, siteIds, scope)].map(([siteId, why]) => [siteId, WITHHELD_REASONS[why]]));
}

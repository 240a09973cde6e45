/**
 * The released records, recomputed per data center (k-anonymity holds among the servers of one
 * site) and looked up by requests: by a server's site and record signature, or by a unit's id.
 * Recomputing the materialised table only marks its sites pending (`markReleasedPending`, cheap,
 * once per page); `refreshPending` then recomputes each pending site once, however many pages of a
 * pass or an upsert marked it, from a queue message sent after them and from the cron. Until then a
 * server whose class moved releases nothing: the record it left is withdrawn at once, so the crowd
 * it leaves never holds a record with fewer than K members, and the one it joins is not found.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { compatServers, compatUnits, disclosureReleased } from '../../schema';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS } from '../constants';
import { jsonChunks, jsonIds, readInChunks, runAll, type Db } from '../db';
import { rackCrowds, type RackCrowd } from '../inventory/facts';
import { bumpStatement, siteKey } from '../lib/generations';
import type { Scope } from '../inventory/units';
import { takeCensus, type Census, type CensusPlatform, type CensusSource } from './census';
import type { Free } from './classes';
import { anonymiseServers, anonymiseUnits, fullRecord, signatureOf, summarise, NOTHING_RELEASED, NOTHING_SUMMARISED, type Crowd, type ServerRecord, type UnitSummary } from './records';

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The key of a released server record: its data center and its full record's signature. */
export function recordKey(siteId: string, properties: RackCrowd['properties'], cls: Free): string {
  return `${siteId}\n${signatureOf(fullRecord(properties, cls))}`;
}

/** Released rows of one data center, from its racks' crowds, with its census of `platforms`. */
function releasedRows(siteId: string, crowds: RackCrowd[], platforms: CensusPlatform[]): [string, string, unknown, number][] {
  const byKey = new Map<string, Crowd<ServerRecord>>();
  const perRack: { crowd: RackCrowd; key: string }[] = [];
  for (const c of crowds) {
    const key = recordKey(siteId, c.properties, c.free);
    const crowd = byKey.get(key) ?? { key, record: fullRecord(c.properties, c.free), members: 0 };
    crowd.members += c.servers;
    byKey.set(key, crowd);
    perRack.push({ crowd: c, key });
  }
  const servers = anonymiseServers([...byKey.values()], DISCLOSE_K_SERVERS);
  const members: Record<'rack' | 'row', Map<string, ServerRecord[]>> = { rack: new Map(), row: new Map() };
  const all: ServerRecord[] = [];
  for (const { crowd, key } of perRack) {
    const released = servers.get(key)!.record;
    for (let i = 0; i < crowd.servers; i++) {
      push(members.rack, crowd.rackId, released);
      push(members.row, crowd.rowId, released);
      all.push(released);
    }
  }
  const rows: [string, string, unknown, number][] = [...servers].map(([key, r]) => ['server', key, r.record, r.members]);
  const units = { rack: new Map<string, string>(), row: new Map<string, string>() };
  for (const scope of ['rack', 'row'] as const) {
    const summaries = new Map([...members[scope]].map(([id, list]) => [id, summarise(list)]));
    for (const [key, r] of anonymiseUnits(summaries, DISCLOSE_K_UNITS)) {
      rows.push([scope, key, r.record, r.members]);
      units[scope].set(key, JSON.stringify(r.record));
    }
  }
  const crowdsTold = perRack.map(({ crowd, key }) => ({ rackId: crowd.rackId, rowId: crowd.rowId, properties: crowd.properties, record: JSON.stringify(servers.get(key)!.record), servers: crowd.servers }));
  rows.push(['census', siteId, takeCensus(crowdsTold, units, platforms, DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS), 1]);
  // The site's own summary, kept apart: what is released of it is generalised over the sites (`siteRows`).
  rows.push(['site-summary', siteId, summarise(all), 1]);
  return rows;
}

/**
 * Released site summaries: generalised like rack and row summaries until each is shared by
 * DISCLOSE_K_UNITS sites, or by all of them where the deployment has fewer (a site then says no
 * more than which of so few data centers it is). From every site's summary, `fresh` ones replacing
 * those stored, `gone` ones left out.
 */
function siteRows(stored: Map<string, UnitSummary>, fresh: [string, string, unknown, number][], gone: string[]): [string, string, unknown, number][] {
  const summaries = new Map(stored);
  for (const id of gone) summaries.delete(id);
  for (const [, id, summary] of fresh) summaries.set(id, summary as UnitSummary);
  return [...anonymiseUnits(summaries, Math.min(DISCLOSE_K_UNITS, summaries.size))].map(([id, r]) => ['site', id, r.record, r.members]);
}

/** Where the free-capacity classes of the released records are read: the materialised table. */
const CLASSES = { table: compatServers, serverId: compatServers.serverId, cores: compatServers.freeCores, memoryGib: compatServers.freeMemoryGib };

const UPSERT_SQL = `insert into disclosure_released (kind, key, record, members, computed_at)
  select value ->> 0, value ->> 1, value -> 2, value ->> 3, ?2 from json_each(?1) where true
  on conflict (kind, key) do update set record = excluded.record, members = excluded.members, computed_at = excluded.computed_at`;

/**
 * Recomputes every released record and summary, and the census, of these data centers (one
 * aggregate read); a site whose census changed has its stored answers recomputed (its generation moves).
 */
export async function refreshReleasedSites(db: Db, siteIds: string[], census: CensusSource, now = Date.now()): Promise<{ servers: number; records: number }> {
  if (!siteIds.length) return { servers: 0, records: 0 };
  const [crowds, platforms, stored, censuses] = await Promise.all([
    rackCrowds(db, CLASSES, siteIds),
    census(db),
    db.select({ key: disclosureReleased.key, record: disclosureReleased.record }).from(disclosureReleased).where(eq(disclosureReleased.kind, 'site-summary')).all(),
    readCensus(db, siteIds),
  ]);
  const bySite = new Map<string, RackCrowd[]>();
  for (const c of crowds) push(bySite, c.siteId, c);
  const rows = [...bySite].flatMap(([siteId, list]) => releasedRows(siteId, list, platforms));
  const gone = siteIds.filter((id) => !bySite.has(id));
  const sites = siteRows(new Map(stored.map((r) => [r.key, JSON.parse(r.record) as UnitSummary])), rows.filter((r) => r[0] === 'site-summary'), gone);
  const recounted = siteIds.filter((id) => JSON.stringify(rows.find((r) => r[0] === 'census' && r[1] === id)?.[2] ?? null) !== JSON.stringify(censuses.get(id) ?? null));
  await runAll(db, [
    // A site's server records go with it (their keys start with the site); its units are overwritten.
    ...siteIds.map((siteId) => ({ sql: "delete from disclosure_released where kind = 'server' and substr(key, 1, ?2) = ?1", params: [`${siteId}\n`, siteId.length + 1] })),
    ...(gone.length ? [{ sql: "delete from disclosure_released where kind in ('site', 'site-summary', 'census') and key in (select value from json_each(?1))", params: [JSON.stringify(gone)] }] : []),
    ...jsonChunks(rows).map((payload) => ({ sql: UPSERT_SQL, params: [payload, now] })),
    // Every site's released summary, rewritten only where it changed (other sites keep their time).
    ...jsonChunks(sites).map((payload) => ({ sql: `${UPSERT_SQL} where record != excluded.record or members != excluded.members`, params: [payload, now] })),
    ...(recounted.length ? [bumpStatement(recounted.map(siteKey))] : []),
  ]);
  return { servers: crowds.reduce((n, c) => n + c.servers, 0), records: rows.filter((r) => r[0] === 'server').length };
}

/** A server whose row was just recomputed: its site, its properties, and the class before and after. */
export interface Recomputed {
  siteId: string;
  properties: RackCrowd['properties'];
  before: Free | undefined;
  after: Free;
}

const MARK_SQL = `insert into disclosure_released (kind, key, record, members, computed_at)
  select 'pending', value, '{}', 1, ?2 from json_each(?1) where true
  on conflict (kind, key) do update set members = members + 1, computed_at = excluded.computed_at`;

/**
 * Marks sites pending before their rows are recomputed, so that nobody waiting for the queue to
 * settle reads their released records between the rows and the mark `markReleasedPending` adds.
 */
export async function markSitesPending(db: Db, siteIds: string[], now = Date.now()): Promise<void> {
  if (siteIds.length) await runAll(db, [{ sql: MARK_SQL, params: [JSON.stringify([...new Set(siteIds)]), now] }]);
}

/** The mark of a site whose census alone waits for its refresh (`pending`: its records and census). */
const CENSUS_MARK = 'pending-census';

/**
 * Marks every data center's census pending (a statement to run with others): a platform's
 * requirements changed, so every site's census must judge them again; its released records stand.
 */
export function markEveryCensusPending(now: number): { sql: string; params: unknown[] } {
  return {
    sql: `insert into disclosure_released (kind, key, record, members, computed_at)
      select '${CENSUS_MARK}', unit_id, '{}', 1, ?1 from compat_units where scope = 'site'
      on conflict (kind, key) do update set members = members + 1, computed_at = excluded.computed_at`,
    params: [now],
  };
}

/**
 * After their rows were written: marks the sites of recomputed servers pending (again, so that a
 * refresh that read the rows before this write keeps them pending), and withdraws the record each
 * server whose class moved has left (the rest of that crowd releases nothing until the refresh).
 */
export async function markReleasedPending(db: Db, recomputed: Recomputed[], now = Date.now()): Promise<void> {
  if (!recomputed.length) return;
  const moved = recomputed.filter((r) => r.before && (r.before.cores !== r.after.cores || r.before.memoryGib !== r.after.memoryGib));
  const left = [...new Set(moved.map((r) => recordKey(r.siteId, r.properties, r.before!)))];
  const sites = [...new Set(recomputed.map((r) => r.siteId))];
  await runAll(db, [
    ...(left.length ? [{ sql: "delete from disclosure_released where kind = 'server' and key in (select value from json_each(?1))", params: [JSON.stringify(left)] }] : []),
    { sql: MARK_SQL, params: [JSON.stringify(sites), now] },
  ]);
}

/**
 * Takes the census of these data centers again from their released records as stored (a
 * requirement change leaves those as they are, so none is rewritten); a site whose census changed
 * has its stored answers recomputed.
 */
async function retakeCensus(db: Db, siteIds: string[], census: CensusSource, now: number): Promise<void> {
  if (!siteIds.length) return;
  const [crowds, platforms, censuses] = await Promise.all([rackCrowds(db, CLASSES, siteIds), census(db), readCensus(db, siteIds)]);
  const [records, racks, rows] = await Promise.all([
    releasedServerRecords(db, crowds.map((c) => recordKey(c.siteId, c.properties, c.free))),
    releasedSummaries(db, 'rack', [...new Set(crowds.map((c) => c.rackId))]),
    releasedSummaries(db, 'row', [...new Set(crowds.map((c) => c.rowId))]),
  ]);
  const bySite = new Map<string, RackCrowd[]>();
  for (const c of crowds) push(bySite, c.siteId, c);
  const taken = [...bySite].map(([siteId, list]): [string, string, Census, number] => {
    const told = list.map((c) => ({ rackId: c.rackId, rowId: c.rowId, properties: c.properties, record: JSON.stringify(records.get(recordKey(siteId, c.properties, c.free))), servers: c.servers }));
    const units = { rack: new Map(list.map((c) => [c.rackId, JSON.stringify(racks.get(c.rackId))])), row: new Map(list.map((c) => [c.rowId, JSON.stringify(rows.get(c.rowId))])) };
    return ['census', siteId, takeCensus(told, units, platforms, DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS), 1];
  });
  const recounted = taken.filter(([, id, c]) => JSON.stringify(c) !== JSON.stringify(censuses.get(id) ?? null)).map(([, id]) => siteKey(id));
  await runAll(db, [...jsonChunks(taken).map((payload) => ({ sql: UPSERT_SQL, params: [payload, now] })), ...(recounted.length ? [bumpStatement(recounted)] : [])]);
}

/**
 * Refreshes pending sites once each, the longest-waiting first, as many as hold at most
 * `maxServers` servers together but at least one (the queue bounds each message so): the records
 * and census of a site marked `pending`, the census alone of one marked for it only. A site marked
 * again meanwhile stays pending.
 */
export async function refreshPending(db: Db, census: CensusSource, now = Date.now(), maxServers = Number.MAX_SAFE_INTEGER): Promise<{ sites: number }> {
  const marks = await db
    .select({ kind: disclosureReleased.kind, key: disclosureReleased.key, marks: disclosureReleased.members, servers: sql<number | null>`${compatUnits.servers}` })
    .from(disclosureReleased)
    .leftJoin(compatUnits, and(eq(compatUnits.scope, 'site'), eq(compatUnits.unitId, disclosureReleased.key)))
    .where(inArray(disclosureReleased.kind, ['pending', CENSUS_MARK]))
    .orderBy(disclosureReleased.computedAt, disclosureReleased.key)
    .all();
  const sites: string[] = [];
  let servers = 0;
  for (const m of marks) {
    if (sites.includes(m.key)) continue;
    if (sites.length && servers + (m.servers ?? 0) > maxServers) break;
    sites.push(m.key);
    servers += m.servers ?? 0;
  }
  if (!sites.length) return { sites: 0 };
  const taken = marks.filter((m) => sites.includes(m.key));
  const full = new Set(taken.filter((m) => m.kind === 'pending').map((m) => m.key));
  await refreshReleasedSites(db, [...full], census, now);
  await retakeCensus(db, sites.filter((s) => !full.has(s)), census, now);
  await runAll(db, taken.map((m) => ({ sql: 'delete from disclosure_released where kind = ?3 and key = ?1 and members = ?2', params: [m.key, m.marks, m.kind] })));
  return { sites: sites.length };
}

/** The data centers waiting for a refresh (records and census, or the census alone): their census may not have judged their latest change. */
export async function pendingSiteIds(db: Db): Promise<string[]> {
  const found = await db.selectDistinct({ key: disclosureReleased.key }).from(disclosureReleased).where(inArray(disclosureReleased.kind, ['pending', CENSUS_MARK])).all();
  return found.map((r) => r.key);
}

/** How many data centers wait for their refresh (records and census, or the census alone). */
export async function pendingSites(db: Db): Promise<number> {
  const found = await db
    .select({ n: sql<number>`count(distinct ${disclosureReleased.key})` })
    .from(disclosureReleased)
    .where(inArray(disclosureReleased.kind, ['pending', CENSUS_MARK]))
    .get();
  return found?.n ?? 0;
}

/** The released record for each record key (`recordKey`) asked for. */
export async function releasedServerRecords(db: Db, keys: string[]): Promise<Map<string, ServerRecord>> {
  const unique = [...new Set(keys)];
  // As many keys as the refreshed sites hold distinct records: read in bounded chunks.
  const found = await readInChunks(unique, (list) =>
    db
      .select({ key: disclosureReleased.key, record: disclosureReleased.record })
      .from(disclosureReleased)
      .where(and(eq(disclosureReleased.kind, 'server'), sql`${disclosureReleased.key} in ${list}`))
      .all(),
  );
  const known = new Map(found.map((f) => [f.key, JSON.parse(f.record) as ServerRecord]));
  return new Map(unique.map((s) => [s, known.get(s) ?? NOTHING_RELEASED]));
}

/** The released summary of each listed unit (every attribute dropped for one not summarised yet). */
export async function releasedSummaries(db: Db, scope: Exclude<Scope, 'server'>, ids: string[]): Promise<Map<string, UnitSummary>> {
  const found = await readInChunks(ids, (list) =>
    db
      .select({ key: disclosureReleased.key, record: disclosureReleased.record })
      .from(disclosureReleased)
      .where(and(eq(disclosureReleased.kind, scope), sql`${disclosureReleased.key} in ${list}`))
      .all(),
  );
  const known = new Map(found.map((f) => [f.key, JSON.parse(f.record) as UnitSummary]));
  return new Map(ids.map((id) => [id, known.get(id) ?? NOTHING_SUMMARISED]));
}

/** The census of each listed site that has one (src/disclosure/census.ts). */
export async function readCensus(db: Db, siteIds: string[]): Promise<Map<string, Census>> {
  const found = siteIds.length
    ? await db
        .select({ key: disclosureReleased.key, record: disclosureReleased.record })
        .from(disclosureReleased)
        .where(and(eq(disclosureReleased.kind, 'census'), sql`${disclosureReleased.key} in ${jsonIds([...new Set(siteIds)])}`))
        .all()
    : [];
  return new Map(found.map((f) => [f.key, JSON.parse(f.record) as Census]));
}

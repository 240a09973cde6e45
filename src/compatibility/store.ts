/**
 * I/O of the materialised table's platform slots and server rows (formats in ./verdicts.ts; unit
 * rows in ./units.ts). Bulk writes pass their rows as one JSON parameter to `json_each`, so a
 * statement carries thousands of rows within D1's 100-parameter limit.
 */
import { and, eq, inArray, sql, type SQLWrapper } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { compatPlatforms, compatServers, compatUnits, platforms as catalog } from '../../schema';
import { allPlatforms } from '../catalog/store';
import type { PlatformT, RequirementsT } from '../catalog/schema';
import { jsonChunks, jsonIds, runAll, type Db } from '../db';
import type { CensusSource } from '../disclosure/census';
import { changedSince } from '../inventory/facts';
import { compile, staticVerdict, type Compiled } from './evaluate';
import { bumpStatement, CATALOG, siteKey } from '../lib/generations';
import type { UnitScope } from './units';
import { slotKey, type Point, type Verdict, type Verdicts } from './verdicts';

export interface EvalPlatform {
  platform: PlatformT;
  slot: number;
  key: string;
  /** Revision the slot's verdicts are complete for (0: never). */
  computedRevision: number;
  /** Revision of the requirements the latest pass computes (0: none started): what a site's census judged. */
  passRevision: number;
  compiled: Compiled;
}

/**
 * Every platform with its slot and compiled requirements (read only). A platform whose pass has not
 * started yet has no slot: slot 0, which no verdict uses, so it reads as not computed.
 */
export async function platformsForEvaluation(db: Db): Promise<EvalPlatform[]> {
  const [platforms, slots] = await Promise.all([allPlatforms(db), db.select().from(compatPlatforms).all()]);
  const byId = new Map(slots.map((s) => [s.platformId, s]));
  return platforms.map((platform) => {
    const s = byId.get(platform.id);
    const slot = s?.slot ?? 0;
    return { platform, slot, key: slotKey(slot), computedRevision: s?.revision ?? 0, passRevision: s?.passRevision ?? 0, compiled: compile(platform.requirements) };
  });
}

/** The platforms whose verdicts are kept (those with a slot). */
export async function platformsWithSlots(db: Db): Promise<EvalPlatform[]> {
  return (await platformsForEvaluation(db)).filter((p) => p.slot > 0);
}

export async function markSlotComputed(db: Db, platformId: string, revision: number, now: number): Promise<void> {
  await runAll(db, [db.update(compatPlatforms).set({ revision, computedAt: now }).where(eq(compatPlatforms.platformId, platformId)), bumpStatement([CATALOG])]);
}

/** The slot of one platform, if it has one yet. */
export async function slotState(db: Db, platformId: string) {
  return db.select().from(compatPlatforms).where(eq(compatPlatforms.platformId, platformId)).get();
}

export interface ServerRow {
  serverId: string;
  rackId: string;
  rowId: string;
  siteId: string;
  freeCores: number;
  freeMemoryGib: number;
  verdicts: Verdicts;
  basis: number;
}

/** Replaces whole server rows (every slot), atomically, and bumps their sites' generations. */
export async function writeServerRows(db: Db, rows: ServerRow[], now: number): Promise<void> {
  if (!rows.length) return;
  const tuples = rows.map((r) => [r.serverId, r.rackId, r.rowId, r.siteId, r.freeCores, r.freeMemoryGib, r.verdicts, r.basis]);
  await runAll(db, [
    bumpStatement(rows.map((r) => siteKey(r.siteId))),
    ...jsonChunks(tuples).map((payload) => ({
      sql: `insert into compat_servers (server_id, rack_id, row_id, site_id, free_cores, free_memory_gib, verdicts, basis, computed_at)
        select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value -> 6, value ->> 7, ?2
        from json_each(?1) where true
        on conflict (server_id) do update set rack_id = excluded.rack_id, row_id = excluded.row_id, site_id = excluded.site_id,
          free_cores = excluded.free_cores, free_memory_gib = excluded.free_memory_gib, verdicts = excluded.verdicts,
          basis = excluded.basis, computed_at = excluded.computed_at`,
      params: [payload, now],
    })),
  ]);
}

/** Sets one slot of existing server rows, leaving the other slots as they are. */
export async function writeSlot(db: Db, slot: number, verdicts: [serverId: string, verdict: Verdict][], now: number): Promise<void> {
  const path = `$.${slotKey(slot)}`;
  await runAll(
    db,
    jsonChunks(verdicts).map((payload) => ({
      sql: `update compat_servers set verdicts = json_set(verdicts, ?2, j.value -> 1), computed_at = ?3
        from json_each(?1) as j where compat_servers.server_id = j.value ->> 0`,
      params: [payload, path, now],
    })),
  );
}

function parseVerdict(raw: unknown): Verdict | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') return JSON.parse(raw) as number[];
  return undefined;
}

export async function readServerRows(db: Db, ids: string[]): Promise<Map<string, ServerRow>> {
  if (!ids.length) return new Map();
  const found = await db.select().from(compatServers).where(sql`${compatServers.serverId} in ${jsonIds(ids)}`).all();
  return new Map(found.map((r) => [r.serverId, { ...r, verdicts: JSON.parse(r.verdicts) as Verdicts }]));
}

/** The free-capacity class each listed server's row was computed with (src/disclosure/classes.ts). */
export async function readFreeClasses(db: Db, ids: string[]): Promise<Map<string, { cores: number; memoryGib: number }>> {
  if (!ids.length) return new Map();
  const found = await db
    .select({ serverId: compatServers.serverId, cores: compatServers.freeCores, memoryGib: compatServers.freeMemoryGib })
    .from(compatServers)
    .where(sql`${compatServers.serverId} in ${jsonIds(ids)}`)
    .all();
  return new Map(found.map(({ serverId, ...free }) => [serverId, free]));
}

export interface FootprintServer {
  rackId: string;
  rowId: string;
  siteId: string;
  verdicts: Verdicts;
  /** The server changed since its verdicts were computed (a recompute is queued). */
  stale: boolean;
}

/** Per slot key, the free-capacity frontier of a unit's compatible servers. */
export type Frontiers = Record<string, Point[]>;

export interface FootprintRead {
  servers: Map<string, FootprintServer>;
  rack: Map<string, Frontiers>;
  row: Map<string, Frontiers>;
  site: Map<string, Frontiers>;
}

/**
 * What a MIP list needs, in one D1 round trip: the verdicts of the servers `serverIds` selects (a
 * subquery, e.g. a customer's placements) and the frontiers (only) of the racks, rows and sites
 * they sit in.
 */
export async function readFootprint(db: Db, serverIds: SQLWrapper): Promise<FootprintRead> {
  const mine = inArray(compatServers.serverId, serverIds);
  const units = (scope: UnitScope, column: SQLiteColumn) =>
    db
      .select({
        unitId: compatUnits.unitId,
        frontiers: sql<string>`(select json_group_object(key, json(value -> '$.f')) from json_each(${compatUnits.aggregates}))`,
      })
      .from(compatUnits)
      .where(and(eq(compatUnits.scope, scope), inArray(compatUnits.unitId, db.selectDistinct({ id: column }).from(compatServers).where(mine))));
  const [servers, racks, rows, sites] = await db.batch([
    db
      .select({
        serverId: compatServers.serverId,
        rackId: compatServers.rackId,
        rowId: compatServers.rowId,
        siteId: compatServers.siteId,
        verdicts: compatServers.verdicts,
        stale: changedSince(compatServers.serverId, compatServers.basis),
      })
      .from(compatServers)
      .where(mine),
    units('rack', compatServers.rackId),
    units('row', compatServers.rowId),
    units('site', compatServers.siteId),
  ]);
  const frontiers = (found: { unitId: string; frontiers: string }[]) => new Map(found.map((u) => [u.unitId, JSON.parse(u.frontiers) as Frontiers]));
  return {
    servers: new Map(servers.map(({ serverId, verdicts, stale, ...at }) => [serverId, { ...at, stale: Boolean(stale), verdicts: JSON.parse(verdicts) as Verdicts }])),
    rack: frontiers(racks),
    row: frontiers(rows),
    site: frontiers(sites),
  };
}

/** One slot's verdict for each listed server that has a row (absent: never computed). */
export async function readSlot(db: Db, slot: number, ids: string[]): Promise<Map<string, Verdict | undefined>> {
  if (!ids.length) return new Map();
  const found = await db
    .select({ serverId: compatServers.serverId, v: sql<unknown>`json_extract(${compatServers.verdicts}, ${`$.${slotKey(slot)}`})` })
    .from(compatServers)
    .where(sql`${compatServers.serverId} in ${jsonIds(ids)}`)
    .all();
  return new Map(found.map((r) => [r.serverId, parseVerdict(r.v)]));
}

/**
 * Every platform as the census judges it (src/disclosure/census.ts): its static requirements
 * compiled, with the revision its latest pass computes (0: none started), read in one statement
 * so that the two belong together.
 */
export const platformsForCensus: CensusSource = async (db) => {
  const found = await db
    .select({ id: catalog.id, requirements: catalog.requirements, createdAt: catalog.createdAt, passRevision: sql<number>`coalesce(${compatPlatforms.passRevision}, 0)` })
    .from(catalog)
    .leftJoin(compatPlatforms, eq(compatPlatforms.platformId, catalog.id))
    .all();
  return found.map(({ requirements, ...p }) => {
    const compiled = compile(JSON.parse(requirements) as RequirementsT);
    return { ...p, judge: (properties) => staticVerdict(compiled, properties) };
  });
};

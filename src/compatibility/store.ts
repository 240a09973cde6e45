/**
 * I/O of the materialised table's platform slots and server rows (formats in ./verdicts.ts; unit
 * rows in ./units.ts). Bulk writes pass their rows as one JSON parameter to `json_each`, so a
 * statement carries thousands of rows within D1's 100-parameter limit.
 */
import { and, eq, inArray, sql, type SQLWrapper } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { compatPlatforms, compatServers, compatUnits } from '../../schema';
import { allPlatforms } from '../catalog/store';
import type { PlatformT } from '../catalog/schema';
import { COMPAT_MAX_JSON_PARAM } from '../constants';
import { chunkForInsert, jsonIds, type Db } from '../db';
import { compile, type Compiled } from './evaluate';
import type { UnitScope } from './units';
import { slotKey, type Point, type Verdict, type Verdicts } from './verdicts';

export interface EvalPlatform {
  platform: PlatformT;
  slot: number;
  key: string;
  /** Revision the slot's verdicts are complete for (0: never). */
  computedRevision: number;
  compiled: Compiled;
}

/** Every platform with its slot (created on first sight) and compiled requirements. */
export async function platformsForEvaluation(db: Db): Promise<EvalPlatform[]> {
  const platforms = await allPlatforms(db);
  let slots = await db.select().from(compatPlatforms).all();
  const known = new Set(slots.map((s) => s.platformId));
  const missing = platforms.filter((p) => !known.has(p.id));
  if (missing.length) {
    const now = Date.now();
    for (const chunk of chunkForInsert(missing, 3)) {
      await db
        .insert(compatPlatforms)
        .values(chunk.map((p) => ({ platformId: p.id, revision: 0, computedAt: now })))
        .onConflictDoNothing();
    }
    slots = await db.select().from(compatPlatforms).all();
  }
  const byId = new Map(slots.map((s) => [s.platformId, s]));
  return platforms.map((platform) => {
    const s = byId.get(platform.id)!;
    return { platform, slot: s.slot, key: slotKey(s.slot), computedRevision: s.revision, compiled: compile(platform.requirements) };
  });
}

export async function markSlotComputed(db: Db, platformId: string, revision: number, now: number): Promise<void> {
  await db.update(compatPlatforms).set({ revision, computedAt: now }).where(eq(compatPlatforms.platformId, platformId));
}

/** The slot of one platform, if it has one yet. */
export async function slotState(db: Db, platformId: string) {
  return db.select().from(compatPlatforms).where(eq(compatPlatforms.platformId, platformId)).get();
}

/** Splits rows so that each JSON payload stays under COMPAT_MAX_JSON_PARAM. */
export function jsonChunks(items: unknown[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const item of items) {
    const text = JSON.stringify(item);
    if (current.length && size + text.length + 1 > COMPAT_MAX_JSON_PARAM) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += text.length + 1;
  }
  if (current.length) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

/** Bulk statements as one D1 batch (one transaction); each takes its rows as JSON in `?1`. */
export async function runAll(db: Db, stmts: { sql: string; params: unknown[] }[]): Promise<void> {
  if (!stmts.length) return;
  const d1 = db.$client;
  await d1.batch(stmts.map((s) => d1.prepare(s.sql).bind(...s.params)));
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

/** Replaces whole server rows (every slot), atomically. */
export async function writeServerRows(db: Db, rows: ServerRow[], now: number): Promise<void> {
  const tuples = rows.map((r) => [r.serverId, r.rackId, r.rowId, r.siteId, r.freeCores, r.freeMemoryGib, r.verdicts, r.basis]);
  await runAll(
    db,
    jsonChunks(tuples).map((payload) => ({
      sql: `insert into compat_servers (server_id, rack_id, row_id, site_id, free_cores, free_memory_gib, verdicts, basis, computed_at)
        select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value -> 6, value ->> 7, ?2
        from json_each(?1) where true
        on conflict (server_id) do update set rack_id = excluded.rack_id, row_id = excluded.row_id, site_id = excluded.site_id,
          free_cores = excluded.free_cores, free_memory_gib = excluded.free_memory_gib, verdicts = excluded.verdicts,
          basis = excluded.basis, computed_at = excluded.computed_at`,
      params: [payload, now],
    })),
  );
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

export interface FootprintServer {
  rackId: string;
  rowId: string;
  siteId: string;
  verdicts: Verdicts;
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
      .select({ serverId: compatServers.serverId, rackId: compatServers.rackId, rowId: compatServers.rowId, siteId: compatServers.siteId, verdicts: compatServers.verdicts })
      .from(compatServers)
      .where(mine),
    units('rack', compatServers.rackId),
    units('row', compatServers.rowId),
    units('site', compatServers.siteId),
  ]);
  const frontiers = (found: { unitId: string; frontiers: string }[]) => new Map(found.map((u) => [u.unitId, JSON.parse(u.frontiers) as Frontiers]));
  return {
    servers: new Map(servers.map(({ serverId, verdicts, ...at }) => [serverId, { ...at, verdicts: JSON.parse(verdicts) as Verdicts }])),
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

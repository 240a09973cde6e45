/**
 * I/O of the materialised compatibility tables (formats in ./verdicts.ts). Bulk writes pass their
 * rows as one JSON parameter to `json_each`, so a statement carries thousands of rows within D1's
 * 100-parameter limit.
 */
import { and, eq, inArray, sql, type SQLWrapper } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { compatPlatforms, compatServers, compatUnits } from '../../schema';
import { allPlatforms } from '../catalog/store';
import type { PlatformT } from '../catalog/schema';
import { COMPAT_MAX_JSON_PARAM } from '../constants';
import { chunkForInsert, jsonIds, type Db } from '../db';
import { compile, type Compiled } from './evaluate';
import { aggregateServers, mergeAggregates, slotKey, type Point, type SlotAggregate, type UnitAggregates, type Verdict, type Verdicts } from './verdicts';

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

export async function slotStates(db: Db) {
  return db.select().from(compatPlatforms).all();
}

/** Splits rows so that each JSON payload stays under COMPAT_MAX_JSON_PARAM. */
function jsonChunks(items: unknown[]): string[] {
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
async function runAll(db: Db, stmts: { sql: string; params: unknown[] }[]): Promise<void> {
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

/** Sets one slot of existing unit rows (a platform pass computes them without reading members). */
export async function writeUnitSlot(db: Db, scope: UnitScope, slot: number, aggregates: [unitId: string, aggregate: SlotAggregate][], now: number): Promise<void> {
  const path = `$.${slotKey(slot)}`;
  await runAll(
    db,
    jsonChunks(aggregates).map((payload) => ({
      sql: `update compat_units set aggregates = json_set(aggregates, ?2, j.value -> 1), computed_at = ?3
        from json_each(?1) as j where compat_units.scope = ?4 and compat_units.unit_id = j.value ->> 0`,
      params: [payload, path, now, scope],
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

export type UnitScope = 'rack' | 'row' | 'site';

export interface UnitRow {
  scope: UnitScope;
  unitId: string;
  parentId: string | null;
  siteId: string;
  servers: number;
  aggregates: UnitAggregates;
}

export async function readUnits(db: Db, scope: UnitScope, ids: string[]): Promise<Map<string, UnitRow>> {
  if (!ids.length) return new Map();
  const found = await db
    .select()
    .from(compatUnits)
    .where(and(eq(compatUnits.scope, scope), sql`${compatUnits.unitId} in ${jsonIds(ids)}`))
    .all();
  return new Map(found.map((u) => [u.unitId, { ...u, aggregates: JSON.parse(u.aggregates) as UnitAggregates }]));
}

async function writeUnits(db: Db, units: UnitRow[], gone: { scope: UnitScope; ids: string[] }, computedAt: number): Promise<void> {
  const stmts = jsonChunks(units.map((u) => [u.scope, u.unitId, u.parentId, u.siteId, u.servers, u.aggregates])).map((payload) => ({
    sql: `insert into compat_units (scope, unit_id, parent_id, site_id, servers, aggregates, computed_at)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value -> 5, ?2 from json_each(?1) where true
      on conflict (scope, unit_id) do update set parent_id = excluded.parent_id, site_id = excluded.site_id, servers = excluded.servers,
        aggregates = excluded.aggregates, computed_at = excluded.computed_at`,
    params: [payload, computedAt],
  }));
  if (gone.ids.length) {
    stmts.push({ sql: 'delete from compat_units where scope = ?1 and unit_id in (select value from json_each(?2))', params: [gone.scope, JSON.stringify(gone.ids)] });
  }
  await runAll(db, stmts);
}

function group<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Recomputes the listed racks from their servers; returns the rows to refresh next. */
export async function refreshRacks(db: Db, rackIds: string[]): Promise<string[]> {
  if (!rackIds.length) return [];
  const t0 = Date.now();
  const previous = await readUnits(db, 'rack', rackIds);
  const members = await db
    .select({
      rackId: compatServers.rackId,
      rowId: compatServers.rowId,
      siteId: compatServers.siteId,
      freeCores: compatServers.freeCores,
      freeMemoryGib: compatServers.freeMemoryGib,
      verdicts: compatServers.verdicts,
    })
    .from(compatServers)
    .where(sql`${compatServers.rackId} in ${jsonIds(rackIds)}`)
    .all();
  const byRack = group(members, (m) => m.rackId);
  const units: UnitRow[] = [...byRack].map(([rackId, list]) => ({
    scope: 'rack',
    unitId: rackId,
    // Servers of one rack agree on its row (the inventory stores the row on the rack).
    parentId: list[0]!.rowId,
    siteId: list[0]!.siteId,
    servers: list.length,
    aggregates: aggregateServers(list.map((m) => ({ ...m, verdicts: JSON.parse(m.verdicts) as Verdicts }))),
  }));
  const gone = rackIds.filter((id) => !byRack.has(id));
  await writeUnits(db, units, { scope: 'rack', ids: gone }, t0);
  const rows = new Set(units.map((u) => u.parentId!));
  for (const p of previous.values()) if (p.parentId) rows.add(p.parentId);
  return [...rows];
}

/** Merges units of `childScope` into their parents of `scope`; returns the parents' parents. */
async function refreshFromChildren(db: Db, scope: 'row' | 'site', childScope: 'rack' | 'row', ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const t0 = Date.now();
  const previous = await readUnits(db, scope, ids);
  const children = await db
    .select({ parentId: compatUnits.parentId, siteId: compatUnits.siteId, servers: compatUnits.servers, aggregates: compatUnits.aggregates })
    .from(compatUnits)
    .where(and(eq(compatUnits.scope, childScope), sql`${compatUnits.parentId} in ${jsonIds(ids)}`))
    .all();
  const byParent = group(children, (c) => c.parentId ?? '');
  const units: UnitRow[] = [...byParent].map(([unitId, list]) => ({
    scope,
    unitId,
    parentId: scope === 'row' ? list[0]!.siteId : null,
    siteId: list[0]!.siteId,
    servers: list.reduce((n, c) => n + c.servers, 0),
    aggregates: mergeAggregates(list.map((c) => JSON.parse(c.aggregates) as UnitAggregates)),
  }));
  const gone = ids.filter((id) => !byParent.has(id));
  await writeUnits(db, units, { scope, ids: gone }, t0);
  const next = new Set<string>();
  for (const u of [...units, ...previous.values()]) if (u.parentId) next.add(u.parentId);
  return [...next];
}

export async function refreshRows(db: Db, rowIds: string[]): Promise<string[]> {
  return refreshFromChildren(db, 'row', 'rack', rowIds);
}

export async function refreshSites(db: Db, siteIds: string[]): Promise<void> {
  await refreshFromChildren(db, 'site', 'row', siteIds);
}

/** Racks, then the rows they sit in, then those rows' sites. */
export async function refreshUnits(db: Db, rackIds: string[]): Promise<void> {
  const rows = await refreshRacks(db, rackIds);
  const sites = await refreshRows(db, rows);
  await refreshSites(db, sites);
}

/** Units whose members were computed after them (or racks with servers but no unit yet). */
export async function staleUnits(db: Db, limit: number): Promise<{ racks: string[]; rows: string[]; sites: string[] }> {
  const racks = await db.all<{ id: string }>(sql`
    select m.rack_id as id from (select rack_id, max(computed_at) as latest from compat_servers group by rack_id) m
    left join compat_units u on u.scope = 'rack' and u.unit_id = m.rack_id
    where u.unit_id is null or m.latest > u.computed_at limit ${limit}`);
  const parents = (scope: UnitScope, child: UnitScope) =>
    db.all<{ id: string }>(sql`
      select u.unit_id as id from compat_units u
      where u.scope = ${scope} and u.computed_at < (select max(c.computed_at) from compat_units c where c.scope = ${child} and c.parent_id = u.unit_id)
      limit ${limit}`);
  const rows = await parents('row', 'rack');
  const sites = await parents('site', 'row');
  return { racks: racks.map((r) => r.id), rows: rows.map((r) => r.id), sites: sites.map((r) => r.id) };
}

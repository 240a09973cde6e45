/**
 * Unit rows of the materialised table: per rack, row and site, per platform slot, the aggregates
 * of its servers (./verdicts.ts). Racks are computed from their server rows, rows from their racks,
 * sites from their rows; a unit whose members were computed after it is stale (the cron refreshes).
 */
import { and, eq, sql } from 'drizzle-orm';
import { compatServers, compatUnits } from '../../schema';
import { jsonChunks, jsonIds, runAll, type Db } from '../db';
import type { Scope } from '../inventory/units';
import { bumpStatement, siteKey } from '../lib/generations';
import { aggregateServers, mergeAggregates, slotKey, type SlotAggregate, type UnitAggregates, type Verdicts } from './verdicts';

/** The scopes wider than a server, narrowest first. */
export const UNIT_SCOPES = ['rack', 'row', 'site'] as const satisfies readonly Scope[];
export type UnitScope = (typeof UNIT_SCOPES)[number];

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

/** The data center of each listed unit that has a row. */
export async function unitSites(db: Db, scope: UnitScope, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const found = await db
    .select({ unitId: compatUnits.unitId, siteId: compatUnits.siteId })
    .from(compatUnits)
    .where(and(eq(compatUnits.scope, scope), sql`${compatUnits.unitId} in ${jsonIds(ids)}`))
    .all();
  return new Map(found.map((u) => [u.unitId, u.siteId]));
}

async function writeUnits(db: Db, units: UnitRow[], gone: { scope: UnitScope; ids: string[] }, computedAt: number): Promise<void> {
  const stmts: { sql: string; params: unknown[] }[] = jsonChunks(units.map((u) => [u.scope, u.unitId, u.parentId, u.siteId, u.servers, u.aggregates])).map((payload) => ({
    sql: `insert into compat_units (scope, unit_id, parent_id, site_id, servers, aggregates, computed_at)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value -> 5, ?2 from json_each(?1) where true
      on conflict (scope, unit_id) do update set parent_id = excluded.parent_id, site_id = excluded.site_id, servers = excluded.servers,
        aggregates = excluded.aggregates, computed_at = excluded.computed_at`,
    params: [payload, computedAt],
  }));
  const sites = units.map((u) => u.siteId);
  if (sites.length) stmts.push(bumpStatement(sites.map(siteKey)));
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

/** One unit's aggregate for one slot, as a platform pass computes it. */
export interface UnitSlot {
  unitId: string;
  parentId: string | null;
  siteId: string;
  servers: number;
  aggregate: SlotAggregate;
}

/**
 * Sets one slot of unit rows (a platform pass computes them without reading members), leaving the
 * other slots as they are. An upsert driven by the JSON rows, so each is one primary-key lookup
 * (an UPDATE … FROM here makes SQLite loop over every unit of the scope per statement).
 */
export async function writeUnitSlot(db: Db, scope: UnitScope, slot: number, units: UnitSlot[], now: number): Promise<void> {
  const key = slotKey(slot);
  await runAll(
    db,
    jsonChunks(units.map((u) => [u.unitId, u.parentId, u.siteId, u.servers, u.aggregate])).map((payload) => ({
      sql: `insert into compat_units (scope, unit_id, parent_id, site_id, servers, aggregates, computed_at)
        select ?2, value ->> 0, value ->> 1, value ->> 2, value ->> 3, json_object(?3, value -> 4), ?4 from json_each(?1) where true
        on conflict (scope, unit_id) do update set parent_id = excluded.parent_id, site_id = excluded.site_id, servers = excluded.servers,
          aggregates = json_set(compat_units.aggregates, ?5, excluded.aggregates -> ?5), computed_at = excluded.computed_at`,
      params: [payload, scope, key, now, `$.${key}`],
    })),
  );
}

/**
 * Read-only views of servers for derived data (compatibility): properties, free capacity and the
 * server's place in the hierarchy, without the identity columns (serial, MAC, IPs).
 */
import { and, asc, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { racks, rows, servers } from '../../schema';
import { jsonIds, rowsAfter, type Db } from '../db';
import type { ServerInputT } from './schema';
import type { Scope } from './units';

export type UnitScope = Scope;

type ServerProperties = ServerInputT['properties'];

export interface ServerFacts {
  id: string;
  rackId: string;
  rowId: string;
  siteId: string;
  properties: ServerProperties;
  free: { cores: number; memoryGib: number };
  updatedAt: number;
}

/** The property values an answer may show about a server: an absent property is withheld, null means not set. */
export type ShownProperties = { [P in keyof ServerProperties]?: ServerProperties[P] | null };

type PropertyColumns = Pick<typeof servers.$inferSelect, keyof ServerProperties>;

/** A server row's property columns as the typed properties document. */
export function propertiesOf(s: PropertyColumns): ServerProperties {
  return {
    cpuArch: s.cpuArch as ServerProperties['cpuArch'],
    cpuVendor: s.cpuVendor,
    cpuModel: s.cpuModel,
    cores: s.cores,
    memoryGib: s.memoryGib,
    storageKind: s.storageKind as ServerProperties['storageKind'],
    storageGib: s.storageGib,
    gpus: s.gpus,
    hypervisor: s.hypervisor,
    traits: JSON.parse(s.traits) as string[],
    certifications: JSON.parse(s.certifications) as string[],
    privateNetworkId: s.privateNetworkId,
  };
}

const columns = {
  id: servers.id,
  rackId: servers.rackId,
  rowId: racks.rowId,
  siteId: rows.siteId,
  cpuArch: servers.cpuArch,
  cpuVendor: servers.cpuVendor,
  cpuModel: servers.cpuModel,
  cores: servers.cores,
  memoryGib: servers.memoryGib,
  storageKind: servers.storageKind,
  storageGib: servers.storageGib,
  gpus: servers.gpus,
  hypervisor: servers.hypervisor,
  traits: servers.traits,
  certifications: servers.certifications,
  privateNetworkId: servers.privateNetworkId,
  coresAllocated: servers.coresAllocated,
  memoryAllocatedGib: servers.memoryAllocatedGib,
  updatedAt: servers.updatedAt,
};

type Row = Awaited<ReturnType<ReturnType<typeof select>['all']>>[number];

function present(r: Row): ServerFacts {
  return {
    id: r.id,
    rackId: r.rackId,
    rowId: r.rowId,
    siteId: r.siteId,
    properties: propertiesOf(r),
    // An agent may report less than is allocated (a failed DIMM, cores disabled): the operator is
    // told through an agent flag, and nobody is ever shown negative room.
    free: { cores: Math.max(0, r.cores - r.coresAllocated), memoryGib: Math.max(0, r.memoryGib - r.memoryAllocatedGib) },
    updatedAt: r.updatedAt,
  };
}

function select(db: Db, where: SQL | undefined) {
  return db
    .select(columns)
    .from(servers)
    .innerJoin(racks, eq(servers.rackId, racks.id))
    .innerJoin(rows, eq(racks.rowId, rows.id))
    .where(where);
}

/** Facts of the listed servers (unknown ids are left out). */
export async function serverFacts(db: Db, ids: string[]): Promise<ServerFacts[]> {
  if (!ids.length) return [];
  return (await select(db, sql`${servers.id} in ${jsonIds(ids)}`).all()).map(present);
}

export interface FactsCursor {
  rackId: string;
  id: string;
}

/**
 * A page of servers in (rack, id) order, so that a rack's servers come together; optionally only
 * those inside one unit.
 */
export async function serverFactsPage(db: Db, after: FactsCursor | null, limit: number, unit?: { scope: UnitScope; id: string }): Promise<ServerFacts[]> {
  const conditions: SQL[] = [];
  if (after) conditions.push(rowsAfter(servers.rackId, servers.id, after.rackId, after.id));
  if (unit) {
    const column = { server: servers.id, rack: servers.rackId, row: racks.rowId, site: rows.siteId }[unit.scope];
    conditions.push(eq(column, unit.id));
  }
  const found = await select(db, and(...conditions))
    .orderBy(asc(servers.rackId), asc(servers.id))
    .limit(limit)
    .all();
  return found.map(present);
}

/**
 * Servers a derived table has no row for, or whose `updated_at` is newer than the `basis` the
 * derived row was computed from (optionally only those changed before `changedBefore`). One
 * indexed join inside D1 rather than a page of ids per call.
 */
export async function serversNewerThan(
  db: Db,
  derived: { table: SQLiteTable; serverId: SQLiteColumn; basis: SQLiteColumn },
  limit: number,
  changedBefore?: number,
): Promise<string[]> {
  const found = await db
    .select({ id: servers.id })
    .from(servers)
    .leftJoin(derived.table, eq(derived.serverId, servers.id))
    .where(and(or(isNull(derived.basis), gt(servers.updatedAt, derived.basis)), changedBefore === undefined ? undefined : lt(servers.updatedAt, changedBefore)))
    .limit(limit)
    .all();
  return found.map((r) => r.id);
}

/** Servers in racks `from` ≤ rack < `until` (null: to the last rack). */
function inRacks(from: string, until: string | null): SQL {
  return until === null ? sql`${servers.rackId} >= ${from}` : sql`${servers.rackId} >= ${from} and ${servers.rackId} < ${until}`;
}

/** Facts of the servers in racks `from` ≤ rack < `until` (null: to the last rack), in (rack, id) order. */
export async function serverFactsInRacks(db: Db, from: string, until: string | null): Promise<ServerFacts[]> {
  return (await select(db, inRacks(from, until)).orderBy(asc(servers.rackId), asc(servers.id)).all()).map(present);
}

/**
 * The `until` of a range of racks that ends with `rackId`: a rack id holds no control character
 * (`UnitId`), so no rack sorts between `rackId` and this.
 */
export function untilAfter(rackId: string): string {
  return `${rackId}\u0001`;
}

/** Every rack holding servers (or those in racks `from` ≤ rack < `until`), in id order, with how many. */
export async function rackSizes(db: Db, range?: { from: string; until: string | null }): Promise<{ rackId: string; servers: number }[]> {
  return db
    .select({ rackId: servers.rackId, servers: sql<number>`count(*)` })
    .from(servers)
    .where(range && inRacks(range.from, range.until))
    .groupBy(servers.rackId)
    .orderBy(asc(servers.rackId))
    .all();
}

/** The sites the listed servers are in. */
export async function sitesOfServers(db: Db, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const found = await db
    .selectDistinct({ siteId: rows.siteId })
    .from(servers)
    .innerJoin(racks, eq(servers.rackId, racks.id))
    .innerJoin(rows, eq(racks.rowId, rows.id))
    .where(sql`${servers.id} in ${jsonIds(ids)}`)
    .all();
  return found.map((r) => r.siteId);
}

/** SQL true when the server has changed since a derived row computed from it at `basis`. */
export function changedSince(serverId: SQLiteColumn, basis: SQLiteColumn): SQL<number> {
  return sql<number>`exists (select 1 from ${servers} where ${servers.id} = ${serverId} and ${servers.updatedAt} > ${basis})`;
}

/** Servers of one rack sharing their properties and a derived free-capacity class. */
export interface RackCrowd {
  rackId: string;
  rowId: string;
  siteId: string;
  properties: ServerProperties;
  free: { cores: number; memoryGib: number };
  servers: number;
}

/**
 * The racks' servers of the listed sites grouped by properties and by the free-capacity class a
 * derived table holds for them (servers it has no row for are left out): one aggregate query over
 * those sites' servers, whose size is racks × distinct records per rack, not servers.
 */
export async function rackCrowds(db: Db, derived: { table: SQLiteTable; serverId: SQLiteColumn; cores: SQLiteColumn; memoryGib: SQLiteColumn }, siteIds: string[]): Promise<RackCrowd[]> {
  if (!siteIds.length) return [];
  const { id: _id, coresAllocated: _c, memoryAllocatedGib: _m, updatedAt: _u, ...grouped } = columns;
  const found = await db
    .select({ ...grouped, freeCores: sql<number>`${derived.cores}`, freeMemoryGib: sql<number>`${derived.memoryGib}`, servers: sql<number>`count(*)`.mapWith(Number) })
    .from(servers)
    .innerJoin(racks, eq(servers.rackId, racks.id))
    .innerJoin(rows, eq(racks.rowId, rows.id))
    .innerJoin(derived.table, eq(derived.serverId, servers.id))
    .where(sql`${rows.siteId} in ${jsonIds(siteIds)}`)
    .groupBy(...Object.values(grouped), derived.cores, derived.memoryGib)
    .all();
  return found.map((r) => ({
    rackId: r.rackId,
    rowId: r.rowId,
    siteId: r.siteId,
    properties: propertiesOf(r),
    free: { cores: r.freeCores, memoryGib: r.freeMemoryGib },
    servers: r.servers,
  }));
}

import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { racks, rows, servers, sites } from '../../schema';
import { chunkForInsert, existingIds, upsertChanged, type Db } from '../db';
import { errorMessage } from '../lib/log';
import { problems, type FieldError } from '../http/problem';
import { propertiesOf } from './facts';
import type { InventoryBodyT, ServerInputT } from './schema';

export async function serverExists(db: Db, id: string): Promise<boolean> {
  return (await db.select({ id: servers.id }).from(servers).where(eq(servers.id, id)).get()) !== undefined;
}

/** Refuses references to units that neither the body nor the inventory holds. */
async function checkReferences(db: Db, body: InventoryBodyT): Promise<void> {
  const errors: FieldError[] = [];
  const check = async (
    refs: { id: string; path: string }[],
    inBody: Set<string>,
    table: typeof sites | typeof rows | typeof racks,
    what: string,
  ) => {
    const missing = refs.filter((r) => !inBody.has(r.id));
    const known = await existingIds(db, table, table.id, missing.map((r) => r.id));
    for (const r of missing) if (!known.has(r.id)) errors.push({ field: r.path, message: `no ${what} "${r.id}"` });
  };
  await check(body.rows.map((r, i) => ({ id: r.siteId, path: `rows.${i}.siteId` })), new Set(body.sites.map((s) => s.id)), sites, 'site');
  await check(body.racks.map((r, i) => ({ id: r.rowId, path: `racks.${i}.rowId` })), new Set(body.rows.map((r) => r.id)), rows, 'row');
  await check(body.servers.map((s, i) => ({ id: s.rackId, path: `servers.${i}.rackId` })), new Set(body.racks.map((r) => r.id)), racks, 'rack');
  if (errors.length) throw problems.unprocessable('References to units that do not exist.', errors);
}

function checkDuplicates(body: InventoryBodyT): void {
  const errors: FieldError[] = [];
  const dup = <T>(items: T[], key: (t: T) => string, path: (i: number) => string, what: string) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) errors.push({ field: path(i), message: `duplicate ${what} "${k}" in this request` });
      seen.add(k);
    });
  };
  dup(body.sites, (s) => s.id, (i) => `sites.${i}.id`, 'id');
  dup(body.rows, (r) => r.id, (i) => `rows.${i}.id`, 'id');
  dup(body.racks, (r) => r.id, (i) => `racks.${i}.id`, 'id');
  dup(body.servers, (s) => s.id, (i) => `servers.${i}.id`, 'id');
  dup(body.servers, (s) => s.identity.serial, (i) => `servers.${i}.identity.serial`, 'serial');
  dup(body.servers, (s) => s.identity.mac, (i) => `servers.${i}.identity.mac`, 'MAC');
  dup(body.servers, (s) => s.identity.dom0Ip, (i) => `servers.${i}.identity.dom0Ip`, 'Dom0 IP');
  if (errors.length) throw problems.unprocessable('The request repeats identities.', errors);
}

function serverRow(s: ServerInputT, now: number) {
  return {
    id: s.id,
    rackId: s.rackId,
    serial: s.identity.serial,
    mac: s.identity.mac,
    dom0Ip: s.identity.dom0Ip,
    internalIp: s.identity.internalIp,
    cpuArch: s.properties.cpuArch,
    cpuVendor: s.properties.cpuVendor,
    cpuModel: s.properties.cpuModel,
    cores: s.properties.cores,
    memoryGib: s.properties.memoryGib,
    storageKind: s.properties.storageKind,
    storageGib: s.properties.storageGib,
    gpus: s.properties.gpus,
    hypervisor: s.properties.hypervisor,
    traits: JSON.stringify([...new Set(s.properties.traits)].sort()),
    certifications: JSON.stringify([...new Set(s.properties.certifications)].sort()),
    privateNetworkId: s.properties.privateNetworkId,
    coresAllocated: s.capacity.coresAllocated,
    memoryAllocatedGib: s.capacity.memoryAllocatedGib,
    updatedAt: now,
  };
}

export interface InventoryResultT {
  sites: { received: number; changed: number };
  rows: { received: number; changed: number };
  racks: { received: number; changed: number };
  servers: { received: number; changed: number };
  changedServerIds: string[];
}

/**
 * Idempotent, all-or-nothing upsert of the hierarchy. Everything is validated first; the writes
 * then run as one D1 batch (one transaction), chunked within the bound-parameter limit.
 */
export async function upsertInventory(db: Db, body: InventoryBodyT): Promise<InventoryResultT> {
  checkDuplicates(body);
  await checkReferences(db, body);
  const now = Date.now();
  const stmts: { kind: 'sites' | 'rows' | 'racks' | 'servers'; stmt: BatchItem<'sqlite'> }[] = [];
  const updatedAt = { updatedAt: sql.raw('excluded."updated_at"') as SQL };
  for (const chunk of chunkForInsert(body.sites, 4)) {
    const values = chunk.map((s) => ({ ...s, updatedAt: now }));
    stmts.push({
      kind: 'sites',
      stmt: db.insert(sites).values(values).onConflictDoUpdate(upsertChanged(sites, sites.id, [sites.name, sites.region], updatedAt)).returning({ id: sites.id }),
    });
  }
  for (const chunk of chunkForInsert(body.rows, 4)) {
    const values = chunk.map((r) => ({ ...r, updatedAt: now }));
    stmts.push({
      kind: 'rows',
      stmt: db.insert(rows).values(values).onConflictDoUpdate(upsertChanged(rows, rows.id, [rows.siteId, rows.name], updatedAt)).returning({ id: rows.id }),
    });
  }
  for (const chunk of chunkForInsert(body.racks, 4)) {
    const values = chunk.map((r) => ({ ...r, updatedAt: now }));
    stmts.push({
      kind: 'racks',
      stmt: db.insert(racks).values(values).onConflictDoUpdate(upsertChanged(racks, racks.id, [racks.rowId, racks.name], updatedAt)).returning({ id: racks.id }),
    });
  }
  const changedColumns = [
    servers.rackId, servers.serial, servers.mac, servers.dom0Ip, servers.internalIp, servers.cpuArch, servers.cpuVendor,
    servers.cpuModel, servers.cores, servers.memoryGib, servers.storageKind, servers.storageGib, servers.gpus,
    servers.hypervisor, servers.traits, servers.certifications, servers.privateNetworkId, servers.coresAllocated,
    servers.memoryAllocatedGib,
  ];
  // id and updated_at are the two columns besides the ones compared.
  for (const chunk of chunkForInsert(body.servers, changedColumns.length + 2)) {
    stmts.push({
      kind: 'servers',
      stmt: db
        .insert(servers)
        .values(chunk.map((s) => serverRow(s, now)))
        .onConflictDoUpdate(upsertChanged(servers, servers.id, changedColumns, updatedAt))
        .returning({ id: servers.id }),
    });
  }
  const result: InventoryResultT = {
    sites: { received: body.sites.length, changed: 0 },
    rows: { received: body.rows.length, changed: 0 },
    racks: { received: body.racks.length, changed: 0 },
    servers: { received: body.servers.length, changed: 0 },
    changedServerIds: [],
  };
  const [first, ...rest] = stmts.map((s) => s.stmt);
  if (!first) return result;
  let outputs: unknown[];
  try {
    outputs = await db.batch([first, ...rest]);
  } catch (err) {
    const unique = errorMessage(err).match(/UNIQUE constraint failed: servers\.(\w+)/);
    if (unique) throw problems.conflict(`Another server already has this ${unique[1]}; nothing was changed.`);
    throw err;
  }
  outputs.forEach((out, i) => {
    const kind = stmts[i]!.kind;
    const ids = out as { id: string }[];
    result[kind].changed += ids.length;
    if (kind === 'servers') result.changedServerIds.push(...ids.map((r) => r.id));
  });
  return result;
}

export interface ServerFilter {
  site?: string | undefined;
  row?: string | undefined;
  rack?: string | undefined;
}

/** Servers joined to their rack and row, so each carries its row and site. */
function withPosition(db: Db) {
  return db
    .select({ server: servers, rowId: racks.rowId, siteId: rows.siteId })
    .from(servers)
    .innerJoin(racks, eq(servers.rackId, racks.id))
    .innerJoin(rows, eq(racks.rowId, rows.id));
}

/** Servers in id order with their position in the hierarchy; keyset-paginated after `after`. */
export async function listServers(db: Db, filter: ServerFilter, limit: number, after?: string) {
  const conditions: SQL[] = [];
  if (filter.site) conditions.push(eq(rows.siteId, filter.site));
  if (filter.row) conditions.push(eq(racks.rowId, filter.row));
  if (filter.rack) conditions.push(eq(servers.rackId, filter.rack));
  if (after) conditions.push(gt(servers.id, after));
  const found = await withPosition(db)
    .where(and(...conditions))
    .orderBy(asc(servers.id))
    .limit(limit + 1)
    .all();
  return found.map(({ server, rowId, siteId }) => presentServer(server, rowId, siteId));
}

type ServerRow = typeof servers.$inferSelect;

/** A server row as the API shows it to the operator. */
function presentServer(s: ServerRow, rowId: string, siteId: string) {
  return {
    id: s.id,
    siteId,
    rowId,
    rackId: s.rackId,
    identity: { serial: s.serial, mac: s.mac, dom0Ip: s.dom0Ip, internalIp: s.internalIp },
    properties: propertiesOf(s),
    capacity: { cores: s.cores, coresAllocated: s.coresAllocated, memoryGib: s.memoryGib, memoryAllocatedGib: s.memoryAllocatedGib },
    updatedAt: s.updatedAt,
  };
}

export type ServerRecord = ReturnType<typeof presentServer>;

/** One server with its permanent identity, properties and position, or null. */
export async function getServer(db: Db, id: string): Promise<ServerRecord | null> {
  const found = await withPosition(db)
    .where(eq(servers.id, id))
    .get();
  return found ? presentServer(found.server, found.rowId, found.siteId) : null;
}

/** Server properties an agent can observe on the machine itself (not certifications or networks). */
export type ObservedProperties = Partial<
  Pick<ServerInputT['properties'], 'cpuArch' | 'cpuVendor' | 'cpuModel' | 'cores' | 'memoryGib' | 'storageKind' | 'storageGib' | 'gpus' | 'hypervisor' | 'traits'>
>;

/**
 * Writes the observed properties that differ from `server`'s, and then moves `updated_at` forward:
 * derived data (compatibility) treats a server updated after its computation as stale. Returns the
 * changed property names (none: nothing written). A concurrent change to the server → 409.
 */
export async function applyObservedProperties(db: Db, server: ServerRecord, observed: ObservedProperties) {
  const set: Partial<ServerRow> = {};
  const changed: string[] = [];
  for (const [name, value] of Object.entries(observed) as [keyof ObservedProperties, ObservedProperties[keyof ObservedProperties]][]) {
    if (value === undefined) continue;
    if (name === 'traits') {
      const traits = JSON.stringify([...new Set(value as string[])].sort());
      if (traits === JSON.stringify(server.properties.traits)) continue;
      set.traits = traits;
    } else {
      if (value === server.properties[name]) continue;
      Object.assign(set, { [name]: value });
    }
    changed.push(name);
  }
  if (!changed.length) return { changed, updatedAt: server.updatedAt };
  const updatedAt = Math.max(Date.now(), server.updatedAt + 1);
  const row = await db
    .update(servers)
    .set({ ...set, updatedAt })
    .where(and(eq(servers.id, server.id), eq(servers.updatedAt, server.updatedAt)))
    .returning({ id: servers.id })
    .get();
  if (!row) throw problems.conflict('The server changed meanwhile; report again.');
  return { changed, updatedAt };
}

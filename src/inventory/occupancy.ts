/** Read models for maps and overviews: per-rack occupancy and per-customer placement summaries. */
import { asc, countDistinct, eq, sql } from 'drizzle-orm';
import { placements, racks, rows, servers, sites } from '../../schema';
import type { Db } from '../db';

export interface RackOccupancy {
  siteId: string;
  siteName: string;
  region: string;
  rowId: string;
  rowName: string;
  rackId: string;
  rackName: string;
  servers: number;
  cores: number;
  coresAllocated: number;
  memoryGib: number;
  memoryAllocatedGib: number;
  /** Servers in the rack that hold some customer's data. */
  placedServers: number;
  customers: number;
}

/** Every rack with its capacity use, ordered site → row → rack. Two aggregate queries in all. */
export async function rackOccupancy(db: Db): Promise<RackOccupancy[]> {
  const units = await db
    .select({
      siteId: sites.id,
      siteName: sites.name,
      region: sites.region,
      rowId: rows.id,
      rowName: rows.name,
      rackId: racks.id,
      rackName: racks.name,
      servers: sql<number>`count(${servers.id})`.mapWith(Number),
      cores: sql<number>`coalesce(sum(${servers.cores}), 0)`.mapWith(Number),
      coresAllocated: sql<number>`coalesce(sum(${servers.coresAllocated}), 0)`.mapWith(Number),
      memoryGib: sql<number>`coalesce(sum(${servers.memoryGib}), 0)`.mapWith(Number),
      memoryAllocatedGib: sql<number>`coalesce(sum(${servers.memoryAllocatedGib}), 0)`.mapWith(Number),
    })
    .from(racks)
    .innerJoin(rows, eq(rows.id, racks.rowId))
    .innerJoin(sites, eq(sites.id, rows.siteId))
    .leftJoin(servers, eq(servers.rackId, racks.id))
    .groupBy(racks.id)
    .orderBy(asc(sites.id), asc(rows.id), asc(racks.id))
    .all();
  const placed = await db
    .select({ rackId: servers.rackId, placedServers: countDistinct(placements.serverId), customers: countDistinct(placements.customerId) })
    .from(placements)
    .innerJoin(servers, eq(servers.id, placements.serverId))
    .groupBy(servers.rackId)
    .all();
  const byRack = new Map(placed.map((p) => [p.rackId, p]));
  return units.map((u) => ({ ...u, placedServers: byRack.get(u.rackId)?.placedServers ?? 0, customers: byRack.get(u.rackId)?.customers ?? 0 }));
}

/** For each customer with placements: how many servers, on which platform. */
export async function placementSummary(db: Db): Promise<{ customerId: string; platformId: string; servers: number }[]> {
  return db
    .select({ customerId: placements.customerId, platformId: placements.platformId, servers: sql<number>`count(*)`.mapWith(Number) })
    .from(placements)
    .groupBy(placements.customerId, placements.platformId)
    .all();
}

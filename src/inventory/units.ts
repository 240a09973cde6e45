import { and, eq, or, sql } from 'drizzle-orm';
import { placements, racks, rows, servers } from '../../schema';
import type { Db } from '../db';

export const SCOPES = ['server', 'rack', 'row', 'site'] as const;
export type Scope = (typeof SCOPES)[number];

const UNIT_COLUMN = { server: placements.serverId, rack: servers.rackId, row: racks.rowId, site: rows.siteId } as const;

/**
 * The units at `scope` (servers, racks, rows or sites) that hold some of the customer's data, each
 * with how many of the customer's placements it covers. One indexed query whatever the scope.
 */
export async function customerUnits(db: Db, customerId: string, scope: Scope): Promise<{ unitId: string; coverage: number }[]> {
  const unit = UNIT_COLUMN[scope];
  return db
    .select({ unitId: unit, coverage: sql<number>`count(*)`.mapWith(Number) })
    .from(placements)
    .innerJoin(servers, eq(servers.id, placements.serverId))
    .innerJoin(racks, eq(racks.id, servers.rackId))
    .innerJoin(rows, eq(rows.id, racks.rowId))
    .where(eq(placements.customerId, customerId))
    .groupBy(unit)
    .all();
}

/**
 * The customer's servers reachable at `address` (their Dom0 IP or internal IP). Servers that do
 * not hold the customer's data are never returned, so the answer says nothing about them.
 */
export async function customerServersAt(db: Db, customerId: string, address: string): Promise<string[]> {
  const found = await db
    .select({ id: servers.id })
    .from(servers)
    .innerJoin(placements, and(eq(placements.serverId, servers.id), eq(placements.customerId, customerId)))
    .where(or(eq(servers.dom0Ip, address), eq(servers.internalIp, address)))
    .all();
  return found.map((s) => s.id);
}

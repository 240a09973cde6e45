import { and, eq, or } from 'drizzle-orm';
import { placements, servers } from '../../schema';
import type { Db } from '../db';

export const SCOPES = ['server', 'rack', 'row', 'site'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Per scope, the customer's units with how many of its placements each holds: climbing from the
 * placements only as far as the scope needs (foreign keys make every join total), in raw SQL. Minting
 * runs it for every request; drizzle's building and row mapping cost more than the query.
 */
const UNITS_SQL: Record<Scope, string> = {
  server: 'select p.server_id, count(*) from placements p where p.customer_id = ?1 group by p.server_id',
  rack: 'select s.rack_id, count(*) from placements p join servers s on s.id = p.server_id where p.customer_id = ?1 group by s.rack_id',
  row: `select k.row_id, count(*) from placements p join servers s on s.id = p.server_id join racks k on k.id = s.rack_id
    where p.customer_id = ?1 group by k.row_id`,
  site: `select r.site_id, count(*) from placements p join servers s on s.id = p.server_id join racks k on k.id = s.rack_id
    join rows r on r.id = k.row_id where p.customer_id = ?1 group by r.site_id`,
};

/**
 * The units at `scope` (servers, racks, rows or sites) that hold some of the customer's data, each
 * with how many of the customer's placements it covers. One indexed query whatever the scope.
 */
export async function customerUnits(db: Db, customerId: string, scope: Scope): Promise<{ unitId: string; coverage: number }[]> {
  const units = await db.$client.prepare(UNITS_SQL[scope]).bind(customerId).raw<[string, number]>();
  return units.map(([unitId, coverage]) => ({ unitId, coverage }));
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

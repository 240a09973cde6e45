import { asc, gt } from 'drizzle-orm';
import { racks, rows, sites } from '../../schema';
import type { Db } from '../db';

export const UNIT_KINDS = ['site', 'row', 'rack'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export type UnitRecord = { id: string; name: string } & ({ region: string } | { siteId: string } | { rowId: string });

/**
 * One kind of unit in id order, keyset-paginated after `after`, each in the shape PUT /v1/inventory
 * takes, so a client can tell what a new upsert would change.
 */
export async function listUnits(db: Db, kind: UnitKind, limit: number, after?: string): Promise<UnitRecord[]> {
  if (kind === 'site') {
    return db.select({ id: sites.id, name: sites.name, region: sites.region }).from(sites)
      .where(after ? gt(sites.id, after) : undefined).orderBy(asc(sites.id)).limit(limit + 1).all();
  }
  if (kind === 'row') {
    return db.select({ id: rows.id, siteId: rows.siteId, name: rows.name }).from(rows)
      .where(after ? gt(rows.id, after) : undefined).orderBy(asc(rows.id)).limit(limit + 1).all();
  }
  return db.select({ id: racks.id, rowId: racks.rowId, name: racks.name }).from(racks)
    .where(after ? gt(racks.id, after) : undefined).orderBy(asc(racks.id)).limit(limit + 1).all();
}

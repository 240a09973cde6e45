import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { agentFlags } from '../../schema';
import { newId } from '../lib/ids';
import { keysetAfter, type Db } from '../db';
import type { FlagField } from './report-schema';

export interface Mismatch<F extends FlagField = FlagField> {
  field: F;
  recorded: string;
  observed: string;
}

/** Records identity mismatches and over-allocations for the operator; the same observation again only counts up. */
export async function flagMismatches(db: Db, serverId: string, mismatches: Mismatch[]): Promise<void> {
  if (!mismatches.length) return;
  const now = Date.now();
  await db
    .insert(agentFlags)
    .values(mismatches.map((m) => ({ id: newId('flg'), serverId, ...m, reports: 1, firstSeenAt: now, lastSeenAt: now })))
    .onConflictDoUpdate({
      target: [agentFlags.serverId, agentFlags.field, agentFlags.observed],
      set: { reports: sql`${agentFlags.reports} + 1`, lastSeenAt: now, recorded: sql.raw('excluded."recorded"') },
    });
}

/** Flags in the order they were first seen; keyset-paginated after `after` ("firstSeenAt\nid"). */
export async function listFlags(db: Db, filter: { serverId?: string | undefined }, limit: number, after?: string) {
  const conditions: SQL[] = [];
  if (filter.serverId) conditions.push(eq(agentFlags.serverId, filter.serverId));
  if (after) conditions.push(keysetAfter(agentFlags.firstSeenAt, agentFlags.id, after));
  return db
    .select()
    .from(agentFlags)
    .where(and(...conditions))
    .orderBy(asc(agentFlags.firstSeenAt), asc(agentFlags.id))
    .limit(limit + 1)
    .all();
}

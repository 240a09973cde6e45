import { and, asc, between, eq, sql } from 'drizzle-orm';
import { usageDaily } from '../../schema';
import { chunkForInsert, type Db } from '../db';

export interface UsageCount {
  principalId: string;
  day: string;
  operation: string;
  count: number;
}

/** Adds counts to the ledger in one batch (one transaction): existing rows are incremented. */
export async function addUsage(db: Db, counts: UsageCount[]): Promise<void> {
  const stmts = chunkForInsert(counts, 4).map((chunk) =>
    db
      .insert(usageDaily)
      .values(chunk)
      .onConflictDoUpdate({
        target: [usageDaily.principalId, usageDaily.day, usageDaily.operation],
        set: { count: sql`${usageDaily.count} + excluded."count"` },
      }),
  );
  const [first, ...rest] = stmts;
  if (first) await db.batch([first, ...rest]);
}

/** One principal's counts between two days (inclusive), oldest first. */
export async function usageBetween(db: Db, principalId: string, from: string, to: string): Promise<UsageCount[]> {
  return db
    .select()
    .from(usageDaily)
    .where(and(eq(usageDaily.principalId, principalId), between(usageDaily.day, from, to)))
    .orderBy(asc(usageDaily.day), asc(usageDaily.operation))
    .all();
}

/** Every principal's counts per operation between two days, for the operator's overview. */
export async function usageTotalsBetween(db: Db, from: string, to: string) {
  return db
    .select({ principalId: usageDaily.principalId, operation: usageDaily.operation, count: sql<number>`sum(${usageDaily.count})`.mapWith(Number) })
    .from(usageDaily)
    .where(between(usageDaily.day, from, to))
    .groupBy(usageDaily.principalId, usageDaily.operation)
    .all();
}

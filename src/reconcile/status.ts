import { asc, sql } from 'drizzle-orm';
import { reconcileRuns } from '../../schema';
import type { Db } from '../db';
import type { JobResult } from '../lib/jobs';

/** Keeps the latest result of each job (for the operator's console), in one batch. */
export async function recordRuns(db: Db, ranAt: number, results: JobResult[]): Promise<void> {
  const stmts = results.map((r) =>
    db
      .insert(reconcileRuns)
      .values({ job: r.job, ranAt, ok: r.ok, detail: JSON.stringify(r.detail) })
      .onConflictDoUpdate({ target: reconcileRuns.job, set: { ranAt: sql`excluded."ran_at"`, ok: sql`excluded."ok"`, detail: sql`excluded."detail"` } }),
  );
  const [first, ...rest] = stmts;
  if (first) await db.batch([first, ...rest]);
}

export async function lastRuns(db: Db): Promise<{ job: string; ranAt: number; ok: boolean; detail: Record<string, number> }[]> {
  const rows = await db.select().from(reconcileRuns).orderBy(asc(reconcileRuns.job)).all();
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, number> }));
}

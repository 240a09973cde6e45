import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The last run of each reconciliation job, for the operator's console. One row per job. */
export const reconcileRuns = sqliteTable('reconcile_runs', {
  job: text('job').primaryKey(),
  ranAt: integer('ran_at').notNull(),
  ok: integer('ok', { mode: 'boolean' }).notNull(),
  /** JSON object of counts reported by the job (never identifiers or secrets). */
  detail: text('detail').notNull(),
});

import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Billable operations counted per principal, per UTC day, per operation. A ledger: rows are only
 * ever incremented (in batches, see src/usage/recorder.ts), never rewritten, and outlive the
 * principal they bill, so there is no foreign key.
 */
export const usageDaily = sqliteTable(
  'usage_daily',
  {
    principalId: text('principal_id').notNull(),
    /** UTC calendar day, `YYYY-MM-DD`. */
    day: text('day').notNull(),
    operation: text('operation').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.day, t.operation] }), index('usage_daily_day_idx').on(t.day)],
);

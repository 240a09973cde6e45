import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * What may be released about hardware (src/disclosure/records.ts), recomputed over the whole
 * inventory with the materialised compatibility table and only looked up by requests. `server`
 * rows are keyed by the signature of a full server record (properties and free-capacity class, no
 * identifier): every server with that record gets the released `record`. Unit rows are keyed by the
 * rack, row or site id. `members`: how many servers (units) share the released record.
 */
export const disclosureReleased = sqliteTable(
  'disclosure_released',
  {
    kind: text('kind', { enum: ['server', 'rack', 'row', 'site'] }).notNull(),
    key: text('key').notNull(),
    record: text('record').notNull(),
    members: integer('members').notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.key] })],
);

import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * What may be released about hardware (src/disclosure/records.ts), recomputed per data center
 * from the materialised compatibility table and only looked up by requests. `server` rows are keyed
 * by the site and the signature of a full server record (properties and free-capacity class, no
 * identifier): every server of that site with that record gets the released `record`. Unit rows are
 * keyed by the rack, row or site id; `site-summary` rows (never released) hold each site's own summary,
 * which `site` rows release generalised over the sites. `members`: how many servers (units) share the released record.
 * `census` rows (keyed by site) say which platforms' verdicts are withheld there (src/disclosure/census.ts).
 * `pending` rows (keyed by site) mark a data center whose records wait for their refresh, and
 * `pending-census` rows one whose census alone does (a platform's requirements changed); `members`
 * counts the marks, so a refresh clears only what it has seen.
 */
export const disclosureReleased = sqliteTable(
  'disclosure_released',
  {
    kind: text('kind', { enum: ['server', 'rack', 'row', 'site', 'site-summary', 'census', 'pending', 'pending-census'] }).notNull(),
    key: text('key').notNull(),
    record: text('record').notNull(),
    members: integer('members').notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.key] })],
);

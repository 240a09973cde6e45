import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { platforms } from './catalog';
import { servers } from './inventory';
import { principals } from './principals';

/**
 * Materialised compatibility, stored compactly: one row per server holding its verdict for every
 * platform (a JSON object keyed by the platform's small `slot`), and one row per rack, row and
 * site holding per-platform aggregates. 100,000 servers × 50 platforms is 100,000 + ~3,000 rows,
 * not 5,000,000. Formats: src/compatibility/verdicts.ts.
 */
export const compatPlatforms = sqliteTable('compat_platforms', {
  /** Small number naming the platform inside the JSON verdicts. */
  slot: integer('slot').primaryKey({ autoIncrement: true }),
  platformId: text('platform_id')
    .notNull()
    .unique()
    .references(() => platforms.id),
  /** The platform revision every server's verdict has been computed from (0: not yet). */
  revision: integer('revision').notNull(),
  computedAt: integer('computed_at').notNull(),
  /** The revision whose requirements the latest pass computes (0: none started). */
  passRevision: integer('pass_revision').notNull().default(0),
  passStartedAt: integer('pass_started_at'),
  /** Pages of the latest pass (0 until the pass is planned). */
  pagesTotal: integer('pages_total').notNull().default(0),
});

/**
 * The pages of a platform's pass: each a range of whole racks, recomputed by one queue message in
 * any order and marked done once (a redelivered message finds it done and changes nothing).
 */
export const compatPassPages = sqliteTable(
  'compat_pass_pages',
  {
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id),
    revision: integer('revision').notNull(),
    page: integer('page').notNull(),
    /** First rack of the page; it ends before `until` (null: open-ended, as earlier versions planned a pass's last page). */
    fromRack: text('from_rack').notNull(),
    until: text('until'),
    doneAt: integer('done_at'),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.revision, t.page] })],
);

/**
 * Monotonic generations of what MIP answers depend on: `catalog` (platforms and their slots),
 * `customer:<id>` (its placements) and `site:<id>` (the materialised rows of its servers and
 * units). Every bump takes the next value of one global sequence, so an answer is current while
 * none of its keys is newer than it.
 */
export const compatGenerations = sqliteTable(
  'compat_generations',
  {
    key: text('key').primaryKey(),
    value: integer('value').notNull(),
  },
  (t) => [index('compat_generations_value_idx').on(t.value)],
);

/** Stored MIP answers per customer and scope, valid while their generation is current. */
export const mipAnswers = sqliteTable(
  'mip_answers',
  {
    customerId: text('customer_id')
      .notNull()
      .references(() => principals.id),
    scope: text('scope', { enum: ['server', 'rack', 'row', 'site'] }).notNull(),
    /** The answer's JSON, as the API sends it. */
    body: text('body').notNull(),
    /** The highest generation of `keys` when the answer's inputs were read. */
    generation: integer('generation').notNull(),
    /** JSON array of the generation keys the answer depends on. */
    keys: text('keys').notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.scope] })],
);

export const compatServers = sqliteTable(
  'compat_servers',
  {
    serverId: text('server_id')
      .primaryKey()
      .references(() => servers.id),
    rackId: text('rack_id').notNull(),
    rowId: text('row_id').notNull(),
    siteId: text('site_id').notNull(),
    freeCores: integer('free_cores').notNull(),
    freeMemoryGib: integer('free_memory_gib').notNull(),
    /** `{"s<slot>": score | [failed clause, ...]}`: a number approves, an array denies. */
    verdicts: text('verdicts').notNull(),
    /** The server's `updated_at` these verdicts were computed from; newer means stale. */
    basis: integer('basis').notNull(),
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [index('compat_servers_rack_idx').on(t.rackId, t.computedAt)],
);

export const compatUnits = sqliteTable(
  'compat_units',
  {
    scope: text('scope', { enum: ['rack', 'row', 'site'] }).notNull(),
    unitId: text('unit_id').notNull(),
    /** The row of a rack, the site of a row; null for a site. */
    parentId: text('parent_id'),
    /** The site the unit is in (a site: itself). */
    siteId: text('site_id').notNull(),
    servers: integer('servers').notNull(),
    /** `{"s<slot>": {a: approved, d: denied, f: [[freeCores, freeMemoryGib], ...], r: {clause: servers}}}`. */
    aggregates: text('aggregates').notNull(),
    /** Taken before the members were read: a member computed later makes this unit stale. */
    computedAt: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.unitId] }), index('compat_units_parent_idx').on(t.scope, t.parentId)],
);

/** The platform a customer is migrating to, so a revocation of it is reported too. */
export const compatTargets = sqliteTable('compat_targets', {
  customerId: text('customer_id')
    .primaryKey()
    .references(() => principals.id),
  platformId: text('platform_id')
    .notNull()
    .references(() => platforms.id),
  since: integer('since').notNull(),
});

/**
 * Revocations held until the census of the server's data center has judged the change that caused
 * them (src/compatibility/revoked.ts): a `compatibility.revoked` event leaves only where the
 * platform's verdicts are answered, so it never tells a provider what its compatibility answers
 * withhold. One row per customer, platform and server; a later flip replaces it.
 */
export const compatFlips = sqliteTable(
  'compat_flips',
  {
    customerId: text('customer_id')
      .notNull()
      .references(() => principals.id),
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id),
    serverId: text('server_id').notNull(),
    siteId: text('site_id').notNull(),
    /** `current`: the platform the customer runs on; `target`: the one it is migrating to. */
    relation: text('relation', { enum: ['current', 'target'] }).notNull(),
    /** The requirements revision the denying verdict was computed for (the census must judge that one). */
    revision: integer('revision').notNull(),
    /** Indices of the clauses the server fails, as JSON. */
    failed: text('failed').notNull(),
    detectedAt: integer('detected_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.platformId, t.serverId] })],
);

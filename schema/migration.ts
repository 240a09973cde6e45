import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { principals } from './principals';

/**
 * Read model of migrations, written only by the customer's coordinator (Durable Object), which is
 * the source of truth. `version` rises with every change there; a write never replaces a newer row.
 * `history` is the JSON list of transitions (who, when, from, to).
 */
export const migrations = sqliteTable(
  'migrations',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => principals.id),
    sourcePlatformId: text('source_platform_id').notNull(),
    sourceProviderId: text('source_provider_id').notNull(),
    targetPlatformId: text('target_platform_id').notNull(),
    targetProviderId: text('target_provider_id').notNull(),
    scope: text('scope').notNull(),
    initiatorId: text('initiator_id').notNull(),
    initiatorKind: text('initiator_kind').notNull(),
    state: text('state').notNull(),
    segmentsDone: integer('segments_done').notNull(),
    segmentsTotal: integer('segments_total'),
    history: text('history').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Last time the migration moved (a transition or reported progress). */
    lastProgressAt: integer('last_progress_at').notNull(),
    /** Set when flagged `migration.stalled`; cleared by the next transition or progress. */
    stalledAt: integer('stalled_at'),
    version: integer('version').notNull(),
  },
  (t) => [
    index('migrations_customer_idx').on(t.customerId, t.createdAt),
    index('migrations_source_provider_idx').on(t.sourceProviderId, t.createdAt),
    index('migrations_target_provider_idx').on(t.targetProviderId, t.createdAt),
    index('migrations_state_idx').on(t.state, t.lastProgressAt),
  ],
);

/**
 * Idempotency-Key records (per caller): the request's hash and, once answered, the response to
 * replay. A record `processing` past `lockedUntil` belongs to a request that died; a retry may take
 * it over (the coordinator dedupes the start itself by the same key).
 */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    callerId: text('caller_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['processing', 'done'] }).notNull(),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    lockedUntil: integer('locked_until').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.callerId, t.key] }), index('idempotency_keys_expiry_idx').on(t.expiresAt)],
);

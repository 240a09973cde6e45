import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { DELIVERY_STATES } from '../src/lib/lifecycle';
import { platforms } from './catalog';
import { principals } from './principals';

/**
 * Read model of webhook deliveries (the coordinators hold the real queue and its schedule), for
 * providers' delivery log and for the cron to find coordinators with overdue deliveries.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    providerId: text('provider_id').notNull(),
    customerId: text('customer_id').notNull(),
    migrationId: text('migration_id'),
    /** The message id: the `webhook-id` header, the same on every attempt and redelivery. */
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    state: text('state', { enum: DELIVERY_STATES }).notNull(),
    attempts: integer('attempts').notNull(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    nextAttemptAt: integer('next_attempt_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    version: integer('version').notNull(),
  },
  (t) => [index('webhook_deliveries_provider_idx').on(t.providerId, t.createdAt), index('webhook_deliveries_due_idx').on(t.state, t.nextAttemptAt)],
);

/**
 * Events for providers recorded in D1 by capabilities without a coordinator transaction
 * (src/webhooks/provider-events.ts); the webhooks capability relays them and sets `delivered_at`. Payloads carry no permanent hardware identifier.
 */
export const outboxEvents = sqliteTable(
  'outbox_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    customerId: text('customer_id')
      .notNull()
      .references(() => principals.id),
    platformId: text('platform_id').references(() => platforms.id),
    providerId: text('provider_id')
      .notNull()
      .references(() => principals.id),
    payload: text('payload').notNull(),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [index('outbox_events_pending_idx').on(t.createdAt).where(sql`delivered_at is null`)],
);

/** Provider-only settings: webhook endpoint and its signing secrets, encrypted at rest. */
export const providerSettings = sqliteTable('provider_settings', {
  providerId: text('provider_id')
    .primaryKey()
    .references(() => principals.id),
  webhookUrl: text('webhook_url'),
  webhookSecretEnc: text('webhook_secret_enc').notNull(),
  /** The secret replaced by the last rotation, still signed with until it expires. */
  previousSecretEnc: text('previous_secret_enc'),
  previousSecretExpiresAt: integer('previous_secret_expires_at'),
  webhookDisabledAt: integer('webhook_disabled_at'),
});

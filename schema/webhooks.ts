import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
    state: text('state', { enum: ['pending', 'succeeded', 'failed'] }).notNull(),
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

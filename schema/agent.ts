import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { TASK_KINDS, TASK_STATES } from '../src/lib/lifecycle';
import { servers } from './inventory';

/**
 * An agent observed an identity (serial, MAC, Dom0 or internal IP) that differs from the recorded
 * one, or reported less capacity (cores, memory) than is allocated on the server (`recorded` is then
 * the allocation). Recorded identity is never overwritten from a report; the operator looks into these.
 * The same observation reported again only bumps `lastSeenAt` and `reports`.
 */
export const agentFlags = sqliteTable(
  'agent_flags',
  {
    id: text('id').primaryKey(),
    serverId: text('server_id')
      .notNull()
      .references(() => servers.id),
    field: text('field', { enum: ['serial', 'mac', 'dom0Ip', 'internalIp', 'cores', 'memoryGib'] }).notNull(),
    recorded: text('recorded').notNull(),
    observed: text('observed').notNull(),
    reports: integer('reports').notNull(),
    firstSeenAt: integer('first_seen_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
  },
  (t) => [uniqueIndex('agent_flags_observation_idx').on(t.serverId, t.field, t.observed), index('agent_flags_seen_idx').on(t.firstSeenAt, t.id)],
);

/** Index of agent tasks by server, so an agent's poll finds the coordinators that hold its work. */
export const migrationTasks = sqliteTable(
  'migration_tasks',
  {
    id: text('id').primaryKey(),
    migrationId: text('migration_id').notNull(),
    customerId: text('customer_id').notNull(),
    serverId: text('server_id').notNull(),
    kind: text('kind', { enum: TASK_KINDS }).notNull().default('deploy_platform_modules'),
    state: text('state', { enum: TASK_STATES }).notNull(),
    attempts: integer('attempts').notNull(),
    lastError: text('last_error'),
    updatedAt: integer('updated_at').notNull(),
    version: integer('version').notNull(),
  },
  (t) => [index('migration_tasks_server_idx').on(t.serverId, t.state), index('migration_tasks_migration_idx').on(t.migrationId)],
);

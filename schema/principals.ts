import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { servers } from './inventory';

/** Everyone who holds API keys: the operator, customers, providers and server agents. */
export const principals = sqliteTable(
  'principals',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['operator', 'customer', 'provider', 'agent'] }).notNull(),
    name: text('name').notNull(),
    organisation: text('organisation').notNull(),
    serviceLevel: text('service_level', { enum: ['basic', 'standard', 'premium', 'enterprise'] })
      .notNull()
      .default('standard'),
    /** Agents only: the one server whose reports and tasks the agent's keys cover. */
    serverId: text('server_id').references(() => servers.id),
    createdAt: integer('created_at').notNull().default(sql`(unixepoch() * 1000)`),
  },
  (t) => [index('principals_kind_idx').on(t.kind, t.id)],
);

/** API keys, stored only as SHA-256 hashes; `hint` is the last four characters for people. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    principalId: text('principal_id')
      .notNull()
      .references(() => principals.id),
    hash: text('hash').notNull().unique(),
    hint: text('hint').notNull(),
    name: text('name').notNull(),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('api_keys_principal_idx').on(t.principalId)],
);

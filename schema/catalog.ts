import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { principals } from './principals';

/**
 * A platform a provider offers. `serviceProfile`, `requirements` and `modules` are JSON documents
 * whose shapes are validated by src/catalog/schema.ts before they are written.
 */
export const platforms = sqliteTable(
  'platforms',
  {
    id: text('id').primaryKey(),
    providerId: text('provider_id')
      .notNull()
      .references(() => principals.id),
    name: text('name').notNull(),
    description: text('description').notNull(),
    serviceProfile: text('service_profile').notNull(),
    requirements: text('requirements').notNull(),
    modules: text('modules').notNull(),
    upstreamUrl: text('upstream_url').notNull(),
    autoAccept: integer('auto_accept', { mode: 'boolean' }).notNull(),
    /** Bumped on every change, so derived data can tell which revision it was computed from. */
    revision: integer('revision').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('platforms_provider_name_idx').on(t.providerId, t.name), index('platforms_provider_idx').on(t.providerId)],
);

import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { principals } from './principals';

/**
 * One minting request: who asked, for which customer, at which scope, for whom (audience), how
 * long and how many uses. Its hardware IDs are the aliases below. Nothing here leaves the service.
 */
export const hardwareIdGrants = sqliteTable(
  'hardware_id_grants',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => principals.id),
    requesterId: text('requester_id')
      .notNull()
      .references(() => principals.id),
    scope: text('scope', { enum: ['server', 'rack', 'row', 'site'] }).notNull(),
    /** JSON array of the principal ids allowed to present the IDs (the JWT `aud`). */
    audience: text('audience').notNull(),
    maxUses: integer('max_uses').notNull(),
    /** Epoch ms; equals the JWT `exp` (seconds) × 1000. */
    expiresAt: integer('expires_at').notNull(),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('hardware_id_grants_customer_idx').on(t.customerId), index('hardware_id_grants_requester_idx').on(t.requesterId), index('hardware_id_grants_expires_idx').on(t.expiresAt)],
);

/**
 * A hardware ID's subject: a random alias mapped to the permanent unit (a server, rack, row or site
 * id, per the grant's scope). A fresh alias for every unit of every request; uses counted here.
 */
export const hardwareAliases = sqliteTable(
  'hardware_aliases',
  {
    alias: text('alias').primaryKey(),
    grantId: text('grant_id')
      .notNull()
      .references(() => hardwareIdGrants.id),
    unitId: text('unit_id').notNull(),
    uses: integer('uses').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('hardware_aliases_grant_idx').on(t.grantId)],
);

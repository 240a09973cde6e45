/**
 * The verifier's reads and writes of issued hardware IDs (D1 `hardware_aliases`, `hardware_id_grants`):
 * each alias's state with whether the relationship it was minted under still holds, and the atomic
 * count of one use. ./verifier.ts decides with them.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { hardwareAliases, hardwareIdGrants } from '../../schema';
import { D1_MAX_PARAMS } from '../constants';
import type { Db } from '../db';
import { SCOPES, type Scope } from '../inventory/units';

/**
 * True while the grant `g`'s relationship holds for alias `a`: the unit still holds some of the
 * customer's data, and the requester is the customer or the provider of its current platform.
 */
function relationshipHolds(g: string, a: string) {
  // One indexed probe per scope, walking down from the unit to a placement of the customer (a single
  // CASE over the customer's placements scanned all of them, joined up to the site, for every ID).
  // The provider probe sits behind a CASE: SQLite evaluates both sides of an OR, so `requester =
  // customer OR EXISTS (…)` walked the customer's placements for every ID the customer minted.
  const placed = `p.customer_id = ${g}.customer_id and p.server_id = s.id`;
  return sql.raw(`((case ${g}.scope
      when 'server' then exists (select 1 from placements p where p.customer_id = ${g}.customer_id and p.server_id = ${a}.unit_id)
      when 'rack' then exists (select 1 from servers s join placements p on ${placed} where s.rack_id = ${a}.unit_id)
      when 'row' then exists (select 1 from racks k join servers s on s.rack_id = k.id join placements p on ${placed} where k.row_id = ${a}.unit_id)
      else exists (select 1 from rows r join racks k on k.row_id = r.id join servers s on s.rack_id = k.id join placements p on ${placed} where r.site_id = ${a}.unit_id) end)
    and (case when ${g}.requester_id = ${g}.customer_id then 1 else exists (select 1 from platforms pl join placements p on p.platform_id = pl.id
      where pl.provider_id = ${g}.requester_id and p.customer_id = ${g}.customer_id) end))`);
}

export interface AliasState {
  alias: string;
  unitId: string;
  uses: number;
  aliasRevokedAt: number | null;
  customerId: string;
  requesterId: string;
  scope: Scope;
  audience: string;
  maxUses: number;
  expiresAt: number;
  grantRevokedAt: number | null;
  /** 1 while the relationship the ID was minted under holds. */
  live: number;
}

export function stateQueries(db: Db, aliases: string[]) {
  const queries = [];
  for (let i = 0; i < aliases.length; i += D1_MAX_PARAMS) {
    queries.push(
      db
        .select({
          alias: hardwareAliases.alias,
          unitId: hardwareAliases.unitId,
          uses: hardwareAliases.uses,
          aliasRevokedAt: hardwareAliases.revokedAt,
          customerId: hardwareIdGrants.customerId,
          requesterId: hardwareIdGrants.requesterId,
          scope: hardwareIdGrants.scope,
          audience: hardwareIdGrants.audience,
          maxUses: hardwareIdGrants.maxUses,
          expiresAt: hardwareIdGrants.expiresAt,
          // Aliased: inside db.batch, D1 returns rows as objects, so two `revoked_at` columns would collide.
          grantRevokedAt: sql<number | null>`${hardwareIdGrants.revokedAt}`.as('grant_revoked_at'),
          live: sql<number>`${relationshipHolds('hardware_id_grants', 'hardware_aliases')}`.as('live'),
        })
        .from(hardwareAliases)
        .innerJoin(hardwareIdGrants, eq(hardwareIdGrants.id, hardwareAliases.grantId))
        .where(inArray(hardwareAliases.alias, aliases.slice(i, i + D1_MAX_PARAMS))),
    );
  }
  return queries;
}

/**
 * One use of each alias, counted atomically: a row changes only while its ID is still valid for the
 * caller at the scope its signed claims name. One statement per claimed scope and chunk (the three
 * other bound values leave D1_MAX_PARAMS - 3 for the aliases), not one per ID.
 */
export function consumeQueries(db: Db, candidates: { alias: string; scope: Scope }[], callerId: string, now: number) {
  const queries = [];
  const chunk = D1_MAX_PARAMS - 3;
  for (const scope of SCOPES) {
    const aliases = candidates.filter((c) => c.scope === scope).map((c) => c.alias);
    for (let i = 0; i < aliases.length; i += chunk) {
      queries.push(
        db
          .update(hardwareAliases)
          .set({ uses: sql`${hardwareAliases.uses} + 1` })
          .where(
            and(
              inArray(hardwareAliases.alias, aliases.slice(i, i + chunk)),
              isNull(hardwareAliases.revokedAt),
              sql`uses < (SELECT g.max_uses FROM hardware_id_grants g WHERE g.id = hardware_aliases.grant_id AND g.revoked_at IS NULL AND g.expires_at > ${now} AND g.scope = ${scope} AND EXISTS (SELECT 1 FROM json_each(g.audience) WHERE json_each.value = ${callerId}) AND ${relationshipHolds('g', 'hardware_aliases')})`,
            ),
          )
          .returning({ alias: hardwareAliases.alias }),
      );
    }
  }
  return queries;
}

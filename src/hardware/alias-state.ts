/**
 * The verifier's reads and writes of issued hardware IDs (D1 `hardware_aliases`, `hardware_id_grants`):
 * each alias's state with whether the relationship it was minted under still holds, and the atomic
 * count of one use. ./verifier.ts decides with them.
 */
import { eq, sql } from 'drizzle-orm';
import { hardwareAliases, hardwareIdGrants } from '../../schema';
import { jsonIds, type Db } from '../db';
import { SCOPES, type Scope } from '../inventory/units';

/**
 * True while the grant `g`'s relationship holds for alias `a`: the unit still holds some of the
 * customer's data, and the requester is the customer or the provider of its current platform.
 */
function relationshipHolds(g: string, a: string): string {
  // One indexed probe per scope, walking down from the unit to a placement of the customer (a single
  // CASE over the customer's placements scanned all of them, joined up to the site, for every ID).
  // The provider probe sits behind a CASE: SQLite evaluates both sides of an OR, so `requester =
  // customer OR EXISTS (…)` walked the customer's placements for every ID the customer minted. It
  // probes placements_customer_platform_idx once per platform of the provider: written as a join,
  // SQLite walked the customer's placements instead, for every ID of a former provider.
  const placed = `p.customer_id = ${g}.customer_id and p.server_id = s.id`;
  return `((case ${g}.scope
      when 'server' then exists (select 1 from placements p where p.customer_id = ${g}.customer_id and p.server_id = ${a}.unit_id)
      when 'rack' then exists (select 1 from servers s join placements p on ${placed} where s.rack_id = ${a}.unit_id)
      when 'row' then exists (select 1 from racks k join servers s on s.rack_id = k.id join placements p on ${placed} where k.row_id = ${a}.unit_id)
      else exists (select 1 from rows r join racks k on k.row_id = r.id join servers s on s.rack_id = k.id join placements p on ${placed} where r.site_id = ${a}.unit_id) end)
    and (case when ${g}.requester_id = ${g}.customer_id then 1 else exists (select 1 from placements p where p.customer_id = ${g}.customer_id
      and p.platform_id in (select pl.id from platforms pl where pl.provider_id = ${g}.requester_id)) end))`;
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

/** The state of each listed alias that exists, in one statement (the list is one bound JSON array). */
export function stateQuery(db: Db, aliases: string[]) {
  return db
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
      live: sql<number>`${sql.raw(relationshipHolds('hardware_id_grants', 'hardware_aliases'))}`.as('live'),
    })
    .from(hardwareAliases)
    .innerJoin(hardwareIdGrants, eq(hardwareIdGrants.id, hardwareAliases.grantId))
    .where(sql`${hardwareAliases.alias} in ${jsonIds(aliases)}`);
}

/** A counted use: the alias after its use, with its grant's terms. */
export interface CountedUse {
  alias: string;
  unitId: string;
  /** After this use. */
  uses: number;
  customerId: string;
  requesterId: string;
  audience: string[];
  maxUses: number;
  expiresAt: number;
}

/**
 * One use of each alias, counted atomically: a row changes only while its ID is still valid for the
 * caller at the scope its signed claims name. One statement per claimed scope (the aliases are one
 * bound JSON array), returning each counted alias with its grant's terms, so that a presentation of
 * valid IDs needs nothing else from D1.
 */
export function consumeStatements(db: Db, candidates: { alias: string; scope: Scope }[], callerId: string, now: number): D1PreparedStatement[] {
  const statements = [];
  for (const scope of SCOPES) {
    const aliases = candidates.filter((c) => c.scope === scope).map((c) => c.alias);
    if (!aliases.length) continue;
    statements.push(
      db.$client
        .prepare(
          `update hardware_aliases set uses = uses + 1
            where alias in (select value from json_each(?1)) and revoked_at is null
              and uses < (select g.max_uses from hardware_id_grants g where g.id = hardware_aliases.grant_id and g.revoked_at is null
                and g.expires_at > ?2 and g.scope = ?3 and exists (select 1 from json_each(g.audience) where json_each.value = ?4)
                and ${relationshipHolds('g', 'hardware_aliases')})
            returning alias, unit_id as unitId, uses,
              (select json_array(g.customer_id, g.requester_id, json(g.audience), g.max_uses, g.expires_at) from hardware_id_grants g where g.id = hardware_aliases.grant_id) as terms`,
        )
        .bind(JSON.stringify(aliases), now, scope, callerId),
    );
  }
  return statements;
}

/** The rows the statements of `consumeStatements` returned. */
export function countedUses(results: D1Result[]): CountedUse[] {
  return results.flatMap((r) =>
    (r.results as { alias: string; unitId: string; uses: number; terms: string }[]).map(({ alias, unitId, uses, terms }) => {
      const [customerId, requesterId, audience, maxUses, expiresAt] = JSON.parse(terms) as [string, string, string[], number, number];
      return { alias, unitId, uses, customerId, requesterId, audience, maxUses, expiresAt };
    }),
  );
}

import { and, eq, gt, inArray, isNull, lt, notExists, or, sql } from 'drizzle-orm';
import { hardwareAliases, hardwareIdGrants } from '../../schema';
import { D1_MAX_PARAMS, HWID_CLOCK_SKEW_S, HWID_PURGE_BATCH, HWID_PURGE_BATCHES_PER_RUN } from '../constants';
import { getDb, type Db } from '../db';
import type { Job } from '../lib/jobs';

/** Revokes hardware IDs by alias (the caller has verified it owns them); returns how many were live. */
export async function revokeAliases(db: Db, aliases: string[]): Promise<number> {
  const now = Date.now();
  let revoked = 0;
  for (let i = 0; i < aliases.length; i += D1_MAX_PARAMS) {
    const rows = await db
      .update(hardwareAliases)
      .set({ revokedAt: now })
      .where(and(inArray(hardwareAliases.alias, aliases.slice(i, i + D1_MAX_PARAMS)), isNull(hardwareAliases.revokedAt)))
      .returning({ alias: hardwareAliases.alias })
      .all();
    revoked += rows.length;
  }
  return revoked;
}

/**
 * Revokes every live hardware ID the principal owns: about its own data (a customer) or minted by
 * it (a customer or a provider). Returns how many IDs that revoked.
 */
export async function revokeAllOwnedBy(db: Db, principalId: string): Promise<number> {
  const now = Date.now();
  const live = and(or(eq(hardwareIdGrants.customerId, principalId), eq(hardwareIdGrants.requesterId, principalId)), isNull(hardwareIdGrants.revokedAt), gt(hardwareIdGrants.expiresAt, now));
  const [counted] = await db.batch([
    db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(hardwareAliases)
      .innerJoin(hardwareIdGrants, eq(hardwareIdGrants.id, hardwareAliases.grantId))
      .where(and(live, isNull(hardwareAliases.revokedAt))),
    db.update(hardwareIdGrants).set({ revokedAt: now }).where(live),
  ]);
  return counted[0]?.n ?? 0;
}

/**
 * A provider stopped being the customer's current provider: every hardware ID it holds for that
 * customer (minted by it, or naming it in the audience) is revoked. A statement, so that it runs in
 * the same batch as the change that ends the relationship.
 */
export function revokeHeldByFormerProvider(db: Db, customerId: string, providerId: string, now: number) {
  return db
    .update(hardwareIdGrants)
    .set({ revokedAt: now })
    .where(
      and(
        eq(hardwareIdGrants.customerId, customerId),
        isNull(hardwareIdGrants.revokedAt),
        or(eq(hardwareIdGrants.requesterId, providerId), sql`exists (select 1 from json_each(${hardwareIdGrants.audience}) where json_each.value = ${providerId})`),
      ),
    );
}

/**
 * Cron: deletes aliases, then grants, that expired (beyond the clock skew), in batches of `batch`
 * until none is left or `batches` have run. Used-up IDs go with their grant's expiry (at most
 * HWID_TTL_MAX_S): until then they must still be refused as used up. The defaults purge
 * HWID_PURGE_BATCH × HWID_PURGE_BATCHES_PER_RUN aliases per run, more than minting adds at the
 * capacity model's rate (src/CAPACITY.md), so the table holds live IDs only.
 */
export function purgeExpiredHardwareIdsJob(batch = HWID_PURGE_BATCH, batches = HWID_PURGE_BATCHES_PER_RUN): Job {
  return {
    name: 'hardware-ids.purge',
    async run(env, now) {
      const db = getDb(env.DB);
      const before = now - HWID_CLOCK_SKEW_S * 1000;
      // Through the expiry and grant indexes, so a grant's aliases (written together) go together; a batch may end inside one.
      const expiredGrants = db.select({ id: hardwareIdGrants.id }).from(hardwareIdGrants).where(lt(hardwareIdGrants.expiresAt, before));
      const expiredAliases = db.select({ alias: hardwareAliases.alias }).from(hardwareAliases).where(inArray(hardwareAliases.grantId, expiredGrants)).limit(batch);
      const emptyGrants = db
        .select({ id: hardwareIdGrants.id })
        .from(hardwareIdGrants)
        .where(
          and(
            lt(hardwareIdGrants.expiresAt, before),
            notExists(db.select({ one: sql`1` }).from(hardwareAliases).where(eq(hardwareAliases.grantId, hardwareIdGrants.id))),
          ),
        )
        .limit(batch);
      const done = { aliases: 0, grants: 0, batches: 0 };
      while (done.batches < batches) {
        const [aliases, grants] = await db.batch([
          db.delete(hardwareAliases).where(inArray(hardwareAliases.alias, expiredAliases)),
          db.delete(hardwareIdGrants).where(inArray(hardwareIdGrants.id, emptyGrants)),
        ]);
        done.batches++;
        done.aliases += aliases.meta.changes;
        done.grants += grants.meta.changes;
        if (aliases.meta.changes < batch && grants.meta.changes < batch) break;
      }
      return done;
    },
  };
}

export const purgeExpiredHardwareIds = purgeExpiredHardwareIdsJob();

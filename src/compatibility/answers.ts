/**
 * Stored MIP answers: the JSON a reader gets, per customer and scope, read back with one statement
 * while none of the generations it depends on moved (./generations.ts). A reader that finds none
 * computes the answer itself and enqueues an `answer` message: the queue's consumer computes and
 * stores it, so no GET writes to D1.
 */
import { sql } from 'drizzle-orm';
import { mipAnswers } from '../../schema';
import type { Db } from '../db';
import { sitesOfServers } from '../inventory/facts';
import { placementsOfCustomer } from '../inventory/placements';
import type { Scope } from '../inventory/units';
import { CATALOG, customerKey, siteKey } from '../lib/generations';
import { mipList } from './mip';

/** The stored answer's JSON while it is current, else null. */
export async function storedAnswer(db: Db, customerId: string, scope: Scope): Promise<string | null> {
  const row = await db.$client
    .prepare(
      `select body from mip_answers a where customer_id = ?1 and scope = ?2
        and generation >= (select max(value) from compat_generations where key in (select value from json_each(a.keys)))`,
    )
    .bind(customerId, scope)
    .first<{ body: string }>();
  return row?.body ?? null;
}

/**
 * Computes the answer and stores it with the generation read before its inputs: any write after
 * that read bumps a key past it, so the stored answer can only be too old to serve, never served
 * too old. Storing again (a redelivered message) keeps the first answer of a generation.
 */
export async function storeAnswer(db: Db, customerId: string, scope: Scope): Promise<void> {
  // Several readers may have asked for the same answer: the first message stores it.
  if ((await storedAnswer(db, customerId, scope)) !== null) return;
  const before = await db.get<{ g: number | null }>(sql`select max(value) as g from compat_generations`);
  const generation = before?.g ?? 0;
  const list = await mipList(db, customerId, scope);
  const placements = await placementsOfCustomer(db, customerId);
  const sites = await sitesOfServers(db, placements.map((p) => p.serverId));
  const keys = [CATALOG, customerKey(customerId), ...sites.map(siteKey)];
  await db
    .insert(mipAnswers)
    .values({ customerId, scope, body: JSON.stringify(list), generation, keys: JSON.stringify(keys), computedAt: Date.now() })
    .onConflictDoUpdate({
      target: [mipAnswers.customerId, mipAnswers.scope],
      set: { body: sql`excluded.body`, generation: sql`excluded.generation`, keys: sql`excluded.keys`, computedAt: sql`excluded.computed_at` },
      setWhere: sql`excluded.generation > ${mipAnswers.generation}`,
    });
}

/**
 * Stored MIP answers: the JSON a reader gets, per customer and scope, read back with one statement
 * while none of the generations it depends on moved (./generations.ts). A reader that finds none
 * computes the answer itself and enqueues an `answer` message carrying it: the queue's consumer
 * stores it (computing it again only when it was too big for a message), so no GET writes to D1.
 */
import { sql } from 'drizzle-orm';
import { mipAnswers } from '../../schema';
import { customersAmong } from '../auth/store';
import type { Db } from '../db';
import { sitesOfServers } from '../inventory/facts';
import { placementsOfCustomer } from '../inventory/placements';
import type { Scope } from '../inventory/units';
import { CATALOG, customerKey, siteKey } from '../lib/generations';
import { MIP_ANSWER_MESSAGE_MAX_BYTES } from '../constants';
import { mipList } from './mip';

async function computeAnswer(db: Db, customerId: string, scope: Scope): Promise<ComputedAnswer> {
  const before = await db.get<{ g: number | null }>(sql`select max(value) as g from compat_generations`);
  return { generation: before?.g ?? 0, body: JSON.stringify(await mipList(db, customerId, scope)) };
}

/** An answer computed at `generation` (the generation read before its inputs), as JSON. */
export interface ComputedAnswer {
  generation: number;
  body: string;
}

/**
 * The stored answer's JSON while it is current (else null), and the generation now, read before
 * anything a reader would compute the answer from: one statement.
 */
export async function readAnswer(db: Db, customerId: string, scope: Scope): Promise<{ body: string | null; generation: number }> {
  const row = await db.$client
    .prepare(
      `select (select max(value) from compat_generations) as generation,
        (select body from mip_answers a where customer_id = ?1 and scope = ?2
          and generation >= (select max(value) from compat_generations where key in (select value from json_each(a.keys)))) as body`,
    )
    .bind(customerId, scope)
    .first<{ body: string | null; generation: number | null }>();
  return { body: row?.body ?? null, generation: row?.generation ?? 0 };
}

/** The stored answer's JSON while it is current, else null. */
export async function storedAnswer(db: Db, customerId: string, scope: Scope): Promise<string | null> {
  return (await readAnswer(db, customerId, scope)).body;
}

/** Has the queue store the MIP answer a reader had to compute (carried when it fits), so the next reader gets it as stored. */
export interface AnswerMessage {
  kind: 'answer';
  customerId: string;
  scope: Scope;
  computed?: ComputedAnswer;
}

/** The message for an answer a reader computed: carrying it, unless it is too big for a message. */
export function answerMessage(customerId: string, scope: Scope, computed: ComputedAnswer): AnswerMessage {
  const fits = new TextEncoder().encode(computed.body).length <= MIP_ANSWER_MESSAGE_MAX_BYTES;
  return { kind: 'answer', customerId, scope, ...(fits ? { computed } : {}) };
}

/**
 * Stores the answer a reader computed, or computes it here, with the generation read before its
 * inputs: any write after that read bumps a key past it, so the stored answer can only be too old
 * to serve, never served too old. Its keys are read after: had the customer's placements (and so
 * its sites) changed since, its own key would have moved past the generation too. Storing again (a
 * redelivered message) keeps the first answer of a generation.
 */
export async function storeAnswer(db: Db, customerId: string, scope: Scope, computed?: ComputedAnswer): Promise<void> {
  // A customer gone since a reader asked has no answer to store: the message is done, not retried.
  if (!(await customersAmong(db, [customerId])).has(customerId)) return;
  // Several readers may have asked for the same answer: the first message stores it.
  if ((await storedAnswer(db, customerId, scope)) !== null) return;
  const { generation, body } = computed ?? (await computeAnswer(db, customerId, scope));
  const placements = await placementsOfCustomer(db, customerId);
  const sites = await sitesOfServers(db, placements.map((p) => p.serverId));
  const keys = [CATALOG, customerKey(customerId), ...sites.map(siteKey)];
  await db
    .insert(mipAnswers)
    .values({ customerId, scope, body, generation, keys: JSON.stringify(keys), computedAt: Date.now() })
    .onConflictDoUpdate({
      target: [mipAnswers.customerId, mipAnswers.scope],
      set: { body: sql`excluded.body`, generation: sql`excluded.generation`, keys: sql`excluded.keys`, computedAt: sql`excluded.computed_at` },
      setWhere: sql`excluded.generation > ${mipAnswers.generation}`,
    });
}

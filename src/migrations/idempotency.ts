/**
 * Idempotency-Key (Stripe / IETF draft semantics), per caller, kept IDEMPOTENCY_TTL_MS:
 * the same key and body replay the stored response; the same key with another body is refused;
 * a duplicate arriving while the first is still being processed is told to retry later.
 */
import { and, eq, lte, sql } from 'drizzle-orm';
import { idempotencyKeys } from '../../schema';
import { sha256Hex } from '../lib/digest';
import { IDEMPOTENCY_LOCK_MS, IDEMPOTENCY_TTL_MS } from '../constants';
import type { Db } from '../db';

export type Claim =
  /** Go ahead; `requestKey` identifies this request for downstream dedupe (stable across a takeover). */
  | { kind: 'new'; requestKey: string }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

/** JSON with object keys sorted, so the hash does not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(method: string, path: string, body: unknown): Promise<string> {
  return sha256Hex(`${method} ${path}\n${canonical(body)}`);
}

const claimed = async (callerId: string, key: string, createdAt: number): Promise<Claim> => ({
  kind: 'new',
  requestKey: await sha256Hex(`${callerId}\n${key}\n${createdAt}`),
});

/** Claims `key` for this request, or says what to answer instead. */
export async function claimKey(db: Db, callerId: string, key: string, hash: string, now: number): Promise<Claim> {
  const fresh = { requestHash: hash, state: 'processing' as const, responseStatus: null, responseBody: null, lockedUntil: now + IDEMPOTENCY_LOCK_MS, createdAt: now, expiresAt: now + IDEMPOTENCY_TTL_MS };
  const thisKey = and(eq(idempotencyKeys.callerId, callerId), eq(idempotencyKeys.key, key));
  for (let tries = 0; tries < 3; tries++) {
    const inserted = await db.insert(idempotencyKeys).values({ callerId, key, ...fresh }).onConflictDoNothing().returning({ createdAt: idempotencyKeys.createdAt }).get();
    if (inserted) return claimed(callerId, key, inserted.createdAt);
    // An expired record starts over; one whose request died while processing (same body) is taken over.
    const restarted = await db.update(idempotencyKeys).set(fresh).where(and(thisKey, lte(idempotencyKeys.expiresAt, now))).returning({ createdAt: idempotencyKeys.createdAt }).get();
    if (restarted) return claimed(callerId, key, restarted.createdAt);
    const resumed = await db
      .update(idempotencyKeys)
      .set({ lockedUntil: fresh.lockedUntil })
      .where(and(thisKey, eq(idempotencyKeys.state, 'processing'), lte(idempotencyKeys.lockedUntil, now), eq(idempotencyKeys.requestHash, hash)))
      .returning({ createdAt: idempotencyKeys.createdAt })
      .get();
    if (resumed) return claimed(callerId, key, resumed.createdAt);
    const row = await db.select().from(idempotencyKeys).where(thisKey).get();
    if (!row) continue;
    if (row.requestHash !== hash) return { kind: 'mismatch' };
    if (row.state === 'done' && row.responseStatus !== null && row.responseBody !== null) return { kind: 'replay', status: row.responseStatus, body: row.responseBody };
    return { kind: 'in-progress' };
  }
  return { kind: 'in-progress' };
}

/** Stores the response to replay for this key. */
export async function completeKey(db: Db, callerId: string, key: string, status: number, body: string): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ state: 'done', responseStatus: status, responseBody: body })
    .where(and(eq(idempotencyKeys.callerId, callerId), eq(idempotencyKeys.key, key)))
    .run();
}

/** Forgets the key after a failure worth retrying (a server error), so the retry runs afresh. */
export async function releaseKey(db: Db, callerId: string, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.callerId, callerId), eq(idempotencyKeys.key, key), eq(idempotencyKeys.state, 'processing'))).run();
}

/** Deletes up to `limit` expired records; returns how many. */
export async function purgeExpiredKeys(db: Db, now: number, limit: number): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(sql`rowid IN (SELECT rowid FROM ${idempotencyKeys} WHERE ${idempotencyKeys.expiresAt} <= ${now} LIMIT ${limit})`)
    .returning({ key: idempotencyKeys.key })
    .all();
  return rows.length;
}

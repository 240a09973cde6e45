/**
 * Counting billable operations without a D1 write per call. Counts accumulate in this isolate's
 * memory, keyed by (principal, UTC day, operation), and are written as one batched upsert:
 * - at once (through ctx.waitUntil, after the response) for operations that are rare and priced
 *   high (hardware IDs, compatibility checks, migrations);
 * - for `batched` operations (SBC calls, the hot path), only when the batch is due: its oldest count
 *   is USAGE_FLUSH_INTERVAL_MS old or it holds USAGE_FLUSH_MAX_KEYS keys; the cron flushes too.
 * The trade-off, chosen over counting in the per-customer Durable Object (an RPC per end-user
 * call): an isolate evicted between two flushes loses the SBC calls it had not written yet. A failed
 * write puts its counts back for the next flush.
 */
import { USAGE_FLUSH_INTERVAL_MS, USAGE_FLUSH_MAX_KEYS, USAGE_PRICES, USAGE_SETTLE_MAX_MS } from '../constants';
import { getDb } from '../db';
import type { Env } from '../env';
import { addUsage, type UsageCount } from './store';
import { errorMessage, log } from '../lib/log';

export type BillableOperation = keyof typeof USAGE_PRICES;

const pending = new Map<string, number>();
let oldestAt = 0;
let writing = 0;

/** `YYYY-MM-DD` of a time, in UTC. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Counts `count` billable `operation`s for `principalId` today (UTC). Never throws and never waits:
 * the write, when due, runs after the response through `ctx.waitUntil`.
 */
export function recordUsage(env: Pick<Env, 'DB'>, ctx: Pick<ExecutionContext, 'waitUntil'>, principalId: string, operation: BillableOperation, count = 1): void {
  if (!Number.isSafeInteger(count) || count <= 0) return;
  const now = Date.now();
  const key = `${principalId}\n${utcDay(now)}\n${operation}`;
  pending.set(key, (pending.get(key) ?? 0) + count);
  if (oldestAt === 0) oldestAt = now;
  const due = !USAGE_PRICES[operation].batched || now - oldestAt >= USAGE_FLUSH_INTERVAL_MS || pending.size >= USAGE_FLUSH_MAX_KEYS;
  if (due) ctx.waitUntil(flushUsage(env));
}

/** Writes everything this isolate holds; returns how many keys were written. */
export async function flushUsage(env: Pick<Env, 'DB'>): Promise<number> {
  if (pending.size === 0) return 0;
  const batch: UsageCount[] = [...pending].map(([key, count]) => {
    const [principalId = '', day = '', operation = ''] = key.split('\n');
    return { principalId, day, operation, count };
  });
  pending.clear();
  oldestAt = 0;
  writing++;
  try {
    await addUsage(getDb(env.DB), batch);
    return batch.length;
  } catch (err) {
    for (const c of batch) {
      const key = `${c.principalId}\n${c.day}\n${c.operation}`;
      pending.set(key, (pending.get(key) ?? 0) + c.count);
    }
    oldestAt ||= Date.now();
    log('error', 'usage.flush-failed', { keys: batch.length, message: errorMessage(err) });
    return 0;
  } finally {
    writing--;
  }
}

/**
 * Before a usage report: lets writes that other requests of this isolate have in flight land
 * (bounded wait), then writes what is left, so the report includes every count this isolate saw.
 */
export async function settleUsage(env: Pick<Env, 'DB'>): Promise<void> {
  const deadline = Date.now() + USAGE_SETTLE_MAX_MS;
  while (writing > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  await flushUsage(env);
}

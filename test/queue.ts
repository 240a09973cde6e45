/**
 * Emptying the local queue when a test file ends (test/setup.ts), through the Worker's queue handler
 * as the tests run it (test/worker.ts).
 *
 * Why: a runtime serves several files one after another and `reset()` empties its storage before
 * each, but not its queue. Messages a file left pending (MIP answers to store, recompute pages, their
 * retries) would run against the next file's emptied database, fail there on missing rows, be
 * retried five times, and could change the next file's world. The local queue (Miniflare's broker)
 * delivers one batch at a time, in order, and has no purge, so the setup empties it the only way the
 * Worker sees it: it sends a mark and drops everything delivered until the mark comes back. A round
 * that dropped nothing before its mark proves the queue empty (a dropped message is acknowledged, so
 * it is never retried), and the batch that was being handled when emptying began has ended.
 */
import { vi } from 'vitest';
import type { QueueMessage } from '../src/reconcile/queue';

/** The message the setup sends to find the end of the queue; only `dropping()` ever sees it. */
export interface Mark {
  kind: 'test.queue-mark';
  round: number;
}
const isMark = (body: QueueMessage | Mark): body is Mark => body.kind === 'test.queue-mark';

/** Long enough for the batch being handled to end (a recompute page, say) on a loaded machine. */
const QUEUE_EMPTIED_WITHIN_MS = 50_000;

/** Set while the queue is being emptied: delivered messages are then dropped, not handled. */
let emptying: { dropped: number; marks: Set<number> } | null = null;

/** The Worker's queue handler, or, while the queue is being emptied, one that drops what comes. */
export function dropping<Env>(handle: (batch: MessageBatch<QueueMessage>, env: Env, ctx: ExecutionContext) => Promise<void>) {
  return async (batch: MessageBatch<QueueMessage | Mark>, env: Env, ctx: ExecutionContext): Promise<void> => {
    if (emptying === null) return handle(batch as MessageBatch<QueueMessage>, env, ctx);
    for (const message of batch.messages) {
      if (isMark(message.body)) emptying.marks.add(message.body.round);
      else emptying.dropped++;
      message.ack();
    }
  };
}

/**
 * Drops every message the queue still holds, after the batch being handled, if any, has ended.
 * Messages sent later are dropped too, until `handleQueue()`.
 */
export async function emptyQueue(queue: Queue<QueueMessage>): Promise<void> {
  const state = { dropped: 0, marks: new Set<number>() };
  emptying = state;
  for (let round = 0; ; round++) {
    const before = state.dropped;
    await (queue as Queue<QueueMessage | Mark>).send({ kind: 'test.queue-mark', round });
    // Polled: the handler runs in another request's context, and a promise it resolved would not wake this one.
    await vi.waitUntil(() => state.marks.has(round), { timeout: QUEUE_EMPTIED_WITHIN_MS, interval: 5 });
    if (state.dropped === before) return;
  }
}

/** Messages are handled by the Worker again. */
export function handleQueue(): void {
  emptying = null;
}

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
 *
 * The Worker imports this module (test/worker.ts), so it imports nothing of vitest's.
 */
import type { QueueMessage } from '../src/reconcile/queue';

/** The message the setup sends to find the end of the queue; never handed to the Worker. */
export interface Mark {
  kind: 'test.queue-mark';
  /** Which emptying sent it: a mark that comes back after its emptying gave up is no other's. */
  token: string;
  round: number;
}
const isMark = (body: QueueMessage | Mark): body is Mark => body.kind === 'test.queue-mark';

/** How long emptying waits for its marks before giving up (a recompute page on a loaded machine can take long). */
export const QUEUE_EMPTIED_WITHIN_MS = 120_000;

interface Emptying {
  token: string;
  dropped: number;
  batches: number;
  marks: Set<number>;
}
/**
 * The emptying under way, if any. Kept on the isolate's global object rather than in this module:
 * the Worker's handler and the setup must see the same one even if the module is evaluated twice.
 */
const holder = globalThis as unknown as Record<symbol, { emptying: Emptying | null } | undefined>;
const shared = (holder[Symbol.for('inplace.test.queue-emptying')] ??= { emptying: null });

/** The Worker's queue handler, minus the setup's marks; while the queue is being emptied, it drops what comes. */
export function dropping<Env>(handle: (batch: MessageBatch<QueueMessage>, env: Env, ctx: ExecutionContext) => Promise<void>) {
  return async (batch: MessageBatch<QueueMessage | Mark>, env: Env, ctx: ExecutionContext): Promise<void> => {
    const { emptying } = shared;
    const messages: Message<QueueMessage>[] = [];
    for (const message of batch.messages) {
      if (isMark(message.body)) {
        if (message.body.token === emptying?.token) emptying.marks.add(message.body.round);
        message.ack();
      } else messages.push(message as Message<QueueMessage>);
    }
    if (emptying) {
      emptying.batches++;
      emptying.dropped += messages.length;
      for (const message of messages) message.ack();
    } else if (messages.length === batch.messages.length) {
      await handle(batch as MessageBatch<QueueMessage>, env, ctx);
    } else if (messages.length > 0) {
      await handle({ queue: batch.queue, metadata: batch.metadata, messages, ackAll: () => batch.ackAll(), retryAll: (options) => batch.retryAll(options) }, env, ctx);
    }
  };
}

/**
 * Drops every message the queue holds, after the batch being handled, if any, has ended; the
 * Worker handles messages again when it returns. Gives up after `withinMs` with a warning (what is
 * left then runs in the next file, as it would without emptying) rather than failing the file.
 */
export async function emptyQueue(queue: Queue<QueueMessage>, withinMs = QUEUE_EMPTIED_WITHIN_MS): Promise<void> {
  const emptying: Emptying = { token: crypto.randomUUID(), dropped: 0, batches: 0, marks: new Set() };
  const deadline = Date.now() + withinMs;
  shared.emptying = emptying;
  try {
    for (let round = 0; ; round++) {
      const before = emptying.dropped;
      await (queue as Queue<QueueMessage | Mark>).send({ kind: 'test.queue-mark', token: emptying.token, round });
      // Polled: the handler runs in another request's context, and a promise it resolved would not wake this one.
      while (!emptying.marks.has(round) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      if (!emptying.marks.has(round)) {
        console.warn(`test/queue.ts: the queue was not emptied within ${withinMs} ms (round ${round}: ${emptying.batches} batches came, ${emptying.dropped} messages dropped); what is left runs in the next file`);
        return;
      }
      if (emptying.dropped === before) return;
    }
  } finally {
    if (shared.emptying === emptying) shared.emptying = null;
  }
}

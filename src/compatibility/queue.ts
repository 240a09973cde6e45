/**
 * The recompute queue (Cloudflare Queues, binding RECOMPUTE): its messages and its consumer. Every
 * message is idempotent, so a redelivery or a duplicate changes nothing more; a message that throws
 * is retried by the queue, and what it still misses the cron repairs (./recompute.ts).
 */
import { getDb } from '../db';
import { refreshPending } from '../disclosure/store';
import type { Env } from '../env';
import { storeAnswer, type AnswerMessage } from './answers';
import { planPass, runPage, sender } from './passes';
import { rebuildRacks, recomputeForServers } from './recompute';
import { platformsForCensus, platformsWithSlots } from './store';
import { errorMessage, log } from '../lib/log';

export type RecomputeMessage =
  /** Cut a platform's pass into pages and enqueue them (or the ones not done yet). */
  | { kind: 'plan'; platformId: string; revision: number; pageServers?: number }
  /** One page of a platform's pass. */
  | { kind: 'page'; platformId: string; revision: number; page: number }
  /** Servers whose properties or capacity changed: every slot of their rows, and their units. */
  | { kind: 'servers'; ids: string[] }
  /** One page of a full rebuild: every slot of the servers in racks `fromRack` ≤ rack < `until`. */
  | { kind: 'racks'; fromRack: string; until: string | null }
  | AnswerMessage
  /** Refresh the released records of the sites recomputed pages marked (a no-op once done). */
  | { kind: 'released' };

/**
 * Messages that recompute server rows, and so mark their sites' released records pending, and a
 * pass's plan, sent with every site marked for its census.
 */
const MARKING: ReadonlySet<RecomputeMessage['kind']> = new Set(['servers', 'racks', 'page', 'plan']);

async function handle(env: Env, msg: RecomputeMessage): Promise<void> {
  const db = getDb(env.DB);
  switch (msg.kind) {
    case 'plan':
      return planPass(db, sender(env.RECOMPUTE), msg);
    case 'page': {
      const platforms = await platformsWithSlots(db);
      const p = platforms.find((x) => x.platform.id === msg.platformId);
      if (p) await runPage(db, p, platforms, msg);
      return;
    }
    case 'servers':
      await recomputeForServers(db, msg.ids);
      return;
    case 'racks':
      await rebuildRacks(db, msg.fromRack, msg.until);
      return;
    case 'answer':
      return storeAnswer(db, msg.customerId, msg.scope, msg.computed);
    case 'released':
      await refreshPending(db, platformsForCensus);
      return;
  }
}

/**
 * The Worker's `queue` handler: each message acknowledged on its own, retried alone if it fails. A
 * batch that recomputed rows ends with one `released` message, queued behind the pages still
 * waiting, so a whole upsert or pass refreshes each site's released records about once (the cron
 * refreshes what a lost message left pending).
 */
export async function consumeRecompute(messages: readonly Message<RecomputeMessage>[], env: Env): Promise<void> {
  for (const message of messages) {
    try {
      await handle(env, message.body);
      message.ack();
    } catch (err) {
      log('error', 'recompute.failed', { kind: message.body.kind, attempts: message.attempts, message: errorMessage(err) });
      message.retry();
    }
  }
  if (messages.some((m) => MARKING.has(m.body.kind))) await sender(env.RECOMPUTE)([{ kind: 'released' }]);
}

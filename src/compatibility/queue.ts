/**
 * The recompute queue (Cloudflare Queues, binding RECOMPUTE): its messages and its consumer. Every
 * message is idempotent, so a redelivery or a duplicate changes nothing more; a message that throws
 * is retried by the queue, and what it still misses the cron repairs (./recompute.ts).
 */
import { getDb } from '../db';
import { pendingSites, refreshPending } from '../disclosure/store';
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
  /** Refresh the released records and census of the longest-waiting pending site (a no-op once none is). */
  | { kind: 'released' };

/** Handles one message; true when it may have left sites pending, so that a `released` must follow. */
async function handle(env: Env, msg: RecomputeMessage): Promise<boolean> {
  const db = getDb(env.DB);
  switch (msg.kind) {
    case 'plan':
      await planPass(db, sender(env.RECOMPUTE), msg);
      return false;
    case 'page': {
      const platforms = await platformsWithSlots(db);
      const p = platforms.find((x) => x.platform.id === msg.platformId);
      return p ? (await runPage(db, p, platforms, msg)) > 0 : false;
    }
    case 'servers':
      return (await recomputeForServers(db, msg.ids)).servers > 0;
    case 'racks':
      return (await rebuildRacks(db, msg.fromRack, msg.until)).servers > 0;
    case 'answer':
      await storeAnswer(db, msg.customerId, msg.scope, msg.computed);
      return false;
    case 'released': {
      // One site per message; the others in a message of their own. A site marked again meanwhile
      // has its own `released` coming from whatever marked it, so the chain ends with the last site.
      const waiting = await pendingSites(db);
      if (waiting) await refreshPending(db, platformsForCensus, Date.now(), 1);
      return waiting > 1;
    }
  }
}

/**
 * The Worker's `queue` handler: each message acknowledged on its own, retried alone if it fails. A
 * batch that recomputed rows, or refreshed a site while others wait, ends with one `released`
 * message, queued behind the messages still waiting: marks made meanwhile coalesce, so a whole
 * upsert or pass refreshes each site about once, a site per message (the cron refreshes what a lost
 * message left pending).
 */
export async function consumeRecompute(messages: readonly Message<RecomputeMessage>[], env: Env): Promise<void> {
  let pending = false;
  for (const message of messages) {
    try {
      pending = (await handle(env, message.body)) || pending;
      message.ack();
    } catch (err) {
      log('error', 'recompute.failed', { kind: message.body.kind, attempts: message.attempts, message: errorMessage(err) });
      message.retry();
    }
  }
  if (pending) await sender(env.RECOMPUTE)([{ kind: 'released' }]);
}

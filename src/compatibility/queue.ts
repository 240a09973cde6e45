/**
 * The recompute queue (Cloudflare Queues, binding RECOMPUTE): its messages and its consumer. Every
 * message is idempotent, so a redelivery or a duplicate changes nothing more; a message that throws
 * is retried by the queue, and what it still misses the cron repairs (./recompute.ts).
 */
import { getDb } from '../db';
import { pendingSites } from '../disclosure/store';
import type { Env } from '../env';
import { storeAnswer, type AnswerMessage } from './answers';
import { planPass, runPage, sender } from './passes';
import { rebuildRacks, recomputeForServers } from './recompute';
import { refreshCensus } from './revoked';
import { platformsWithSlots } from './store';
import { errorMessage, log } from '../lib/log';
import { DISCLOSE_REFRESH_SERVERS } from '../constants';

export type RecomputeMessage =
  /** Cut a platform's pass into pages and enqueue them (or the ones not done yet). */
  | { kind: 'plan'; platformId: string; revision: number; pageServers?: number }
  /** One page of a platform's pass (`pageServers`: its bound, COMPAT_PAGE_SERVERS unless a test sets it). */
  | { kind: 'page'; platformId: string; revision: number; page: number; pageServers?: number }
  /** Servers whose properties or capacity changed: every slot of their rows, and their units. */
  | { kind: 'servers'; ids: string[] }
  /** One page of a full rebuild: every slot of the servers in racks `fromRack` ≤ rack < `until`. */
  | { kind: 'racks'; fromRack: string; until: string | null; pageServers?: number }
  | AnswerMessage
  /**
   * Refresh the released records and census of the longest-waiting pending sites, as many as hold
   * `servers` (DISCLOSE_REFRESH_SERVERS) together, at least one; a no-op once none is pending.
   */
  | { kind: 'released'; servers?: number };

/** Handles one message; the `released` to follow when it may have left sites pending. */
async function handle(env: Env, msg: RecomputeMessage): Promise<RecomputeMessage | null> {
  const db = getDb(env.DB);
  const released: RecomputeMessage = { kind: 'released' };
  switch (msg.kind) {
    case 'plan':
      await planPass(db, sender(env.RECOMPUTE), msg);
      return null;
    case 'page': {
      const platforms = await platformsWithSlots(db);
      const p = platforms.find((x) => x.platform.id === msg.platformId);
      return p && (await runPage(db, sender(env.RECOMPUTE), p, platforms, msg)) > 0 ? released : null;
    }
    case 'servers':
      return (await recomputeForServers(db, msg.ids)).servers > 0 ? released : null;
    case 'racks':
      return (await rebuildRacks(db, sender(env.RECOMPUTE), msg)).servers > 0 ? released : null;
    case 'answer':
      await storeAnswer(db, msg.customerId, msg.scope, msg.computed);
      return null;
    case 'released': {
      // A bounded step; the sites left in a message of their own. A site marked again meanwhile
      // has its own `released` coming from whatever marked it, so the chain ends with the last site.
      const waiting = await pendingSites(db);
      const { sites } = waiting ? await refreshCensus(db, msg.servers ?? DISCLOSE_REFRESH_SERVERS) : { sites: 0 };
      return waiting > sites ? msg : null;
    }
  }
}

/**
 * The Worker's `queue` handler: each message acknowledged on its own, retried alone if it fails. A
 * batch that recomputed rows, or refreshed sites while others wait, ends with one `released`
 * message, queued behind the messages still waiting: marks made meanwhile coalesce, so a whole
 * upsert or pass refreshes each site about once, in bounded steps (the cron refreshes what a lost
 * message left pending).
 */
export async function consumeRecompute(messages: readonly Message<RecomputeMessage>[], env: Env): Promise<void> {
  let next: RecomputeMessage | null = null;
  for (const message of messages) {
    try {
      next = (await handle(env, message.body)) ?? next;
      message.ack();
    } catch (err) {
      log('error', 'recompute.failed', { kind: message.body.kind, attempts: message.attempts, message: errorMessage(err) });
      message.retry();
    }
  }
  if (next) await sender(env.RECOMPUTE)([next]);
}

/**
 * Per-isolate outcome counters: every proxied call is counted here, and the counts go to the
 * customer's coordinator in one RPC per flush (at most every SBC_FLUSH_INTERVAL_MS, or after
 * SBC_FLUSH_MAX_CALLS calls, or at once when B failures from enough distinct clients in this isolate
 * alone could trip the analysis). Besides the raw counts, end-user calls made while B serves are
 * kept per client, at most SBC_CLIENT_MAX_OUTCOMES each (the coordinator caps them again across
 * isolates). No D1 write, and no coordinator call, per end-user call.
 */
import { SBC_ANALYSIS_BOUNDS, SBC_CLIENT_MAX_OUTCOMES, SBC_FLUSH_INTERVAL_MS, SBC_FLUSH_MAX_CALLS } from '../constants';
import type { Env } from '../env';
import { coordinatorFor } from '../lib/coordinator';
import type { ClientOutcomes } from './analysis';
import type { Side } from './assign';
import type { Attribution } from './attribution';
import { remember } from './split-cache';
import type { Counts, OutcomeBatch } from './traffic-state';

interface Pending {
  batch: OutcomeBatch;
  /** The batch's client entries by side and client. */
  clients: Map<string, ClientOutcomes>;
  calls: number;
  failingClientsOnB: Set<string>;
  since: number;
}

const pending = new Map<string, Pending>();
/** Flushes under way, per customer, so a reader can wait for what this isolate already sent. */
const inflight = new Map<string, Promise<void>>();

export interface Outcome {
  platformId: string;
  side: Side;
  epoch: number;
  attribution: Attribution;
  /** Upstream status, or null when the fetch failed. */
  status: number | null;
  latencyMs: number;
  /** Who made an end-user call while B serves (the analysis counts it); null otherwise, smoke tests included. */
  analysed: { client: string; session: string } | null;
}

export function recordOutcome(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, customerId: string, o: Outcome, now = Date.now()): void {
  let p = pending.get(customerId);
  if (!p || p.batch.epoch !== o.epoch) {
    if (p) ctx.waitUntil(flush(env, customerId));
    p = { batch: { epoch: o.epoch, platforms: {}, clients: [] }, clients: new Map(), calls: 0, failingClientsOnB: new Set(), since: now };
    pending.set(customerId, p);
  }
  const c: Counts = (p.batch.platforms[o.platformId] ??= { requests: 0, errors: 0, upstreamFailures: 0, latencyMsSum: 0 });
  c.requests++;
  c.latencyMsSum += Math.round(o.latencyMs);
  const failed = o.attribution === 'platform-failure';
  if (failed && o.status === null) c.upstreamFailures++;
  else if (failed) c.errors++;
  p.calls++;
  if (o.analysed && o.attribution !== 'neutral') {
    const key = `${o.side}\u0000${o.analysed.client}`;
    let entry = p.clients.get(key);
    if (!entry) {
      entry = { side: o.side, client: o.analysed.client, outcomes: [] };
      p.clients.set(key, entry);
      p.batch.clients.push(entry);
    }
    if (entry.outcomes.length < SBC_CLIENT_MAX_OUTCOMES) {
      entry.outcomes.push({ failed, session: o.analysed.session });
      if (failed && o.side === 'B') p.failingClientsOnB.add(o.analysed.client);
    }
  }
  if (now - p.since >= SBC_FLUSH_INTERVAL_MS || p.calls >= SBC_FLUSH_MAX_CALLS || p.failingClientsOnB.size >= SBC_ANALYSIS_BOUNDS.minClients.min) {
    ctx.waitUntil(flush(env, customerId));
  }
}

/** Sends this isolate's counts for one customer to its coordinator, after any flush already under way. */
export function flush(env: Env, customerId: string): Promise<void> {
  const p = pending.get(customerId);
  pending.delete(customerId);
  const previous = inflight.get(customerId) ?? Promise.resolve();
  const next = previous.then(async () => {
    if (!p || p.calls === 0) return;
    const result = await coordinatorFor(env, customerId).recordTraffic(customerId, p.batch);
    if (result.rolledBack) remember(customerId, await coordinatorFor(env, customerId).trafficView(customerId));
  });
  const tracked = next.finally(() => {
    if (inflight.get(customerId) === tracked) inflight.delete(customerId);
  });
  inflight.set(customerId, tracked);
  return tracked;
}

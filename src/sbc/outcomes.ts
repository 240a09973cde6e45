/**
 * Per-isolate outcome counters: every proxied call is counted here, and the counts go to the
 * customer's coordinator in one RPC per flush (at most every SBC_FLUSH_INTERVAL_MS, or after
 * SBC_FLUSH_MAX_CALLS calls, or at once when B failures in this isolate alone could trip the rollback).
 * No D1 write, and no coordinator call, per end-user call.
 */
import { SBC_FLUSH_INTERVAL_MS, SBC_FLUSH_MAX_CALLS, SBC_MIN_REQUESTS } from '../constants';
import type { Env } from '../env';
import { coordinatorFor } from '../migrations/coordinator-client';
import { remember } from './split-cache';
import type { Counts, OutcomeBatch } from './traffic-state';

interface Pending {
  batch: OutcomeBatch;
  calls: number;
  failuresOnB: number;
  since: number;
}

const pending = new Map<string, Pending>();
/** Flushes under way, per customer, so a reader can wait for what this isolate already sent. */
const inflight = new Map<string, Promise<void>>();

export interface Outcome {
  platformId: string;
  onB: boolean;
  epoch: number;
  /** Upstream status, or null when the upstream could not be reached. */
  status: number | null;
  latencyMs: number;
}

export function recordOutcome(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, customerId: string, o: Outcome, now = Date.now()): void {
  let p = pending.get(customerId);
  if (!p || p.batch.epoch !== o.epoch) {
    if (p) ctx.waitUntil(flush(env, customerId));
    p = { batch: { epoch: o.epoch, platforms: {} }, calls: 0, failuresOnB: 0, since: now };
    pending.set(customerId, p);
  }
  const c: Counts = (p.batch.platforms[o.platformId] ??= { requests: 0, errors: 0, upstreamFailures: 0, latencyMsSum: 0 });
  c.requests++;
  c.latencyMsSum += Math.round(o.latencyMs);
  const failed = o.status === null || o.status >= 500;
  if (o.status === null) c.upstreamFailures++;
  else if (o.status >= 500) c.errors++;
  p.calls++;
  if (failed && o.onB) p.failuresOnB++;
  if (now - p.since >= SBC_FLUSH_INTERVAL_MS || p.calls >= SBC_FLUSH_MAX_CALLS || p.failuresOnB >= SBC_MIN_REQUESTS) {
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

/**
 * Per-isolate cache of each customer's split. Fresh for SBC_SPLIT_TTL_MS; then served while one
 * background refresh runs, up to SBC_SPLIT_MAX_STALE_MS; past that a call waits for the coordinator.
 * Staleness cannot move a session back to A: the signed cookie remembers B (see assign.ts).
 */
import { SBC_SPLIT_CACHE_MAX_ENTRIES, SBC_SPLIT_MAX_STALE_MS, SBC_SPLIT_TTL_MS } from '../constants';
import type { Env } from '../env';
import { coordinatorFor } from '../lib/coordinator';
import type { TrafficView } from './traffic-state';

interface Entry {
  view: TrafficView | null;
  at: number;
  refreshing: Promise<TrafficView | null> | null;
}

const cache = new Map<string, Entry>();

function refresh(env: Env, customerId: string): Promise<TrafficView | null> {
  const p = coordinatorFor(env, customerId)
    .trafficView(customerId)
    .then((view) => remember(customerId, view))
    .finally(() => {
      const e = cache.get(customerId);
      if (e?.refreshing === p) e.refreshing = null;
    });
  const e = cache.get(customerId);
  if (e) e.refreshing = p;
  return p;
}

/** Stores what a coordinator just said (also used by API calls that changed the split). */
export function remember(customerId: string, view: TrafficView | null, now = Date.now()): TrafficView | null {
  if (cache.size >= SBC_SPLIT_CACHE_MAX_ENTRIES && !cache.has(customerId)) cache.clear();
  const previous = cache.get(customerId);
  // Never replace a newer split with an older answer that arrived late.
  if (previous?.view && view && previous.view.updatedAt > view.updatedAt && previous.view.epoch >= view.epoch) return previous.view;
  cache.set(customerId, { view, at: now, refreshing: previous?.refreshing ?? null });
  return view;
}

/** The split changed through this isolate (a steering call or progress report): ask again next time. */
export function forgetSplit(customerId: string): void {
  cache.delete(customerId);
}

export async function currentSplit(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, customerId: string, now = Date.now()): Promise<TrafficView | null> {
  const e = cache.get(customerId);
  if (e && now - e.at < SBC_SPLIT_TTL_MS) return e.view;
  if (e && now - e.at < SBC_SPLIT_MAX_STALE_MS) {
    if (!e.refreshing) ctx.waitUntil(refresh(env, customerId));
    return e.view;
  }
  return e?.refreshing ?? refresh(env, customerId);
}

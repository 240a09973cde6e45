/**
 * A customer's traffic state, kept inside its coordinator Durable Object (the single writer): which
 * platform serves as A, which as B, B's weight, the epoch, and raw per-platform outcome counts in
 * short buckets (what the traffic API shows; the analysis keeps its own, see analysis.ts). Plain
 * functions over the object's SQLite storage.
 */
import { SBC_BUCKET_MS, SBC_WEIGHT_SCALE, SBC_WINDOW_MS, SBC_WINDOWS_KEPT } from '../constants';
import type { ClientOutcomes } from './analysis';

export interface Upstream {
  platformId: string;
  providerId: string;
  upstreamUrl: string;
}

export interface TrafficView {
  customerId: string;
  epoch: number;
  weightB: number;
  a: Upstream | null;
  b: Upstream | null;
  migrationId: string | null;
  /** When the current shift began (the analysis starts afresh then). */
  shiftStartedAt: number;
  /** When A was last read from the inventory (to notice placements changed outside migrations). */
  refreshedAt: number;
  updatedAt: number;
}

export interface Counts {
  requests: number;
  errors: number;
  upstreamFailures: number;
  latencyMsSum: number;
}

export interface OutcomeBatch {
  epoch: number;
  /** Raw counts per platform id: every call, whoever failed it. */
  platforms: Record<string, Counts>;
  /** End-user calls while B serves, per client and side, for the analysis. */
  clients: ClientOutcomes[];
}

/** The coordinator's traffic tables (see src/migrations/STORAGE.md). */
export const TRAFFIC_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS traffic (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    view TEXT NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS traffic_buckets (
    bucket_start INTEGER NOT NULL,
    platform_id TEXT NOT NULL,
    requests INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    upstream_failures INTEGER NOT NULL,
    latency_ms_sum INTEGER NOT NULL,
    PRIMARY KEY (bucket_start, platform_id)
  )`,
  `CREATE TABLE IF NOT EXISTS traffic_totals (
    platform_id TEXT PRIMARY KEY,
    requests INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    upstream_failures INTEGER NOT NULL,
    latency_ms_sum INTEGER NOT NULL
  )`,
];

export function readTraffic(sql: SqlStorage): TrafficView | null {
  const row = sql.exec<{ view: string }>('SELECT view FROM traffic WHERE id = 1').toArray()[0];
  return row ? (JSON.parse(row.view) as TrafficView) : null;
}

export function writeTraffic(sql: SqlStorage, view: TrafficView): TrafficView {
  sql.exec('INSERT INTO traffic (id, view) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET view = excluded.view', JSON.stringify(view));
  return view;
}

export function emptyTraffic(customerId: string, a: Upstream | null, now: number): TrafficView {
  return { customerId, epoch: 1, weightB: 0, a, b: null, migrationId: null, shiftStartedAt: now, refreshedAt: now, updatedAt: now };
}

/** B arrives (deployment done) at weight 0. */
export function beginShift(view: TrafficView, b: Upstream, migrationId: string, now: number): TrafficView {
  return { ...view, b, migrationId, weightB: 0, shiftStartedAt: now, updatedAt: now };
}

/** The share of the data migrated, in basis points. */
export function dataShare(done: number, total: number | null): number {
  return total ? Math.min(SBC_WEIGHT_SCALE, Math.floor((done / total) * SBC_WEIGHT_SCALE)) : 0;
}

/** B's share rises to `weightB` (progress, or a traffic schedule), and never goes down. */
export function raiseB(view: TrafficView, weightB: number, now: number): TrafficView {
  return view.b && weightB > view.weightB ? { ...view, weightB, updatedAt: now } : view;
}

/** Every session back to A; a new epoch so sessions remembered on B lapse. */
export function rollBack(view: TrafficView, now: number): TrafficView {
  return { ...view, weightB: 0, b: null, migrationId: null, epoch: view.epoch + 1, updatedAt: now };
}

/** Cut-over done: B becomes the customer's only platform (the new A). */
export function complete(view: TrafficView, now: number): TrafficView {
  return { ...view, a: view.b ?? view.a, b: null, weightB: 0, migrationId: null, epoch: view.epoch + 1, updatedAt: now };
}

/** Adds a batch of SBC outcomes; old buckets are dropped. */
export function addOutcomes(sql: SqlStorage, batch: OutcomeBatch, now: number): void {
  const bucket = now - (now % SBC_BUCKET_MS);
  for (const [platformId, c] of Object.entries(batch.platforms)) {
    for (const table of ['traffic_buckets', 'traffic_totals'] as const) {
      const key = table === 'traffic_buckets' ? 'bucket_start, platform_id' : 'platform_id';
      const keyValues = table === 'traffic_buckets' ? [bucket, platformId] : [platformId];
      sql.exec(
        `INSERT INTO ${table} (${key}, requests, errors, upstream_failures, latency_ms_sum) VALUES (${keyValues.map(() => '?').join(', ')}, ?, ?, ?, ?)
         ON CONFLICT (${key}) DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors,
           upstream_failures = upstream_failures + excluded.upstream_failures, latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum`,
        ...keyValues,
        c.requests,
        c.errors,
        c.upstreamFailures,
        c.latencyMsSum,
      );
    }
  }
  sql.exec('DELETE FROM traffic_buckets WHERE bucket_start < ?', now - SBC_WINDOWS_KEPT * SBC_WINDOW_MS);
}

export function windowCounts(sql: SqlStorage, platformId: string, since: number): Counts {
  const row = sql
    .exec<{ requests: number | null; errors: number | null; uf: number | null; lat: number | null }>(
      `SELECT sum(requests) AS requests, sum(errors) AS errors, sum(upstream_failures) AS uf, sum(latency_ms_sum) AS lat
       FROM traffic_buckets WHERE platform_id = ? AND bucket_start >= ?`,
      platformId,
      since,
    )
    .toArray()[0];
  return { requests: row?.requests ?? 0, errors: row?.errors ?? 0, upstreamFailures: row?.uf ?? 0, latencyMsSum: row?.lat ?? 0 };
}

export function totals(sql: SqlStorage): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  for (const r of sql.exec<{ platform_id: string; requests: number; errors: number; upstream_failures: number; latency_ms_sum: number }>('SELECT * FROM traffic_totals')) {
    out[r.platform_id] = { requests: r.requests, errors: r.errors, upstreamFailures: r.upstream_failures, latencyMsSum: r.latency_ms_sum };
  }
  return out;
}

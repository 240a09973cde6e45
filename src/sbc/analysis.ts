/**
 * The analysis that decides whether platform B is failing the customer's end users, kept inside the
 * customer's coordinator. It is built so that only the platform can fail it:
 *
 * - Only platform failures count (attribution.ts): 5xx and upstream transport failures, never a 4xx
 *   or a client's own broken body.
 * - Each client (an address, see clients.ts) adds at most SBC_CLIENT_MAX_OUTCOMES outcomes per side
 *   and window, wherever its calls land; a breach needs failures from `minClients` distinct clients
 *   and as many distinct sessions. Transport failures are capped like the rest: exempting them would
 *   weigh one client's failures against capped successes.
 * - Canary against baseline: B's failure rate is judged against A's over the same window; B breaches
 *   only by exceeding A by more than `threshold`, and significantly (SBC_CANARY_MIN_Z), so failures
 *   that hit both platforms roll nothing back. With fewer than SBC_BASELINE_MIN_CALLS A outcomes in
 *   the window (B near 100 %), A counts as 0.
 *
 * Plain functions over the coordinator's SQLite storage; see src/migrations/STORAGE.md.
 */
import {
  SBC_ANALYSIS_BOUNDS,
  SBC_ANALYSIS_DEFAULTS,
  SBC_BASELINE_MIN_CALLS,
  SBC_BUCKET_MS,
  SBC_CANARY_MIN_Z,
  SBC_CLIENT_MAX_OUTCOMES,
} from '../constants';
import type { Actor } from '../lib/lifecycle';
import { first, run } from '../lib/do-sql';
import type { Side } from './assign';

export type AnalysisAction = 'rollback' | 'pause';

export interface AnalysisSettings {
  /** How far B's failure rate may exceed A's (0–1). */
  threshold: number;
  windowSeconds: number;
  minCalls: number;
  minClients: number;
  action: AnalysisAction;
}

export interface StoredSettings {
  settings: AnalysisSettings;
  /** Null while the defaults apply. */
  setBy: Actor | null;
  setAt: number | null;
}

/** What one isolate saw of one client on one side, in order, at most SBC_CLIENT_MAX_OUTCOMES. */
export interface ClientOutcomes {
  side: Side;
  client: string;
  outcomes: { failed: boolean; session: string }[];
}

export interface SideStats {
  calls: number;
  failures: number;
  failureRate: number;
  clients: number;
  failingClients: number;
}

export interface Verdict {
  kind: 'healthy' | 'inconclusive' | 'breach';
  reason: string;
  b: SideStats & { failingSessions: number };
  a: SideStats;
  /** `A` when A had SBC_BASELINE_MIN_CALLS outcomes in the window; otherwise B is judged against 0. */
  baseline: 'A' | 'none';
  /** B's failure rate minus the baseline's. */
  excess: number;
  /** One-sided two-proportion z-score of B against A; null without a baseline. */
  z: number | null;
}

export const ANALYSIS_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS traffic_analysis (
    migration_id TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    set_by_id TEXT NOT NULL,
    set_by_kind TEXT NOT NULL,
    set_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS traffic_clients (
    side TEXT NOT NULL,
    client TEXT NOT NULL,
    bucket_start INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    PRIMARY KEY (side, client, bucket_start)
  )`,
  'CREATE INDEX IF NOT EXISTS traffic_clients_by_bucket ON traffic_clients (bucket_start)',
  `CREATE TABLE IF NOT EXISTS traffic_failed_sessions (
    session TEXT NOT NULL,
    bucket_start INTEGER NOT NULL,
    PRIMARY KEY (session, bucket_start)
  )`,
  'CREATE INDEX IF NOT EXISTS traffic_failed_sessions_by_bucket ON traffic_failed_sessions (bucket_start)',
];

export function readSettings(sql: SqlStorage, migrationId: string | null): StoredSettings {
  const row = migrationId
    ? first<{ settings: string; set_by_id: string; set_by_kind: Actor['kind']; set_at: number }>(sql, 'SELECT * FROM traffic_analysis WHERE migration_id = ?', migrationId)
    : null;
  if (!row) return { settings: { ...SBC_ANALYSIS_DEFAULTS }, setBy: null, setAt: null };
  return { settings: JSON.parse(row.settings) as AnalysisSettings, setBy: { id: row.set_by_id, kind: row.set_by_kind }, setAt: row.set_at };
}

export function writeSettings(sql: SqlStorage, migrationId: string, settings: AnalysisSettings, setBy: Actor, now: number): void {
  run(
    sql,
    `INSERT INTO traffic_analysis (migration_id, settings, set_by_id, set_by_kind, set_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (migration_id) DO UPDATE SET settings = excluded.settings, set_by_id = excluded.set_by_id, set_by_kind = excluded.set_by_kind, set_at = excluded.set_at`,
    migrationId,
    JSON.stringify(settings),
    setBy.id,
    setBy.kind,
    now,
  );
}

/** Forgets every counted outcome: a new shift, or a migration the analysis paused, starts afresh. */
export function clearOutcomes(sql: SqlStorage): void {
  run(sql, 'DELETE FROM traffic_clients');
  run(sql, 'DELETE FROM traffic_failed_sessions');
}

/** Buckets in the window ending now start after this. */
function windowFloor(windowSeconds: number, now: number): number {
  return now - windowSeconds * 1000;
}

/** Adds what isolates saw, each client within its cap for the window; drops what no window reaches. */
export function addClientOutcomes(sql: SqlStorage, entries: ClientOutcomes[], windowSeconds: number, now: number): void {
  const bucket = now - (now % SBC_BUCKET_MS);
  const floor = windowFloor(windowSeconds, now);
  for (const e of entries) {
    const used = first<{ used: number }>(
      sql,
      'SELECT coalesce(sum(calls), 0) AS used FROM traffic_clients WHERE side = ? AND client = ? AND bucket_start > ?',
      e.side,
      e.client,
      floor,
    )!.used;
    const taken = e.outcomes.slice(0, Math.max(0, SBC_CLIENT_MAX_OUTCOMES - used));
    if (!taken.length) continue;
    const failed = taken.filter((o) => o.failed);
    run(
      sql,
      `INSERT INTO traffic_clients (side, client, bucket_start, calls, failures) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (side, client, bucket_start) DO UPDATE SET calls = calls + excluded.calls, failures = failures + excluded.failures`,
      e.side,
      e.client,
      bucket,
      taken.length,
      failed.length,
    );
    if (e.side === 'B') for (const o of failed) run(sql, 'INSERT OR IGNORE INTO traffic_failed_sessions (session, bucket_start) VALUES (?, ?)', o.session, bucket);
  }
  const oldest = windowFloor(SBC_ANALYSIS_BOUNDS.windowSeconds.max, now);
  run(sql, 'DELETE FROM traffic_clients WHERE bucket_start <= ?', oldest);
  run(sql, 'DELETE FROM traffic_failed_sessions WHERE bucket_start <= ?', oldest);
}

function sideStats(sql: SqlStorage, side: Side, floor: number): SideStats {
  const r = first<{ calls: number; failures: number; clients: number; failing: number }>(
    sql,
    `SELECT coalesce(sum(calls), 0) AS calls, coalesce(sum(failures), 0) AS failures, count(DISTINCT client) AS clients,
       count(DISTINCT CASE WHEN failures > 0 THEN client END) AS failing
     FROM traffic_clients WHERE side = ? AND bucket_start > ?`,
    side,
    floor,
  )!;
  return { calls: r.calls, failures: r.failures, failureRate: r.calls ? r.failures / r.calls : 0, clients: r.clients, failingClients: r.failing };
}

/** One-sided two-proportion z-test of B's failure rate above A's (pooled standard error). */
function zScore(b: { calls: number; failures: number }, a: { calls: number; failures: number }): number {
  const pooled = (b.failures + a.failures) / (b.calls + a.calls);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / b.calls + 1 / a.calls));
  return se === 0 ? 0 : (b.failures / b.calls - a.failures / a.calls) / se;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function judge(sql: SqlStorage, s: AnalysisSettings, now: number): Verdict {
  const floor = windowFloor(s.windowSeconds, now);
  const a = sideStats(sql, 'A', floor);
  const failingSessions = first<{ n: number }>(sql, 'SELECT count(DISTINCT session) AS n FROM traffic_failed_sessions WHERE bucket_start > ?', floor)!.n;
  const b = { ...sideStats(sql, 'B', floor), failingSessions };
  const baseline = a.calls >= SBC_BASELINE_MIN_CALLS ? 'A' : 'none';
  const excess = b.failureRate - (baseline === 'A' ? a.failureRate : 0);
  const z = baseline === 'A' && b.calls > 0 ? zScore(b, a) : null;
  const verdict = (kind: Verdict['kind'], reason: string): Verdict => ({ kind, reason, b, a, baseline, excess, z });
  if (b.calls < s.minCalls) return verdict('inconclusive', `${b.calls} of the ${s.minCalls} B outcomes needed in the window`);
  const against = baseline === 'A' ? `A's ${pct(a.failureRate)}` : 'no baseline (too few A outcomes)';
  if (excess <= s.threshold) return verdict('healthy', `B fails ${pct(b.failureRate)} against ${against}: within ${pct(s.threshold)}`);
  if (z !== null && z < SBC_CANARY_MIN_Z) return verdict('healthy', `B fails ${pct(b.failureRate)} against ${against}: not significant (z ${z.toFixed(2)})`);
  if (b.failingClients < s.minClients || failingSessions < s.minClients)
    return verdict('inconclusive', `B's failures come from ${b.failingClients} clients and ${failingSessions} sessions; ${s.minClients} of each are needed`);
  return verdict('breach', `B failed ${pct(b.failureRate)} of ${b.calls} counted calls from ${b.failingClients} clients, against ${against}`);
}


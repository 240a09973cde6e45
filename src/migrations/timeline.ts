/**
 * A migration's timeline: the bounded time series the live chart draws — the data migrated, B's share
 * of end-user sessions and each platform's failure rate over the SBC's analysis window — kept by the
 * customer's coordinator, so it survives a reload, a restart and the end of the migration. A point is
 * added when something drawn changes (state, data migrated, B's share), and for the failure counts at
 * most every TIMELINE_SAMPLE_MS. Past TIMELINE_MAX_POINTS every other point of the older half is
 * dropped: a long migration keeps its whole shape at a coarser grain. Only the coordinator calls
 * these, inside its transactions.
 */
import { SBC_WEIGHT_SCALE, TIMELINE_MAX_POINTS, TIMELINE_SAMPLE_MS } from '../constants';
import { TERMINAL_STATES, WITHOUT_B_STATES, type MigrationState } from '../lib/lifecycle';
import { all, first, run } from '../lib/do-sql';
import { percentOf } from '../sbc/weight';

export const TIMELINE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS migration_timeline (
    id INTEGER PRIMARY KEY,
    migration_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    migrated INTEGER NOT NULL,
    share_b INTEGER,
    requests_a INTEGER NOT NULL,
    failures_a INTEGER NOT NULL,
    requests_b INTEGER NOT NULL,
    failures_b INTEGER NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS migration_timeline_by_migration ON migration_timeline (migration_id, id)',
];

/** End-user calls one platform answered over the analysis window, and how many of them failed. */
export interface WindowCalls {
  requests: number;
  failures: number;
}

/** One point; `migrated` and `shareB` in basis points (SBC_WEIGHT_SCALE = all). */
export interface TimelinePoint {
  at: number;
  state: MigrationState;
  migrated: number;
  /** Null while platform B serves no session (before its deployment). */
  shareB: number | null;
  a: WindowCalls;
  b: WindowCalls;
}

interface PointRow {
  at: number;
  state: MigrationState;
  migrated: number;
  share_b: number | null;
  requests_a: number;
  failures_a: number;
  requests_b: number;
  failures_b: number;
}

const toPoint = (r: PointRow): TimelinePoint => ({
  at: r.at,
  state: r.state,
  migrated: r.migrated,
  shareB: r.share_b,
  a: { requests: r.requests_a, failures: r.failures_a },
  b: { requests: r.requests_b, failures: r.failures_b },
});

export function timelineOf(sql: SqlStorage, migrationId: string): TimelinePoint[] {
  return all<PointRow>(sql, 'SELECT * FROM migration_timeline WHERE migration_id = ? ORDER BY id', migrationId).map(toPoint);
}

function lastPoint(sql: SqlStorage, migrationId: string): TimelinePoint | null {
  const row = first<PointRow>(sql, 'SELECT * FROM migration_timeline WHERE migration_id = ? ORDER BY id DESC LIMIT 1', migrationId);
  return row ? toPoint(row) : null;
}

/** What the migration looks like now, as the chart draws it. */
export interface Observation {
  state: MigrationState;
  segmentsDone: number;
  segmentsTotal: number | null;
  /** B's weight in the split while B belongs to this migration and serves; null otherwise. */
  weightB: number | null;
  a: WindowCalls;
  b: WindowCalls;
}


/**
 * Adds a point when the observation differs from the last one (or the failure counts moved and the
 * last point is older than the sampling period); true when it did. At completion B serves every
 * session and all the data is migrated: the chart ends with B at 100 %, not with B relabelled A.
 */
export function observe(sql: SqlStorage, migrationId: string, o: Observation, now: number): boolean {
  const last = lastPoint(sql, migrationId);
  if (last && last.state === o.state && TERMINAL_STATES.includes(o.state)) return false;
  const completed = o.state === 'completed';
  const migrated = completed ? SBC_WEIGHT_SCALE : o.segmentsTotal ? Math.min(SBC_WEIGHT_SCALE, Math.floor((o.segmentsDone / o.segmentsTotal) * SBC_WEIGHT_SCALE)) : 0;
  // Once B has served, its share stays drawn: 0 after a rollback, 100 % at completion.
  const shareB = completed ? SBC_WEIGHT_SCALE : o.weightB ?? (last?.shareB != null && WITHOUT_B_STATES.includes(o.state) ? 0 : (last?.shareB ?? null));
  const point: TimelinePoint = { at: now, state: o.state, migrated, shareB, a: o.a, b: o.b };
  if (last && last.state === point.state && last.migrated === point.migrated && last.shareB === point.shareB) {
    const callsMoved = ['a', 'b'].some((k) => last[k as 'a'].requests !== point[k as 'a'].requests || last[k as 'a'].failures !== point[k as 'a'].failures);
    if (!callsMoved || now - last.at < TIMELINE_SAMPLE_MS) return false;
  }
  run(
    sql,
    'INSERT INTO migration_timeline (migration_id, at, state, migrated, share_b, requests_a, failures_a, requests_b, failures_b) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    migrationId,
    now,
    point.state,
    point.migrated,
    point.shareB,
    point.a.requests,
    point.a.failures,
    point.b.requests,
    point.b.failures,
  );
  thin(sql, migrationId);
  return true;
}

/** Past the bound, drops every other point of the older half (never the first). */
function thin(sql: SqlStorage, migrationId: string): void {
  const count = first<{ n: number }>(sql, 'SELECT count(*) AS n FROM migration_timeline WHERE migration_id = ?', migrationId)?.n ?? 0;
  if (count <= TIMELINE_MAX_POINTS) return;
  run(
    sql,
    `DELETE FROM migration_timeline WHERE id IN (
       SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM migration_timeline WHERE migration_id = ?)
       WHERE n > 1 AND n <= ? AND n % 2 = 0)`,
    migrationId,
    Math.floor(count / 2),
  );
}

/** A point as the API shows it (percent instead of basis points). */
export function timelineView(p: TimelinePoint) {
  return { at: p.at, state: p.state, migratedPercent: percentOf(p.migrated), percentB: p.shareB === null ? null : percentOf(p.shareB), calls: { a: p.a, b: p.b } };
}

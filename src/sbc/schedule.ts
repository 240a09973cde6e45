/**
 * A traffic schedule: explicit steps of B's share for the active migration (e.g. 1, 5, 25, 50,
 * 100 % with pauses, like canary steps), kept in the customer's coordinator beside the split.
 *
 * - A step never puts more sessions on B than the data migrated allows: B's share is the step's
 *   weight capped by segments done / total, and it never goes down.
 * - A step's pause runs only while B actually holds the step's weight, the migration is migrating
 *   and nobody paused the schedule; a stopped clock keeps what is left of the pause. So a late alarm
 *   or a restart delays a step but never shortens the time spent observing the one before.
 * - The cutover waits until the last step (100 %) has run its pause: a migration whose data is all
 *   migrated stays `migrating` until then (rollback stays possible throughout).
 * Plain functions over the coordinator's SQLite storage; see src/migrations/STORAGE.md.
 */
import type { Actor, ScheduleStatus } from '../lib/lifecycle';
import { first, run } from '../lib/do-sql';
import type { FieldError } from '../http/problem';
import { percentOf, weightOf } from './weight';

export interface ScheduleStep {
  /** Percent of sessions on B at this step. */
  weight: number;
  pauseSeconds: number;
}

export interface Schedule {
  migrationId: string;
  steps: ScheduleStep[];
  /** Index of the step in force. */
  step: number;
  /** When the step's pause ends, while its clock runs; null while it is stopped. */
  dueAt: number | null;
  /** What is left of the step's pause while its clock is stopped. */
  remainingMs: number;
  /** Held by the customer or the operator. */
  paused: boolean;
  status: ScheduleStatus;
  setBy: Actor;
  setAt: number;
}

export const SCHEDULE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS traffic_schedule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    migration_id TEXT NOT NULL,
    steps TEXT NOT NULL,
    step INTEGER NOT NULL,
    due_at INTEGER,
    remaining_ms INTEGER NOT NULL,
    paused INTEGER NOT NULL,
    status TEXT NOT NULL,
    set_by_id TEXT NOT NULL,
    set_by_kind TEXT NOT NULL,
    set_at INTEGER NOT NULL
  )`,
];

interface ScheduleRow {
  migration_id: string;
  steps: string;
  step: number;
  due_at: number | null;
  remaining_ms: number;
  paused: number;
  status: ScheduleStatus;
  set_by_id: string;
  set_by_kind: Actor['kind'];
  set_at: number;
}

/** The schedule of `migrationId`, if it has one. */
export function readSchedule(sql: SqlStorage, migrationId: string | null): Schedule | null {
  const row = migrationId ? first<ScheduleRow>(sql, 'SELECT * FROM traffic_schedule WHERE id = 1 AND migration_id = ?', migrationId) : null;
  if (!row) return null;
  return {
    migrationId: row.migration_id,
    steps: JSON.parse(row.steps) as ScheduleStep[],
    step: row.step,
    dueAt: row.due_at,
    remainingMs: row.remaining_ms,
    paused: row.paused === 1,
    status: row.status,
    setBy: { id: row.set_by_id, kind: row.set_by_kind },
    setAt: row.set_at,
  };
}

export function writeSchedule(sql: SqlStorage, s: Schedule): Schedule {
  run(
    sql,
    `INSERT OR REPLACE INTO traffic_schedule (id, migration_id, steps, step, due_at, remaining_ms, paused, status, set_by_id, set_by_kind, set_at)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    s.migrationId,
    JSON.stringify(s.steps),
    s.step,
    s.dueAt,
    s.remainingMs,
    s.paused ? 1 : 0,
    s.status,
    s.setBy.id,
    s.setBy.kind,
    s.setAt,
  );
  return s;
}

export function deleteSchedule(sql: SqlStorage): void {
  run(sql, 'DELETE FROM traffic_schedule');
}

/** When the coordinator's alarm must next look at the schedule. */
export function scheduleDueAt(sql: SqlStorage): number | null {
  return first<{ due_at: number | null }>(sql, 'SELECT due_at FROM traffic_schedule WHERE id = 1')?.due_at ?? null;
}

/** What the steps themselves must be: each weight above the one before, the last one 100 %. */
export function stepErrors(steps: ScheduleStep[]): FieldError[] {
  const errors: FieldError[] = [];
  steps.forEach((s, i) => {
    if (i > 0 && s.weight <= steps[i - 1]!.weight) errors.push({ field: `steps.${i}.weight`, message: `must be above the step before (${steps[i - 1]!.weight})` });
  });
  if (steps.at(-1)?.weight !== 100) errors.push({ field: `steps.${steps.length - 1}.weight`, message: 'the last step puts every session on B: 100' });
  return errors;
}

/**
 * A new schedule for `migrationId`, or the steps that would move sessions from B back to A: every
 * step must be at least B's current share (in basis points).
 */
export function newSchedule(migrationId: string, steps: ScheduleStep[], weightB: number, setBy: Actor, now: number): Schedule | FieldError[] {
  const below = steps.flatMap((s, i) =>
    weightOf(s.weight) < weightB ? [{ field: `steps.${i}.weight`, message: `below B's current share (${percentOf(weightB)} %): a session on B never goes back to A` }] : [],
  );
  if (below.length) return below;
  return { migrationId, steps, step: 0, dueAt: null, remainingMs: steps[0]!.pauseSeconds * 1000, paused: false, status: 'waiting_for_data', setBy, setAt: now };
}

function stopClock(s: Schedule, status: ScheduleStatus, now: number): Schedule {
  return { ...s, status, dueAt: null, remainingMs: s.dueAt === null ? s.remainingMs : Math.max(0, s.dueAt - now) };
}

/**
 * Moves the schedule to `now`: B's share rises to the step's weight as far as the data migrated
 * (`dataShare`, basis points) allows; a step whose pause has run gives way to the next. Returns the
 * schedule and B's share (never below `weightB`).
 */
export function tick(s: Schedule, weightB: number, dataShare: number, migrating: boolean, now: number): { schedule: Schedule; weightB: number } {
  let schedule = s;
  let weight = weightB;
  for (;;) {
    if (schedule.status === 'finished') return { schedule, weightB: weight };
    if (schedule.paused || !migrating) return { schedule: stopClock(schedule, schedule.paused ? 'paused' : 'migration_paused', now), weightB: weight };
    const target = weightOf(schedule.steps[schedule.step]!.weight);
    weight = Math.max(weight, Math.min(target, dataShare));
    if (weight < target) return { schedule: stopClock(schedule, 'waiting_for_data', now), weightB: weight };
    const dueAt = schedule.dueAt ?? now + schedule.remainingMs;
    if (now < dueAt) return { schedule: { ...schedule, status: 'running', dueAt }, weightB: weight };
    const next = schedule.step + 1;
    schedule =
      next === schedule.steps.length
        ? { ...schedule, status: 'finished', dueAt: null, remainingMs: 0 }
        : { ...schedule, step: next, dueAt: null, remainingMs: schedule.steps[next]!.pauseSeconds * 1000 };
  }
}

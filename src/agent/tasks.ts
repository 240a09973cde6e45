/**
 * Agent tasks inside the customer's coordinator (Durable Object SQLite). A task is leased to the
 * agent of its server when polled; the agent reports a result for that attempt. Failed attempts
 * and expired leases put the task back, until TASK_MAX_ATTEMPTS; then the task has failed.
 * Two kinds: deploying the target platform's modules (leased while its migration deploys), and
 * removing a platform's modules once a migration ends (leased whenever the agent asks).
 */
import { cursorParts } from '../db';
import { newId } from '../lib/ids';
import { TASK_LEASE_MS, TASK_MAX_ATTEMPTS } from '../constants';
import { all, changed, first, MIRROR_COLUMNS, run } from '../lib/do-sql';
import type { TaskKind, TaskState, TerminalState } from '../lib/lifecycle';

export const TASKS_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS agent_task (
    id TEXT PRIMARY KEY,
    migration_id TEXT NOT NULL,
    server_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_expires_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    ${MIRROR_COLUMNS}
  )`,
  'CREATE INDEX IF NOT EXISTS agent_task_server ON agent_task (server_id, state)',
  'CREATE INDEX IF NOT EXISTS agent_task_migration ON agent_task (migration_id, state)',
];

export const DEPLOY_TASK = 'deploy_platform_modules' satisfies TaskKind;
const REMOVE_TASK = 'remove_platform_modules' satisfies TaskKind;

export interface TaskRow {
  id: string;
  migration_id: string;
  server_id: string;
  kind: TaskKind;
  payload: string;
  state: TaskState;
  attempts: number;
  lease_expires_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface ModuleRef {
  name: string;
  version: string;
  artifactUrl: string;
  sha256: string;
}

/** What a deployment task asks of the agent. */
export interface DeployPayload {
  kind: typeof DEPLOY_TASK;
  migrationId: string;
  platformId: string;
  modules: ModuleRef[];
  storageAddress: string;
}

/** Why a platform's modules leave a server: B's after the migration did not complete, A's after it did. */
export type RemovalReason = TerminalState;

/** What a removal task asks of the agent: run each module's `remove`, then delete its directory. */
export interface RemovePayload {
  kind: typeof REMOVE_TASK;
  migrationId: string;
  platformId: string;
  modules: { name: string; version: string }[];
  storageAddress: string;
  reason: RemovalReason;
}

export type TaskPayload = DeployPayload | RemovePayload;

/** What an agent receives for one leased task. */
export interface LeasedTask {
  id: string;
  kind: TaskKind;
  attempt: number;
  leaseExpiresAt: number;
  payload: TaskPayload;
}

export function createTask(sql: SqlStorage, migrationId: string, serverId: string, payload: TaskPayload, now: number): string {
  const id = newId('tsk');
  run(
    sql,
    "INSERT INTO agent_task (id, migration_id, server_id, kind, payload, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
    id,
    migrationId,
    serverId,
    payload.kind,
    JSON.stringify(payload),
    now,
    now,
  );
  return id;
}

/**
 * Leases the pending tasks of `serverId`, oldest first: removal tasks of any migration, and the
 * deployment tasks of `deployingId` (the active migration, while it deploys).
 */
export function leaseTasks(sql: SqlStorage, deployingId: string | null, serverId: string, now: number, limit: number): LeasedTask[] {
  const rows = all<TaskRow>(
    sql,
    "SELECT * FROM agent_task WHERE server_id = ? AND state = 'pending' AND (kind = ? OR migration_id = ?) ORDER BY created_at, id LIMIT ?",
    serverId,
    REMOVE_TASK,
    deployingId,
    limit,
  );
  const expires = now + TASK_LEASE_MS;
  for (const t of rows) {
    run(sql, "UPDATE agent_task SET state = 'leased', attempts = attempts + 1, lease_expires_at = ?, updated_at = ?, version = version + 1 WHERE id = ?", expires, now, t.id);
  }
  return rows.map((t) => ({ id: t.id, kind: t.kind, attempt: t.attempts + 1, leaseExpiresAt: expires, payload: JSON.parse(t.payload) as TaskPayload }));
}

export function findTask(sql: SqlStorage, id: string): TaskRow | null {
  return first<TaskRow>(sql, 'SELECT * FROM agent_task WHERE id = ?', id);
}

export type TaskReport = { outcome: 'succeeded' } | { outcome: 'failed'; error: string };

export type ReportResult = { ok: true; task: TaskRow } | { ok: false; status: 404 | 409; detail: string };

/** Records the agent's result for the attempt it holds. A stale attempt or a settled task is refused. */
export function reportResult(sql: SqlStorage, taskId: string, serverId: string, attempt: number, report: TaskReport, now: number): ReportResult {
  const task = findTask(sql, taskId);
  if (!task || task.server_id !== serverId) return { ok: false, status: 404, detail: 'No such task.' };
  if (task.state !== 'leased' || task.attempts !== attempt)
    return { ok: false, status: 409, detail: `This attempt is no longer current (task is ${task.state}, attempt ${task.attempts}).` };
  if (report.outcome === 'succeeded') {
    run(sql, "UPDATE agent_task SET state = 'succeeded', lease_expires_at = NULL, last_error = NULL, updated_at = ?, version = version + 1 WHERE id = ?", now, taskId);
  } else {
    const next: TaskState = task.attempts >= TASK_MAX_ATTEMPTS ? 'failed' : 'pending';
    run(sql, 'UPDATE agent_task SET state = ?, lease_expires_at = NULL, last_error = ?, updated_at = ?, version = version + 1 WHERE id = ?', next, report.error, now, taskId);
  }
  return { ok: true, task: findTask(sql, taskId)! };
}

/** Puts tasks whose lease ran out back in the queue (or fails them when out of attempts). */
export function reclaimExpired(sql: SqlStorage, now: number): number {
  return changed(
    sql,
    `UPDATE agent_task SET state = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END,
       last_error = 'lease expired without a result', lease_expires_at = NULL, updated_at = ?, version = version + 1
     WHERE state = 'leased' AND lease_expires_at <= ? RETURNING id`,
    TASK_MAX_ATTEMPTS,
    now,
    now,
  );
}

export function cancelOpenTasks(sql: SqlStorage, migrationId: string, now: number): void {
  run(
    sql,
    "UPDATE agent_task SET state = 'cancelled', lease_expires_at = NULL, updated_at = ?, version = version + 1 WHERE migration_id = ? AND state IN ('pending', 'leased')",
    now,
    migrationId,
  );
}

/** The servers an agent took a deployment task of `migrationId` on at least once: they may hold its modules. */
export function serversReached(sql: SqlStorage, migrationId: string): string[] {
  return all<{ server_id: string }>(sql, 'SELECT DISTINCT server_id FROM agent_task WHERE migration_id = ? AND kind = ? AND attempts > 0 ORDER BY server_id', migrationId, DEPLOY_TASK).map(
    (r) => r.server_id,
  );
}

/**
 * Cancels the open removal tasks on `serverId` that would remove a module `modules` is about to
 * deploy (a migration back to a platform whose removal has not run yet), so the removal cannot
 * undo the new deployment.
 */
export function cancelRemovalsOf(sql: SqlStorage, serverId: string, modules: { name: string; version: string }[], now: number): void {
  const deploying = new Set(modules.map((m) => `${m.name}@${m.version}`));
  const open = all<TaskRow>(sql, "SELECT * FROM agent_task WHERE server_id = ? AND kind = ? AND state = 'pending'", serverId, REMOVE_TASK);
  for (const t of open) {
    const removes = (JSON.parse(t.payload) as RemovePayload).modules;
    if (removes.some((m) => deploying.has(`${m.name}@${m.version}`)))
      run(sql, "UPDATE agent_task SET state = 'cancelled', updated_at = ?, version = version + 1 WHERE id = ?", now, t.id);
  }
}

export type TaskCounts = Record<TaskState, number> & { total: number };

/** Counts of one migration's tasks of one kind, by state. */
export function taskCounts(sql: SqlStorage, migrationId: string, kind: TaskKind = DEPLOY_TASK): TaskCounts {
  const counts: TaskCounts = { total: 0, pending: 0, leased: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const r of all<{ state: TaskState; n: number }>(sql, 'SELECT state, COUNT(*) AS n FROM agent_task WHERE migration_id = ? AND kind = ? GROUP BY state', migrationId, kind)) {
    counts[r.state] = r.n;
    counts.total += r.n;
  }
  return counts;
}

export function nextLeaseExpiry(sql: SqlStorage): number | null {
  return first<{ at: number | null }>(sql, "SELECT MIN(lease_expires_at) AS at FROM agent_task WHERE state = 'leased'")?.at ?? null;
}

/** One migration's tasks, both kinds, oldest first, after `after` ("createdAt\nid"); one more than `limit` when more follow. */
export function tasksOf(sql: SqlStorage, migrationId: string, limit: number, after?: string): TaskRow[] {
  const [at, id] = cursorParts(after ?? '');
  return all<TaskRow>(
    sql,
    'SELECT * FROM agent_task WHERE migration_id = ? AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?',
    migrationId,
    after ? at : -1,
    id,
    limit + 1,
  );
}

/** One removal task per server in `servers`, for `modules` of `platformId`. */
export function createRemovals(
  sql: SqlStorage,
  migrationId: string,
  platformId: string,
  modules: { name: string; version: string }[],
  servers: { server_id: string; storage_address: string }[],
  reason: RemovalReason,
  now: number,
): void {
  if (!modules.length) return;
  const refs = modules.map((m) => ({ name: m.name, version: m.version }));
  for (const s of servers) createTask(sql, migrationId, s.server_id, { kind: REMOVE_TASK, migrationId, platformId, modules: refs, storageAddress: s.storage_address, reason }, now);
}

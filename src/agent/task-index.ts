/** D1 index of agent tasks (the coordinators hold the tasks): which customers have work for a server. */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { migrationTasks } from '../../schema';
import { keysetAfter, jsonIds, upsertUnlessNewer, type Db } from '../db';
import { OPEN_TASK_STATES } from '../lib/lifecycle';
import { DEPLOY_TASK, type TaskRow } from './tasks';

export function taskIndexUpsert(db: Db, customerId: string, t: TaskRow) {
  return db
    .insert(migrationTasks)
    .values({
      id: t.id,
      migrationId: t.migration_id,
      customerId,
      serverId: t.server_id,
      kind: t.kind,
      state: t.state,
      attempts: t.attempts,
      lastError: t.last_error,
      updatedAt: t.updated_at,
      version: t.version,
    })
    .onConflictDoUpdate(upsertUnlessNewer(migrationTasks, migrationTasks.id, migrationTasks.version));
}

/** Customers whose coordinators hold open (pending, or leased and maybe expired) tasks for `serverId`. */
export async function customersWithPendingTasks(db: Db, serverId: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ customerId: migrationTasks.customerId })
    .from(migrationTasks)
    .where(and(eq(migrationTasks.serverId, serverId), inArray(migrationTasks.state, [...OPEN_TASK_STATES])))
    .limit(limit)
    .all();
  return rows.map((r) => r.customerId);
}

/** The customer whose coordinator holds task `id`, if the task is for `serverId`. */
export async function taskCustomer(db: Db, id: string, serverId: string): Promise<string | null> {
  const row = await db
    .select({ customerId: migrationTasks.customerId })
    .from(migrationTasks)
    .where(and(eq(migrationTasks.id, id), eq(migrationTasks.serverId, serverId)))
    .get();
  return row?.customerId ?? null;
}

/** A server's tasks of every customer, oldest change first; keyset-paginated after `after` ("updatedAt\nid"). For the operator. */
export async function tasksOfServer(db: Db, serverId: string, limit: number, after?: string) {
  const conditions = [eq(migrationTasks.serverId, serverId)];
  if (after) conditions.push(keysetAfter(migrationTasks.updatedAt, migrationTasks.id, after));
  return db
    .select()
    .from(migrationTasks)
    .where(and(...conditions))
    .orderBy(asc(migrationTasks.updatedAt), asc(migrationTasks.id))
    .limit(limit + 1)
    .all();
}

/**
 * Per migration, its deployment tasks counted by state (removal tasks are shown with GET
 * /v1/migrations/{id}/tasks): one grouped query for a whole page of migrations.
 */
export async function taskCountsByState(db: Db, migrationIds: string[]): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>(migrationIds.map((id) => [id, {}]));
  if (!migrationIds.length) return counts;
  const rows = await db
    .select({ migrationId: migrationTasks.migrationId, state: migrationTasks.state, n: sql<number>`count(*)` })
    .from(migrationTasks)
    .where(and(sql`${migrationTasks.migrationId} in ${jsonIds(migrationIds)}`, eq(migrationTasks.kind, DEPLOY_TASK)))
    .groupBy(migrationTasks.migrationId, migrationTasks.state)
    .all();
  for (const r of rows) counts.get(r.migrationId)![r.state] = r.n;
  return counts;
}

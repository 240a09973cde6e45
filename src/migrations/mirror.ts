/**
 * Writes a coordinator's changed rows to the D1 read models (migrations, the agent-task index, the
 * webhook delivery log) in one D1 batch per round. Rows carry a version; D1 keeps the newest, so
 * overlapping flushes cannot move a row back. What fails to write stays marked and is retried.
 */
import type { BatchItem } from 'drizzle-orm/batch';
import { taskIndexUpsert } from '../agent/task-index';
import type { TaskRow } from '../agent/tasks';
import { MIRROR_BATCH_ROWS, MIRROR_MAX_ROUNDS } from '../constants';
import { getDb } from '../db';
import type { Env } from '../env';
import { deliveryUpsert } from '../webhooks/log';
import { unmirroredDeliveries } from '../webhooks/outbox';
import type { MigrationRow } from './ledger';
import { snapshotOf } from './snapshot';
import { migrationUpsert } from './read-model';
import { forgetMirror, markMirrored, unmirrored } from '../lib/do-sql';
import { errorMessage, log } from '../lib/log';

/** True when the read models are current (nothing left to write). */
export async function flushReadModel(storage: DurableObjectStorage, env: Env, customerId: string | null): Promise<boolean> {
  if (!customerId) return true;
  const sql = storage.sql;
  const db = getDb(env.DB);
  for (let round = 0; round < MIRROR_MAX_ROUNDS; round++) {
    const ms = unmirrored<MigrationRow>(sql, 'migration', MIRROR_BATCH_ROWS);
    const ts = unmirrored<TaskRow>(sql, 'agent_task', MIRROR_BATCH_ROWS);
    const ds = unmirroredDeliveries(sql, MIRROR_BATCH_ROWS);
    const [first, ...rest]: BatchItem<'sqlite'>[] = [
      ...ms.map((m) => migrationUpsert(db, snapshotOf(sql, m))),
      ...ts.map((t) => taskIndexUpsert(db, customerId, t)),
      ...ds.map((d) => deliveryUpsert(db, d)),
    ];
    if (!first) return true;
    try {
      await db.batch([first, ...rest]);
    } catch (err) {
      log('error', 'read-model.flush-failed', { message: errorMessage(err) });
      return false;
    }
    storage.transactionSync(() => {
      for (const m of ms) markMirrored(sql, 'migration', m.id, m.version);
      for (const t of ts) markMirrored(sql, 'agent_task', t.id, t.version);
      for (const d of ds) markMirrored(sql, 'webhook_delivery', d.id, d.version);
    });
  }
  return false;
}

export function forgetReadModel(sql: SqlStorage): void {
  forgetMirror(sql, 'migration');
  forgetMirror(sql, 'agent_task');
  forgetMirror(sql, 'webhook_delivery');
}

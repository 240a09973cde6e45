/** Migrations as the API shows them, and the parties' access to them. */
import type { Principal } from '../auth/principal';
import { taskCountsByState } from '../agent/task-index';
import { getDb, type Db } from '../db';
import type { Env } from '../env';
import { problems } from '../http/problem';
import { getMigrationRow, isParty } from './read-model';
import type { MigrationView } from './schema';
import type { MigrationSnapshot } from './snapshot';

/** Migrations as the API shows them, with their tasks counted in one query for all of them. */
export async function presentAll(db: Db, snapshots: MigrationSnapshot[]): Promise<MigrationView[]> {
  const counts = await taskCountsByState(db, snapshots.map((s) => s.id));
  return snapshots.map((s) => view(s, counts.get(s.id)!));
}

export async function present(db: Db, s: MigrationSnapshot): Promise<MigrationView> {
  return (await presentAll(db, [s]))[0]!;
}

function view(s: MigrationSnapshot, tasks: Record<string, number>): MigrationView {
  const total = Object.values(tasks).reduce((a, b) => a + b, 0);
  return {
    id: s.id,
    customerId: s.customerId,
    state: s.state,
    scope: s.scope,
    source: { platformId: s.sourcePlatformId, providerId: s.sourceProviderId },
    target: { platformId: s.targetPlatformId, providerId: s.targetProviderId },
    initiatedBy: { id: s.initiatorId, kind: s.initiatorKind },
    progress: {
      segmentsDone: s.segmentsDone,
      segmentsTotal: s.segmentsTotal,
      percent: s.state === 'completed' ? 100 : s.segmentsTotal ? Math.floor((s.segmentsDone * 1000) / s.segmentsTotal) / 10 : 0,
    },
    deployment: { tasks: total, succeeded: tasks.succeeded ?? 0, pending: (tasks.pending ?? 0) + (tasks.leased ?? 0), failed: tasks.failed ?? 0 },
    history: s.history,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    lastProgressAt: s.lastProgressAt,
  };
}

/** The migration if the caller is one of its parties; 404 otherwise (no hint that it exists). */
export async function forParty(env: Env, who: Principal, id: string): Promise<MigrationSnapshot> {
  const row = await getMigrationRow(getDb(env.DB), id);
  if (!row || !isParty(row, who)) throw problems.notFound('migration');
  return row;
}

/** What the read model and the API show of one migration: its row with the transition history. */
import { all } from '../lib/do-sql';
import type { Actor, ActorKind, MigrationState } from '../lib/lifecycle';
import type { Scope } from '../inventory/units';
import type { MigrationRow } from './ledger';

export interface Transition {
  seq: number;
  from: MigrationState | null;
  to: MigrationState;
  at: number;
  by: Actor;
  reason: string | null;
}

/** Everything the read model and the API show about one migration. */
export interface MigrationSnapshot {
  id: string;
  customerId: string;
  sourcePlatformId: string;
  sourceProviderId: string;
  targetPlatformId: string;
  targetProviderId: string;
  scope: Scope;
  initiatorId: string;
  initiatorKind: ActorKind;
  state: MigrationState;
  segmentsDone: number;
  segmentsTotal: number | null;
  history: Transition[];
  createdAt: number;
  updatedAt: number;
  lastProgressAt: number;
  stalledAt: number | null;
  version: number;
}

function historyOf(sql: SqlStorage, migrationId: string): Transition[] {
  return all<{ seq: number; from_state: MigrationState | null; to_state: MigrationState; actor_id: string; actor_kind: ActorKind; reason: string | null; at: number }>(
    sql,
    'SELECT * FROM migration_transition WHERE migration_id = ? ORDER BY seq',
    migrationId,
  ).map((t) => ({ seq: t.seq, from: t.from_state, to: t.to_state, at: t.at, by: { id: t.actor_id, kind: t.actor_kind }, reason: t.reason }));
}

export function snapshotOf(sql: SqlStorage, m: MigrationRow): MigrationSnapshot {
  return {
    id: m.id,
    customerId: m.customer_id,
    sourcePlatformId: m.source_platform_id,
    sourceProviderId: m.source_provider_id,
    targetPlatformId: m.target_platform_id,
    targetProviderId: m.target_provider_id,
    scope: m.scope,
    initiatorId: m.initiator_id,
    initiatorKind: m.initiator_kind,
    state: m.state,
    segmentsDone: m.segments_done,
    segmentsTotal: m.segments_total,
    history: historyOf(sql, m.id),
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    lastProgressAt: m.last_progress_at,
    stalledAt: m.stalled_at,
    version: m.version,
  };
}

/**
 * The coordinator's migration tables (Durable Object SQLite): the migration rows, their transition
 * history and their deployment targets. Only the coordinator calls these, inside its transactions.
 * A partial unique index makes "at most one active migration" a storage invariant, not a hope.
 */
import type { ModuleRef } from '../agent/tasks';
import { newId } from '../lib/ids';
import { emitEvent } from '../webhooks/outbox';
import type { Target } from './plan';
import { transitionEvents } from './lifecycle';
import { TERMINAL_STATES, type Actor, type ActorKind, type MigrationState } from '../lib/lifecycle';
import { type Scope } from '../inventory/units';
import { all, first, MIRROR_COLUMNS, run, type SqlValue } from '../lib/do-sql';

const TERMINAL_SQL = `(${TERMINAL_STATES.map((s) => `'${s}'`).join(',')})`;

export const LEDGER_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS migration (
    id TEXT PRIMARY KEY,
    request_key TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    source_platform_id TEXT NOT NULL,
    source_provider_id TEXT NOT NULL,
    target_platform_id TEXT NOT NULL,
    target_provider_id TEXT NOT NULL,
    target_modules TEXT NOT NULL,
    scope TEXT NOT NULL,
    initiator_id TEXT NOT NULL,
    initiator_kind TEXT NOT NULL,
    state TEXT NOT NULL,
    paused_from TEXT,
    segments_done INTEGER NOT NULL DEFAULT 0,
    segments_total INTEGER,
    created_at INTEGER NOT NULL,
    last_progress_at INTEGER NOT NULL,
    stalled_at INTEGER,
    ${MIRROR_COLUMNS}
  )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS migration_one_active ON migration (customer_id) WHERE state NOT IN ${TERMINAL_SQL}`,
  `CREATE TABLE IF NOT EXISTS migration_transition (
    migration_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    reason TEXT,
    at INTEGER NOT NULL,
    PRIMARY KEY (migration_id, seq)
  )`,
  `CREATE TABLE IF NOT EXISTS migration_target (
    migration_id TEXT NOT NULL,
    data_server_id TEXT NOT NULL,
    server_id TEXT NOT NULL,
    storage_address TEXT NOT NULL,
    PRIMARY KEY (migration_id, data_server_id)
  )`,
];

export interface MigrationRow {
  id: string;
  request_key: string;
  customer_id: string;
  source_platform_id: string;
  source_provider_id: string;
  target_platform_id: string;
  target_provider_id: string;
  target_modules: string;
  scope: Scope;
  initiator_id: string;
  initiator_kind: ActorKind;
  state: MigrationState;
  paused_from: MigrationState | null;
  segments_done: number;
  segments_total: number | null;
  created_at: number;
  updated_at: number;
  last_progress_at: number;
  stalled_at: number | null;
  version: number;
  mirrored_version: number;
}

export interface NewMigration {
  id: string;
  requestKey: string;
  customerId: string;
  source: { platformId: string; providerId: string };
  target: { platformId: string; providerId: string; modules: ModuleRef[] };
  scope: Scope;
  initiator: Actor;
  targets: Target[];
}

export function findMigration(sql: SqlStorage, id: string): MigrationRow | null {
  return first<MigrationRow>(sql, 'SELECT * FROM migration WHERE id = ?', id);
}

export function findByRequestKey(sql: SqlStorage, requestKey: string): MigrationRow | null {
  return first<MigrationRow>(sql, 'SELECT * FROM migration WHERE request_key = ?', requestKey);
}

export function activeMigration(sql: SqlStorage): MigrationRow | null {
  return first<MigrationRow>(sql, `SELECT * FROM migration WHERE state NOT IN ${TERMINAL_SQL}`);
}

export function allMigrations(sql: SqlStorage): MigrationRow[] {
  return all<MigrationRow>(sql, 'SELECT * FROM migration ORDER BY created_at, id');
}

export function targetsOf(sql: SqlStorage, migrationId: string): { server_id: string; storage_address: string }[] {
  return all(sql, 'SELECT server_id, storage_address FROM migration_target WHERE migration_id = ? ORDER BY data_server_id', migrationId);
}

/** Creates the migration in `requested` (transition and event recorded). */
export function insertMigration(sql: SqlStorage, m: NewMigration, now: number): MigrationRow {
  run(
    sql,
    `INSERT INTO migration (id, request_key, customer_id, source_platform_id, source_provider_id, target_platform_id, target_provider_id,
       target_modules, scope, initiator_id, initiator_kind, state, created_at, updated_at, last_progress_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?)`,
    m.id,
    m.requestKey,
    m.customerId,
    m.source.platformId,
    m.source.providerId,
    m.target.platformId,
    m.target.providerId,
    JSON.stringify(m.target.modules),
    m.scope,
    m.initiator.id,
    m.initiator.kind,
    now,
    now,
    now,
  );
  for (const t of m.targets)
    run(sql, 'INSERT INTO migration_target (migration_id, data_server_id, server_id, storage_address) VALUES (?, ?, ?, ?)', m.id, t.dataServerId, t.serverId, t.storageAddress);
  const row = findMigration(sql, m.id)!;
  recordTransition(sql, row, null, 'requested', m.initiator, now, null, null);
  return row;
}

function recordTransition(
  sql: SqlStorage,
  m: MigrationRow,
  from: MigrationState | null,
  to: MigrationState,
  actor: Actor,
  now: number,
  reason: string | null,
  consent: 'accepted' | 'approved' | null,
): void {
  const seq = (first<{ n: number }>(sql, 'SELECT COUNT(*) AS n FROM migration_transition WHERE migration_id = ?', m.id)?.n ?? 0) + 1;
  run(
    sql,
    'INSERT INTO migration_transition (migration_id, seq, from_state, to_state, actor_id, actor_kind, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    m.id,
    seq,
    from,
    to,
    actor.id,
    actor.kind,
    reason,
    now,
  );
  const current = findMigration(sql, m.id)!;
  for (const type of transitionEvents(from, to, consent)) {
    emitEvent(sql, {
      type,
      customerId: current.customer_id,
      migrationId: m.id,
      transitionSeq: seq,
      recipients: [current.source_provider_id, current.target_provider_id],
      data: { ...eventData(current), previousState: from, by: actor, ...(reason ? { reason } : {}) },
      now,
    });
  }
}

/** What every migration event carries. No permanent hardware identifiers. */
function eventData(m: MigrationRow) {
  return {
    migrationId: m.id,
    customerId: m.customer_id,
    state: m.state,
    sourcePlatformId: m.source_platform_id,
    targetPlatformId: m.target_platform_id,
    progress: { segmentsDone: m.segments_done, segmentsTotal: m.segments_total },
  };
}

/** Moves `m` to `to`, recording who, when, from and to, and emitting the transition's events. */
export function transition(
  sql: SqlStorage,
  m: MigrationRow,
  to: MigrationState,
  actor: Actor,
  now: number,
  opts: { reason?: string; consent?: 'accepted' | 'approved' } = {},
): MigrationRow {
  const pausedFrom: SqlValue = to === 'paused' ? m.state : null;
  run(
    sql,
    'UPDATE migration SET state = ?, paused_from = ?, updated_at = ?, last_progress_at = ?, stalled_at = NULL, version = version + 1 WHERE id = ?',
    to,
    pausedFrom,
    now,
    now,
    m.id,
  );
  recordTransition(sql, m, m.state, to, actor, now, opts.reason ?? null, opts.consent ?? null);
  return findMigration(sql, m.id)!;
}

/** Records reported progress (already checked monotone) and emits `migration.progress`. */
export function recordProgress(sql: SqlStorage, m: MigrationRow, done: number, total: number, now: number): MigrationRow {
  run(
    sql,
    'UPDATE migration SET segments_done = ?, segments_total = ?, updated_at = ?, last_progress_at = ?, stalled_at = NULL, version = version + 1 WHERE id = ?',
    done,
    total,
    now,
    now,
    m.id,
  );
  const row = findMigration(sql, m.id)!;
  emitEvent(sql, {
    type: 'migration.progress',
    customerId: row.customer_id,
    migrationId: row.id,
    transitionSeq: null,
    recipients: [row.source_provider_id, row.target_provider_id],
    data: eventData(row),
    now,
  });
  return row;
}

/** Flags a stall once per quiet period (reset by any transition or progress) and emits `migration.stalled`. */
export function markStalled(sql: SqlStorage, m: MigrationRow, now: number): void {
  run(sql, 'UPDATE migration SET stalled_at = ?, version = version + 1 WHERE id = ?', now, m.id);
  emitEvent(sql, {
    type: 'migration.stalled',
    customerId: m.customer_id,
    migrationId: m.id,
    transitionSeq: null,
    recipients: [m.source_provider_id, m.target_provider_id],
    data: { ...eventData(m), quietSince: m.last_progress_at },
    now,
  });
}

export function newMigrationId(): string {
  return newId('mig');
}

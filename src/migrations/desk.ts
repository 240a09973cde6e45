/**
 * The coordinator's migration desk: the lifecycle's transitions over the ledger (./ledger.ts), the
 * agent tasks they create or cancel (src/agent/tasks.ts) and the events they emit. Synchronous: the
 * coordinator runs each call inside its storage transaction.
 */
import { cancelOpenTasks, cancelRemovalsOf, createRemovals, createTask, DEPLOY_TASK, serversReached, taskCounts, type ModuleRef, type RemovalReason } from '../agent/tasks';
import { START_RESERVATION_MS } from '../constants';
import { missing, refusal, type Outcome } from '../http/outcome';
import { STALLABLE_STATES, STORAGE_OPEN_STATES, SYSTEM, type Actor, type SteeringAction } from '../lib/lifecycle';
import type { TrafficDesk } from '../sbc/desk';
import { activeMigration, findByRequestKey, findMigration, insertMigration, markStalled, recordProgress, targetsOf, transition, type MigrationRow, type NewMigration } from './ledger';
import { decide, type Parties } from './lifecycle';
import { claim } from './meta';

const ACTIVE_REFUSAL = 'The customer already has an active migration; finish, cancel or roll it back first.';

export interface StartInput extends NewMigration {
  autoAccept: boolean;
}


const parties = (m: MigrationRow): Parties => ({ state: m.state, pausedFrom: m.paused_from, customerId: m.customer_id, targetProviderId: m.target_provider_id, initiatorKind: m.initiator_kind });

export class MigrationDesk {
  constructor(
    private readonly sql: SqlStorage,
    private readonly traffic: TrafficDesk,
  ) {}

  /** The start the Worker is preparing (its Idempotency-Key's request key), in memory only. */
  private pendingStart: { requestKey: string; until: number } | null = null;

  /**
   * Asked before the Worker reads what a start needs: while a migration is active or another start is
   * being prepared, a start is refused here at once, so concurrent starts for one customer cost one
   * call each instead of a start's reads. Memory only (an evicted object forgets it after at most
   * START_RESERVATION_MS anyway): `start` still refuses a second active migration in its transaction.
   */
  reserveStart(requestKey: string, now: number): Outcome<null> {
    const pending = this.pendingStart;
    if (findByRequestKey(this.sql, requestKey)) return { ok: true, value: null };
    if (activeMigration(this.sql)) return refusal(409, ACTIVE_REFUSAL);
    if (pending && pending.requestKey !== requestKey && pending.until > now)
      return refusal(409, 'Another start of a migration for this customer is being prepared; retry in a few seconds.');
    this.pendingStart = { requestKey, until: now + START_RESERVATION_MS };
    return { ok: true, value: null };
  }

  releaseStart(requestKey: string): void {
    if (this.pendingStart?.requestKey === requestKey) this.pendingStart = null;
  }

  start(input: StartInput, now: number): Outcome<string> {
    this.releaseStart(input.requestKey);
    if (!claim(this.sql, input.customerId)) return missing('customer');
    const replay = findByRequestKey(this.sql, input.requestKey);
    if (replay) return { ok: true, value: replay.id };
    if (activeMigration(this.sql)) return refusal(409, ACTIVE_REFUSAL);
    const m = insertMigration(this.sql, input, now);
    if (input.initiator.kind === 'customer' && input.autoAccept) this.enterDeploying(m, SYSTEM, now, 'accepted', 'the target platform accepts migrations automatically');
    else transition(this.sql, m, 'awaiting_consent', input.initiator, now);
    return { ok: true, value: m.id };
  }

  steer(migrationId: string, action: SteeringAction, actor: Actor, now: number): Outcome<string> {
    const m = findMigration(this.sql, migrationId);
    if (!m) return missing('migration');
    const decision = decide(parties(m), action, actor);
    if (!decision.ok) return refusal(decision.status, decision.detail);
    if (action === 'accept' || action === 'approve') this.enterDeploying(m, actor, now, action === 'accept' ? 'accepted' : 'approved');
    else {
      transition(this.sql, m, decision.to, actor, now);
      if (decision.to === 'cancelled') this.removeTarget(m, 'cancelled', now);
    }
    // Resumed: B is judged on what it does from now on.
    if (action === 'resume') this.traffic.resetAnalysis();
    return { ok: true, value: m.id };
  }

  /** Segments migrated; reaching the total starts the cutover unless a traffic schedule holds it. `dataStarted`: the first report with data moved. */
  progress(migrationId: string, actor: Actor, segmentsDone: number, segmentsTotal: number, now: number): Outcome<{ id: string; dataStarted: boolean }> {
    const m = findMigration(this.sql, migrationId);
    if (!m) return missing('migration');
    const decision = decide(parties(m), 'progress', actor);
    if (!decision.ok) return refusal(decision.status, decision.detail);
    if (m.segments_total !== null && segmentsTotal !== m.segments_total) return refusal(409, `The migration has ${m.segments_total} segments; the total cannot change.`);
    if (segmentsDone < m.segments_done) return refusal(409, `Progress never goes back: ${m.segments_done} segments are already reported done.`);
    if (segmentsDone === m.segments_done && m.segments_total !== null) return { ok: true, value: { id: m.id, dataStarted: false } };
    const updated = recordProgress(this.sql, m, segmentsDone, segmentsTotal, now);
    if (this.cutoverDue(updated)) transition(this.sql, updated, 'cutting_over', actor, now);
    return { ok: true, value: { id: m.id, dataStarted: m.segments_done === 0 && segmentsDone > 0 } };
  }

  storageAddresses(migrationId: string, providerId: string): Outcome<string[]> {
    const m = findMigration(this.sql, migrationId);
    if (!m || m.target_provider_id !== providerId) return missing('migration');
    if (!STORAGE_OPEN_STATES.includes(m.state)) return refusal(409, `Storage access is given while the migration deploys or migrates; it is ${m.state.replace('_', ' ')}.`);
    return { ok: true, value: [...new Set(targetsOf(this.sql, m.id).map((t) => t.storage_address))] };
  }

  /** Marks the active migration stalled once per quiet period, unless it waits for the traffic schedule by design. */
  flagStalled(quietBefore: number, now: number): boolean {
    const m = activeMigration(this.sql);
    if (!m || !STALLABLE_STATES.includes(m.state) || m.stalled_at !== null || m.last_progress_at >= quietBefore) return false;
    if (this.dataMigrated(m) && this.traffic.holdsCutover(m.id)) return false;
    markStalled(this.sql, m, now);
    return true;
  }

  /** One transition the active migration takes by itself (all but the cutover's completion); false when none is due. */
  step(m: MigrationRow, now: number): boolean {
    if (m.state === 'rolling_back') {
      this.removeTarget(m, 'rolled_back', now);
      transition(this.sql, m, 'rolled_back', SYSTEM, now, { reason: 'placements stay on the source platform' });
      return true;
    }
    if (m.state === 'migrating') {
      if (!this.cutoverDue(m)) return false;
      transition(this.sql, m, 'cutting_over', SYSTEM, now, { reason: 'every segment migrated and no traffic schedule holds the cutover' });
      return true;
    }
    if (m.state !== 'deploying') return false;
    const tasks = taskCounts(this.sql, m.id);
    if (tasks.failed > 0) {
      this.removeTarget(m, 'failed', now);
      transition(this.sql, m, 'failed', SYSTEM, now, { reason: 'a deployment task failed on every attempt' });
      return true;
    }
    if (tasks.total > 0 && tasks.succeeded === tasks.total) {
      transition(this.sql, m, 'migrating', SYSTEM, now, { reason: 'platform modules deployed on every target server' });
      return true;
    }
    return false;
  }

  /** The placements switched (outside the transaction): completed, and A's modules removed from the servers. */
  complete(migrationId: string, sourceModules: ModuleRef[], now: number): void {
    const m = findMigration(this.sql, migrationId);
    if (m?.state !== 'cutting_over') return;
    transition(this.sql, m, 'completed', SYSTEM, now, { reason: 'placements switched to the target platform' });
    createRemovals(this.sql, m.id, m.source_platform_id, sourceModules, targetsOf(this.sql, m.id), 'completed', now);
  }

  dataMigrated(m: MigrationRow): boolean {
    return m.segments_total !== null && m.segments_done === m.segments_total;
  }

  /** Every segment migrated and no traffic schedule left to run: the migration may cut over. */
  cutoverDue(m: MigrationRow): boolean {
    return this.dataMigrated(m) && !this.traffic.holdsCutover(m.id);
  }

  /** Consent given: deploying, with one deployment task per target server. */
  private enterDeploying(m: MigrationRow, actor: Actor, now: number, consent: 'accepted' | 'approved', reason?: string): void {
    transition(this.sql, m, 'deploying', actor, now, { consent, ...(reason ? { reason } : {}) });
    const modules = JSON.parse(m.target_modules) as ModuleRef[];
    for (const t of targetsOf(this.sql, m.id)) {
      cancelRemovalsOf(this.sql, t.server_id, modules, now);
      createTask(this.sql, m.id, t.server_id, { kind: DEPLOY_TASK, migrationId: m.id, platformId: m.target_platform_id, modules, storageAddress: t.storage_address }, now);
    }
  }

  /**
   * The migration ends without B: open tasks are cancelled, and every server an agent took a
   * deployment task on (it may hold B's modules, whole or in part) gets a removal task.
   */
  private removeTarget(m: MigrationRow, reason: RemovalReason, now: number): void {
    cancelOpenTasks(this.sql, m.id, now);
    const reached = new Set(serversReached(this.sql, m.id));
    const servers = targetsOf(this.sql, m.id).filter((t) => reached.has(t.server_id));
    createRemovals(this.sql, m.id, m.target_platform_id, JSON.parse(m.target_modules) as ModuleRef[], servers, reason, now);
  }
}

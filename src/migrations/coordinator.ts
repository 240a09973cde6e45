import { DurableObject } from 'cloudflare:workers';
import {
  cancelOpenTasks,
  cancelRemovalsOf,
  createRemovals,
  createTask,
  DEPLOY_TASK,
  findTask,
  leaseTasks,
  nextLeaseExpiry,
  reclaimExpired,
  reportResult,
  serversReached,
  taskCounts,
  tasksOf,
  TASKS_SCHEMA,
} from '../agent/tasks';
import type { LeasedTask, ModuleRef, RemovalReason, TaskCounts, TaskReport, TaskRow, TaskState } from '../agent/tasks';
import { getPlatform } from '../catalog/store';
import { setMigrationTarget } from '../compatibility/outbox';
import { COORDINATOR_RETRY_MS, START_RESERVATION_MS } from '../constants';
import { getDb } from '../db';
import type { Env } from '../env';
import { revokeHeldByFormerProvider } from '../hardware/revocation';
import { switchCustomerPlatform } from '../inventory/placements';
import { deliverDue, type DispatchResult } from '../webhooks/dispatcher';
import type { WebhookEventData, WebhookEventType } from '../webhooks/events';
import { emitEvent, eventsOf, findDelivery, nextDeliveryAt, OUTBOX_SCHEMA, redeliver, type EventRecord } from '../webhooks/outbox';
import {
  activeMigration,
  allMigrations,
  findByRequestKey,
  findMigration,
  insertMigration,
  LEDGER_SCHEMA,
  markStalled,
  recordProgress,
  snapshotOf,
  targetsOf,
  transition,
  type MigrationRow,
  type MigrationSnapshot,
  type NewMigration,
} from './ledger';
import { ANALYSIS_SCHEMA, type AnalysisSettings } from '../sbc/analysis';
import { TrafficDesk, upstreamOf, type AnalysisReport, type TrafficReport } from '../sbc/desk';
import { SCHEDULE_SCHEMA, type ScheduleStep } from '../sbc/schedule';
import { readTraffic, TRAFFIC_SCHEMA, type OutcomeBatch, type TrafficView } from '../sbc/traffic-state';
import { decide } from './lifecycle';
import { ACTIVE_STATES, SYSTEM, type Actor, type SteeringAction } from '../lib/lifecycle';
import { flushReadModel, forgetReadModel } from './mirror';
import { refusal, type Outcome, type Refusal } from '../http/outcome';
import { first, migrate, run } from '../lib/do-sql';
import { observe, timelineOf, TIMELINE_SCHEMA, type TimelinePoint, type WindowCalls } from './timeline';

const META_SCHEMA = ['CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)'];

const ACTIVE_REFUSAL = 'The customer already has an active migration; finish, cancel or roll it back first.';

export interface StartInput extends NewMigration {
  autoAccept: boolean;
}

export interface RunReport extends DispatchResult {
  reclaimedTasks: number;
  readModelCurrent: boolean;
}

/** An event recorded elsewhere (a D1 outbox) for this customer's providers. */
export interface RelayedEvent {
  id: string;
  type: WebhookEventType;
  /** The provider the event concerns first; the active migration's providers are added. */
  providerId: string;
  data: Record<string, unknown>;
}

export interface Audit {
  customerId: string | null;
  migrations: (MigrationSnapshot & { events: EventRecord[]; tasks: TaskCounts })[];
}

/**
 * One per customer (addressed by the customer's id only): the single writer of that customer's
 * migration state, its agent tasks, its webhook queue and its SBC traffic split (src/sbc/desk.ts). Every RPC method is one unit of work in one storage transaction, then `#settle` moves
 * what moves by itself (deployment done, rollback, cutover), mirrors to D1 and sets the alarm.
 * Methods return typed outcomes instead of throwing across RPC. Table layout: STORAGE.md.
 */
export class CustomerCoordinator extends DurableObject<Env> {
  /** Serialises alarm and cron runs, so a run never starts while another is sending. */
  #runs: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql, [...META_SCHEMA, ...LEDGER_SCHEMA, ...TASKS_SCHEMA, ...OUTBOX_SCHEMA, ...TRAFFIC_SCHEMA, ...SCHEDULE_SCHEMA, ...TIMELINE_SCHEMA, ...ANALYSIS_SCHEMA]);
    });
    this.#traffic = new TrafficDesk(ctx.storage.sql, env);
  }

  readonly #traffic: TrafficDesk;

  get #sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  #tx<T>(fn: (now: number) => T): T {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => fn(now));
  }

  /** The start the Worker is preparing (its Idempotency-Key's request key), in memory only. */
  #pendingStart: { requestKey: string; until: number } | null = null;

  /**
   * Asked before the Worker reads what a start needs: while a migration is active or another start is
   * being prepared, a start is refused here at once, so concurrent starts for one customer cost one
   * call each instead of a start's reads. Memory only (an evicted object forgets it after at most
   * START_RESERVATION_MS anyway): `start` still refuses a second active migration in its transaction.
   */
  async reserveStart(requestKey: string): Promise<Outcome<null>> {
    const now = Date.now();
    const pending = this.#pendingStart;
    if (findByRequestKey(this.#sql, requestKey)) return { ok: true, value: null };
    if (activeMigration(this.#sql)) return refusal(409, ACTIVE_REFUSAL);
    if (pending && pending.requestKey !== requestKey && pending.until > now)
      return refusal(409, 'Another start of a migration for this customer is being prepared; retry in a few seconds.');
    this.#pendingStart = { requestKey, until: now + START_RESERVATION_MS };
    return { ok: true, value: null };
  }

  /** Ends the reservation of a start the Worker refused after reserving it. */
  async releaseStart(requestKey: string): Promise<void> {
    if (this.#pendingStart?.requestKey === requestKey) this.#pendingStart = null;
  }

  async start(input: StartInput): Promise<Outcome<MigrationSnapshot>> {
    if (this.#pendingStart?.requestKey === input.requestKey) this.#pendingStart = null;
    const outcome = this.#tx((now): Outcome<string> => {
      if (!this.#claim(input.customerId)) return refusal(404, 'customer');
      const replay = findByRequestKey(this.#sql, input.requestKey);
      if (replay) return { ok: true, value: replay.id };
      if (activeMigration(this.#sql)) return refusal(409, ACTIVE_REFUSAL);
      const m = insertMigration(this.#sql, input, now);
      if (input.initiator.kind === 'customer' && input.autoAccept) this.#enterDeploying(m, SYSTEM, now, 'accepted', 'the target platform accepts migrations automatically');
      else transition(this.#sql, m, 'awaiting_consent', input.initiator, now);
      return { ok: true, value: m.id };
    });
    return this.#respond(outcome);
  }

  async steer(migrationId: string, action: SteeringAction, actor: Actor): Promise<Outcome<MigrationSnapshot>> {
    const outcome = this.#tx((now): Outcome<string> => {
      const m = findMigration(this.#sql, migrationId);
      if (!m) return refusal(404, 'migration');
      const decision = decide(this.#parties(m), action, actor);
      if (!decision.ok) return refusal(decision.status, decision.detail);
      if (action === 'accept' || action === 'approve') this.#enterDeploying(m, actor, now, action === 'accept' ? 'accepted' : 'approved');
      else {
        transition(this.#sql, m, decision.to, actor, now);
        if (decision.to === 'cancelled') this.#removeTarget(m, 'cancelled', now);
      }
      // Resumed: B is judged on what it does from now on.
      if (action === 'resume') this.#traffic.resetAnalysis();
      return { ok: true, value: m.id };
    });
    return this.#respond(outcome);
  }

  /**
   * The target provider's report of segments migrated; reaching the total starts the cutover (unless
   * a traffic schedule holds it). `dataStarted`: this report is the first with data moved, when the
   * migration becomes billable (exactly once, as progress never goes back).
   */
  async progress(migrationId: string, actor: Actor, segmentsDone: number, segmentsTotal: number): Promise<Outcome<MigrationSnapshot & { dataStarted: boolean }>> {
    let dataStarted = false;
    const outcome = this.#tx((now): Outcome<string> => {
      const m = findMigration(this.#sql, migrationId);
      if (!m) return refusal(404, 'migration');
      const decision = decide(this.#parties(m), 'progress', actor);
      if (!decision.ok) return refusal(decision.status, decision.detail);
      if (m.segments_total !== null && segmentsTotal !== m.segments_total)
        return refusal(409, `The migration has ${m.segments_total} segments; the total cannot change.`);
      if (segmentsDone < m.segments_done) return refusal(409, `Progress never goes back: ${m.segments_done} segments are already reported done.`);
      if (segmentsDone === m.segments_done && m.segments_total !== null) return { ok: true, value: m.id };
      const updated = recordProgress(this.#sql, m, segmentsDone, segmentsTotal, now);
      dataStarted = m.segments_done === 0 && segmentsDone > 0;
      if (this.#cutoverDue(updated)) transition(this.#sql, updated, 'cutting_over', actor, now);
      return { ok: true, value: m.id };
    });
    const answer = await this.#respond(outcome);
    return answer.ok ? { ok: true, value: { ...answer.value, dataStarted } } : answer;
  }

  async get(migrationId: string): Promise<Outcome<MigrationSnapshot>> {
    const m = findMigration(this.#sql, migrationId);
    return m ? { ok: true, value: snapshotOf(this.#sql, m) } : refusal(404, 'migration');
  }

  /** The migration's timeline: data migrated, B's share of sessions and failure counts over time. */
  async timeline(migrationId: string): Promise<Outcome<TimelinePoint[]>> {
    return findMigration(this.#sql, migrationId) ? { ok: true, value: timelineOf(this.#sql, migrationId) } : refusal(404, 'migration');
  }

  /** Leases this server's pending tasks: removals at any time, deployments while the active migration is deploying. */
  async pollTasks(serverId: string, limit: number): Promise<LeasedTask[]> {
    const leased = this.#tx((now) => {
      reclaimExpired(this.#sql, now);
      const m = activeMigration(this.#sql);
      return leaseTasks(this.#sql, m?.state === 'deploying' ? m.id : null, serverId, now, limit);
    });
    await this.#settle();
    return leased;
  }

  async taskResult(taskId: string, serverId: string, attempt: number, report: TaskReport): Promise<Outcome<{ id: string; state: TaskState; attempts: number }>> {
    const outcome = this.#tx((now) => reportResult(this.#sql, taskId, serverId, attempt, report, now));
    if (!outcome.ok) return refusal(outcome.status, outcome.status === 404 ? 'task' : outcome.detail);
    await this.#settle();
    const task = findTask(this.#sql, taskId)!;
    return { ok: true, value: { id: task.id, state: task.state, attempts: task.attempts } };
  }

  /** A page of one migration's tasks (deployments and removals), for its parties' deployment view. */
  async migrationTasks(migrationId: string, limit: number, after?: string): Promise<Outcome<TaskRow[]>> {
    return findMigration(this.#sql, migrationId) ? { ok: true, value: tasksOf(this.#sql, migrationId, limit, after) } : refusal(404, 'migration');
  }

  /** The customer data's storage addresses, for the target provider, once deployment has begun. */
  async storageAddresses(migrationId: string, providerId: string): Promise<Outcome<string[]>> {
    const m = findMigration(this.#sql, migrationId);
    if (!m || m.target_provider_id !== providerId) return refusal(404, 'migration');
    if (!['deploying', 'migrating', 'paused', 'cutting_over'].includes(m.state))
      return refusal(409, `Storage access is given while the migration deploys or migrates; it is ${m.state.replace('_', ' ')}.`);
    return { ok: true, value: [...new Set(targetsOf(this.#sql, m.id).map((t) => t.storage_address))] };
  }

  async redeliver(deliveryId: string, providerId: string): Promise<Outcome<{ id: string; eventId: string }>> {
    const outcome = this.#tx((now): Outcome<{ id: string; eventId: string }> => {
      const original = findDelivery(this.#sql, deliveryId);
      if (!original || original.provider_id !== providerId) return refusal(404, 'delivery');
      const copy = redeliver(this.#sql, deliveryId, now)!;
      return { ok: true, value: { id: copy.id, eventId: copy.event_id } };
    });
    if (outcome.ok) await this.#settle();
    return outcome;
  }

  /** Queues events recorded elsewhere for this customer's providers; an event already queued is skipped. */
  async relay(customerId: string, events: RelayedEvent[]): Promise<number> {
    this.#tx((now) => {
      this.#claim(customerId);
      const active = activeMigration(this.#sql);
      for (const e of events) {
        emitEvent(this.#sql, {
          id: e.id,
          type: e.type,
          customerId,
          migrationId: active?.id ?? null,
          transitionSeq: null,
          recipients: [e.providerId, ...(active ? [active.source_provider_id, active.target_provider_id] : [])],
          // Checked against the event type's schema by emitEvent.
          data: { ...e.data, migrationId: active?.id ?? null } as WebhookEventData<WebhookEventType>,
          now,
        });
      }
    });
    await this.#settle();
    return events.length;
  }

  /** Everything due now: expired task leases, automatic transitions, webhook deliveries, read model. */
  async runDue(): Promise<RunReport> {
    const run = this.#runs.then(() => this.#runDueOnce());
    this.#runs = run.catch(() => undefined);
    return run;
  }

  override async alarm(): Promise<void> {
    await this.runDue();
  }

  /** Emits `migration.stalled` once per quiet period for an active migration quiet since before `quietBefore`. */
  async flagStalled(quietBefore: number): Promise<boolean> {
    const flagged = this.#tx((now) => {
      const m = activeMigration(this.#sql);
      if (!m || !['deploying', 'migrating', 'cutting_over'].includes(m.state) || m.stalled_at !== null || m.last_progress_at >= quietBefore) return false;
      // Every segment migrated, the cutover waits for the traffic schedule: waiting by design.
      if (this.#dataMigrated(m) && this.#traffic.holdsCutover(m.id)) return false;
      markStalled(this.#sql, m, now);
      return true;
    });
    if (flagged) await this.#settle();
    return flagged;
  }

  /** Writes every row of this coordinator to the D1 read models again. */
  async repairReadModel(): Promise<boolean> {
    this.ctx.storage.transactionSync(() => forgetReadModel(this.#sql));
    await this.#settle();
    return true;
  }

  /** Migrations with their events and task counts (operations and invariant checks). */
  async audit(): Promise<Audit> {
    return {
      customerId: this.#customerId(),
      migrations: allMigrations(this.#sql).map((m) => ({ ...snapshotOf(this.#sql, m), events: eventsOf(this.#sql, m.id), tasks: taskCounts(this.#sql, m.id) })),
    };
  }

  /** The SBC's view of this customer's split (cached per isolate by the SBC; never per call). */
  async trafficView(customerId: string): Promise<TrafficView | null> {
    return this.#traffic.view(customerId);
  }

  async trafficReport(customerId: string): Promise<TrafficReport> {
    return this.#traffic.report(await this.#traffic.view(customerId));
  }

  /**
   * Outcomes counted by one SBC isolate. When the analysis finds B breaching (against A, from enough
   * distinct clients, see src/sbc/analysis.ts), the active migration rolls back by itself, or pauses
   * when its analysis says so (and the split follows as it settles).
   */
  async recordTraffic(customerId: string, batch: OutcomeBatch): Promise<{ rolledBack: boolean }> {
    const acted = this.#tx((now) => {
      const judged = this.#traffic.record(batch, now);
      if (judged?.verdict.kind !== 'breach') return null;
      const m = activeMigration(this.#sql);
      const view = readTraffic(this.#sql);
      const { verdict, settings } = judged;
      const to = settings.action === 'pause' ? 'paused' : 'rolling_back';
      if (!m || view?.migrationId !== m.id || !(m.state === 'migrating' || (to === 'rolling_back' && m.state === 'paused'))) return null;
      const reason = `analysis: ${verdict.reason}`;
      console.log(JSON.stringify({ level: 'warn', event: `sbc.auto-${settings.action}`, customerId, migrationId: m.id, verdict }));
      transition(this.#sql, m, to, SYSTEM, now, { reason });
      // A paused migration is judged afresh once resumed, not on the failures that paused it.
      if (to === 'paused') this.#traffic.resetAnalysis();
      return to;
    });
    if (acted) await this.#settle();
    else this.#tx((now) => this.#observe(now));
    return { rolledBack: acted === 'rolling_back' };
  }

  /** The analysis settings of a migration of this customer and, while B serves it, the verdict now. */
  async analysis(migrationId: string): Promise<Outcome<AnalysisReport>> {
    return findMigration(this.#sql, migrationId) ? { ok: true, value: this.#traffic.analysis(migrationId) } : refusal(404, 'migration');
  }

  /** Sets the analysis settings of an active migration (already validated within bounds). */
  async setAnalysis(migrationId: string, settings: AnalysisSettings, actor: Actor): Promise<Outcome<AnalysisReport>> {
    return this.#tx((now) => {
      const m = findMigration(this.#sql, migrationId);
      if (!m) return refusal(404, 'migration');
      if (!ACTIVE_STATES.includes(m.state)) return refusal(409, `The migration is ${m.state.replace('_', ' ')}: its analysis is over.`);
      this.#traffic.setAnalysis(migrationId, settings, actor, now);
      return { ok: true, value: this.#traffic.analysis(migrationId, now) };
    });
  }

  /**
   * Sets or replaces (steps) or removes (null: back to following the data migrated) the traffic
   * schedule of the active migration, once platform B serves (see src/sbc/schedule.ts).
   */
  async setTrafficSchedule(customerId: string, steps: ScheduleStep[] | null, actor: Actor): Promise<Outcome<TrafficReport>> {
    return this.#changeSchedule(customerId, (m, now) => {
      if (!steps) {
        this.#traffic.clearSchedule();
        return null;
      }
      const errors = this.#traffic.setSchedule(m.id, steps, actor, now);
      return errors.length ? refusal(422, 'A step would move sessions from platform B back to platform A.', errors) : null;
    });
  }

  /** Holds (paused) or releases the traffic schedule's clock; B's share stays where it is while held. */
  async holdTrafficSchedule(customerId: string, paused: boolean): Promise<Outcome<TrafficReport>> {
    return this.#changeSchedule(customerId, (m) => {
      const schedule = this.#traffic.schedule(m.id);
      if (!schedule) return refusal(409, 'B’s share follows the data migrated: there is no traffic schedule.');
      if (schedule.status === 'finished') return refusal(409, 'The traffic schedule has run its last step.');
      if (schedule.paused === paused) return refusal(409, `The traffic schedule is ${paused ? 'already paused' : 'not paused'}.`);
      this.#traffic.holdSchedule(schedule, paused);
      return null;
    });
  }

  async #changeSchedule(customerId: string, change: (m: MigrationRow, now: number) => Refusal | null): Promise<Outcome<TrafficReport>> {
    if (!(await this.#traffic.view(customerId))?.a) return refusal(404, 'customer');
    const refused = this.#tx((now) => {
      const m = activeMigration(this.#sql);
      if (!m) return refusal(409, 'The customer has no active migration.');
      const view = readTraffic(this.#sql);
      const state = m.state.replace('_', ' ');
      if (view?.migrationId !== m.id || !view.b) return refusal(409, `Platform B does not serve yet: the migration is ${state}.`);
      if (m.state !== 'migrating' && m.state !== 'paused') return refusal(409, `The migration is ${state}.`);
      return change(m, now);
    });
    if (refused) return refused;
    await this.#settle();
    return { ok: true, value: await this.trafficReport(customerId) };
  }

  #meta(key: string): string | null {
    return first<{ value: string }>(this.#sql, 'SELECT value FROM meta WHERE key = ?', key)?.value ?? null;
  }

  #setMeta(key: string, value: string): void {
    run(this.#sql, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  }

  #customerId(): string | null {
    return this.#meta('customer_id');
  }

  /** Records which customer this object belongs to; false if it belongs to another. */
  #claim(customerId: string): boolean {
    const owner = this.#customerId();
    if (!owner) this.#setMeta('customer_id', customerId);
    return !owner || owner === customerId;
  }

  #parties(m: MigrationRow) {
    return { state: m.state, pausedFrom: m.paused_from, customerId: m.customer_id, targetProviderId: m.target_provider_id, initiatorKind: m.initiator_kind };
  }

  /** Consent given: deploying, with one deployment task per target server. */
  #enterDeploying(m: MigrationRow, actor: Actor, now: number, consent: 'accepted' | 'approved', reason?: string): void {
    transition(this.#sql, m, 'deploying', actor, now, { consent, ...(reason ? { reason } : {}) });
    const modules = JSON.parse(m.target_modules) as ModuleRef[];
    for (const t of targetsOf(this.#sql, m.id)) {
      cancelRemovalsOf(this.#sql, t.server_id, modules, now);
      createTask(this.#sql, m.id, t.server_id, { kind: DEPLOY_TASK, migrationId: m.id, platformId: m.target_platform_id, modules, storageAddress: t.storage_address }, now);
    }
  }

  /**
   * The migration ends without B: open tasks are cancelled, and every server an agent took a
   * deployment task on (it may hold B's modules, whole or in part) gets a removal task.
   */
  #removeTarget(m: MigrationRow, reason: RemovalReason, now: number): void {
    cancelOpenTasks(this.#sql, m.id, now);
    const reached = new Set(serversReached(this.#sql, m.id));
    const servers = targetsOf(this.#sql, m.id).filter((t) => reached.has(t.server_id));
    createRemovals(this.#sql, m.id, m.target_platform_id, JSON.parse(m.target_modules) as ModuleRef[], servers, reason, now);
  }

  async #respond(outcome: Outcome<string>): Promise<Outcome<MigrationSnapshot>> {
    if (!outcome.ok) return outcome;
    await this.#settle();
    return this.get(outcome.value);
  }

  async #runDueOnce(): Promise<RunReport> {
    const reclaimedTasks = this.#tx((now) => reclaimExpired(this.#sql, now));
    await this.#advance();
    const dispatched = await deliverDue(this.ctx.storage, this.env);
    const readModelCurrent = await this.#settle();
    return { reclaimedTasks, ...dispatched, readModelCurrent };
  }

  /** Moves the active migration along while it can move by itself; then mirrors and schedules. */
  async #settle(): Promise<boolean> {
    await this.#advance();
    // A traffic schedule that ran its last step with every segment migrated lets the cutover go.
    if (await this.#syncTraffic()) {
      await this.#advance();
      await this.#syncTraffic();
    }
    this.#tx((now) => this.#observe(now));
    await this.#syncCompatibilityTarget();
    const current = await flushReadModel(this.ctx.storage, this.env, this.#customerId());
    await this.#schedule(!current);
    return current;
  }

  async #advance(): Promise<void> {
    for (let step = 0; step < 4; step++) {
      const m = activeMigration(this.#sql);
      if (!m) return;
      if (m.state === 'cutting_over') {
        // Outside the transaction: other calls may interleave, but nothing leaves cutting_over but this.
        let sourceModules: ModuleRef[];
        try {
          const db = getDb(this.env.DB);
          await switchCustomerPlatform(db, m.customer_id, m.source_platform_id, m.target_platform_id, Date.now(), revokeHeldByFormerProvider);
          // Platform A's modules as A publishes them now, less any B installed in the same version.
          const kept = new Set((JSON.parse(m.target_modules) as ModuleRef[]).map((x) => `${x.name}@${x.version}`));
          sourceModules = ((await getPlatform(db, m.source_platform_id))?.modules ?? []).filter((x) => !kept.has(`${x.name}@${x.version}`));
        } catch (err) {
          console.error(JSON.stringify({ level: 'error', event: 'migration.cutover-failed', migrationId: m.id, message: (err as Error).message }));
          return;
        }
        this.#tx((now) => {
          const again = findMigration(this.#sql, m.id);
          if (again?.state !== 'cutting_over') return;
          transition(this.#sql, again, 'completed', SYSTEM, now, { reason: 'placements switched to the target platform' });
          createRemovals(this.#sql, m.id, m.source_platform_id, sourceModules, targetsOf(this.#sql, m.id), 'completed', now);
        });
        continue;
      }
      const moved = this.#tx((now) => {
        if (m.state === 'rolling_back') {
          this.#removeTarget(m, 'rolled_back', now);
          transition(this.#sql, m, 'rolled_back', SYSTEM, now, { reason: 'placements stay on the source platform' });
          return true;
        }
        if (m.state === 'migrating') {
          if (!this.#cutoverDue(m)) return false;
          transition(this.#sql, m, 'cutting_over', SYSTEM, now, { reason: 'every segment migrated and no traffic schedule holds the cutover' });
          return true;
        }
        if (m.state !== 'deploying') return false;
        const tasks = taskCounts(this.#sql, m.id);
        if (tasks.failed > 0) {
          this.#removeTarget(m, 'failed', now);
          transition(this.#sql, m, 'failed', SYSTEM, now, { reason: 'a deployment task failed on every attempt' });
          return true;
        }
        if (tasks.total > 0 && tasks.succeeded === tasks.total) {
          transition(this.#sql, m, 'migrating', SYSTEM, now, { reason: 'platform modules deployed on every target server' });
          return true;
        }
        return false;
      });
      if (!moved) return;
    }
  }

  /**
   * Compatibility watches the platform a customer is migrating to (to report `compatibility.revoked`);
   * tell it when that changes. A failure is retried at the next settle.
   */
  async #syncCompatibilityTarget(): Promise<void> {
    const customerId = this.#customerId();
    const want = activeMigration(this.#sql)?.target_platform_id ?? '';
    if (!customerId || want === (this.#meta('compat_target') ?? '')) return;
    try {
      await setMigrationTarget(getDb(this.env.DB), customerId, want || null);
      this.#setMeta('compat_target', want);
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', event: 'migration.compat-target-failed', message: (err as Error).message }));
    }
  }

  #dataMigrated(m: MigrationRow): boolean {
    return m.segments_total !== null && m.segments_done === m.segments_total;
  }

  /** Every segment migrated and no traffic schedule left to run: the migration may cut over. */
  #cutoverDue(m: MigrationRow): boolean {
    return this.#dataMigrated(m) && !this.#traffic.holdsCutover(m.id);
  }

  /**
   * Makes the split follow the latest migration: B joins at 0 % once its modules are deployed, its
   * share follows the reported progress (or the traffic schedule, capped by it), it takes everything
   * at completion, and every session goes back to A when the migration rolls back, is cancelled or
   * fails. Each change of share is emitted as `traffic.shifted`. Idempotent: it compares the split
   * with the migration, so it can run after any call, an alarm or a restart. True when the
   * migration may now cut over (a traffic schedule just released it).
   */
  async #syncTraffic(): Promise<boolean> {
    const customerId = this.#customerId();
    const latest = allMigrations(this.#sql).at(-1);
    if (!customerId || !latest) return false;
    const shifting = latest.state === 'migrating' || latest.state === 'cutting_over' || (latest.state === 'paused' && latest.paused_from === 'migrating');
    const before = await this.#traffic.view(customerId);
    const b = shifting && before?.migrationId !== latest.id ? await upstreamOf(this.env, latest.target_platform_id) : null;
    return this.#tx((now) => {
      const m = findMigration(this.#sql, latest.id);
      const view = readTraffic(this.#sql);
      if (!m || !view) return false;
      let next = view;
      let reason = '';
      if (b && view.migrationId !== m.id && m.state !== 'completed') {
        next = this.#traffic.onDeployed(customerId, b, m.id, now);
        reason = 'platform B deployed';
      }
      if (next.migrationId === m.id) {
        if (m.state === 'completed') {
          next = this.#traffic.onComplete(customerId, now);
          reason = 'migration completed: platform B serves every session';
        } else if (['rolling_back', 'rolled_back', 'cancelled', 'failed'].includes(m.state)) {
          next = this.#traffic.onRollback(customerId, now);
          reason = `migration ${m.state.replace('_', ' ')}: every session back on platform A`;
        } else {
          const moved = this.#traffic.onMove(customerId, { done: m.segments_done, total: m.segments_total, migrating: m.state === 'migrating' }, now);
          const s = moved.schedule;
          const progress = `migration progress ${m.segments_done}/${m.segments_total ?? '?'}`;
          if (moved.view.weightB !== next.weightB) reason = s ? `traffic schedule step ${s.step + 1} of ${s.steps.length} (${s.steps[s.step]!.weight} %), ${progress}` : progress;
          next = moved.view;
        }
      }
      const cutoverDue = m.state === 'migrating' && this.#cutoverDue(m);
      // B's effective share of sessions, before and after (at completion B serves everything).
      const shareBefore = view.b ? view.weightB : 0;
      const shareAfter = m.state === 'completed' && view.b ? 10_000 : next.b ? next.weightB : 0;
      if (shareAfter === shareBefore) return cutoverDue;
      emitEvent(this.#sql, {
        type: 'traffic.shifted',
        customerId,
        migrationId: m.id,
        transitionSeq: null,
        recipients: [m.source_provider_id, m.target_provider_id],
        data: {
          migrationId: m.id,
          customerId,
          percentB: shareAfter / 100,
          previousPercentB: shareBefore / 100,
          epoch: next.epoch,
          reason,
        },
        now,
      });
      return cutoverDue;
    });
  }

  /** Adds a point to the latest migration's timeline when what the live chart draws has changed. */
  #observe(now: number): void {
    const m = allMigrations(this.#sql).at(-1);
    if (!m) return;
    const view = readTraffic(this.#sql);
    const window = this.#traffic.report(view, now).window;
    const calls = (platformId: string): WindowCalls => {
      const c = window[platformId];
      return { requests: c?.requests ?? 0, failures: (c?.errors ?? 0) + (c?.upstreamFailures ?? 0) };
    };
    const weightB = view?.migrationId === m.id && view.b ? view.weightB : null;
    observe(this.#sql, m.id, { state: m.state, segmentsDone: m.segments_done, segmentsTotal: m.segments_total, weightB, a: calls(m.source_platform_id), b: calls(m.target_platform_id) }, now);
  }

  /** One alarm per object: the earliest of everything scheduled in storage. */
  async #schedule(readModelBehind: boolean): Promise<void> {
    const now = Date.now();
    const retry = readModelBehind || activeMigration(this.#sql)?.state === 'cutting_over' ? now + COORDINATOR_RETRY_MS : null;
    const times = [nextDeliveryAt(this.#sql), nextLeaseExpiry(this.#sql), this.#traffic.nextDueAt(), retry].filter((t): t is number => t !== null);
    if (times.length) await this.ctx.storage.setAlarm(Math.min(...times));
  }
}

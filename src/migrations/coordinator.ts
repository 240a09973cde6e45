import { DurableObject } from 'cloudflare:workers';
import { findTask, leaseTasks, nextLeaseExpiry, reclaimExpired, reportResult, taskCounts, tasksOf, type LeasedTask, type TaskCounts, type TaskReport, type TaskRow } from '../agent/tasks';
import { COORDINATOR_ADVANCE_STEPS, COORDINATOR_RETRY_MS } from '../constants';
import type { Env } from '../env';
import { missing, refusal, type Outcome, type Refusal } from '../http/outcome';
import { migrateSchema } from '../lib/do-sql';
import { ACTIVE_STATES, type Actor, type SteeringAction, type TaskState } from '../lib/lifecycle';
import type { AnalysisSettings } from '../sbc/analysis';
import { TrafficDesk, type AnalysisReport, type TrafficReport } from '../sbc/desk';
import type { ScheduleStep } from '../sbc/schedule';
import type { OutcomeBatch, TrafficView } from '../sbc/traffic-state';
import { deliverDue, type DispatchResult } from '../webhooks/dispatcher';
import { eventsOf, findDelivery, nextDeliveryAt, redeliver, relayEvents, type EventRecord, type RelayedEvent } from '../webhooks/outbox';
import { MigrationDesk, type StartInput } from './desk';
import { activeMigration, allMigrations, findMigration } from './ledger';
import { snapshotOf, type MigrationSnapshot } from './snapshot';
import { syncCompatibilityTarget, switchPlacements } from './effects';
import { customerOf } from './meta';
import { flushReadModel, forgetReadModel } from './mirror';
import { COORDINATOR_SCHEMA } from './storage-schema';
import { timelineOf, type TimelinePoint } from './timeline';
import { TrafficSync } from './traffic-sync';

export interface RunReport extends DispatchResult {
  reclaimedTasks: number;
  readModelCurrent: boolean;
}

export interface Audit {
  customerId: string | null;
  migrations: (MigrationSnapshot & { events: EventRecord[]; tasks: TaskCounts })[];
}

/**
 * One per customer (addressed by the customer's id only): the single writer of that customer's
 * migration state, its agent tasks, its webhook queue and its SBC traffic split. A thin object over
 * its desks (./desk.ts migrations, src/agent/tasks.ts, src/webhooks/outbox.ts, ./traffic-sync.ts
 * and src/sbc/desk.ts): every RPC method is one unit of work in one storage transaction, then
 * `#settle` moves what moves by itself (deployment done, rollback, cutover), mirrors to D1 and sets
 * the alarm. Methods return typed outcomes instead of throwing across RPC. Tables: STORAGE.md.
 */
export class CustomerCoordinator extends DurableObject<Env> {
  /** Serialises alarm and cron runs, so a run never starts while another is sending. */
  #runs: Promise<unknown> = Promise.resolve();
  readonly #traffic: TrafficDesk;
  readonly #migrations: MigrationDesk;
  readonly #sync: TrafficSync;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => migrateSchema(ctx.storage, COORDINATOR_SCHEMA));
    this.#traffic = new TrafficDesk(ctx.storage.sql, env);
    this.#migrations = new MigrationDesk(ctx.storage.sql, this.#traffic);
    this.#sync = new TrafficSync(ctx.storage.sql, this.#traffic, this.#migrations, env);
  }

  get #sql(): SqlStorage {
    return this.ctx.storage.sql;
  }

  #tx = <T>(fn: (now: number) => T): T => {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => fn(now));
  };

  /** Holds a start the Worker is about to prepare, refusing others meanwhile (see MigrationDesk.reserveStart). */
  async reserveStart(requestKey: string): Promise<Outcome<null>> {
    return this.#migrations.reserveStart(requestKey, Date.now());
  }

  /** Ends the reservation of a start the Worker refused after reserving it. */
  async releaseStart(requestKey: string): Promise<void> {
    this.#migrations.releaseStart(requestKey);
  }

  async start(input: StartInput): Promise<Outcome<MigrationSnapshot>> {
    return this.#respond(this.#tx((now) => this.#migrations.start(input, now)));
  }

  async steer(migrationId: string, action: SteeringAction, actor: Actor): Promise<Outcome<MigrationSnapshot>> {
    return this.#respond(this.#tx((now) => this.#migrations.steer(migrationId, action, actor, now)));
  }

  /** The target provider's report of segments migrated; `dataStarted`: the migration became billable now (exactly once). */
  async progress(migrationId: string, actor: Actor, segmentsDone: number, segmentsTotal: number): Promise<Outcome<MigrationSnapshot & { dataStarted: boolean }>> {
    const outcome = this.#tx((now) => this.#migrations.progress(migrationId, actor, segmentsDone, segmentsTotal, now));
    if (!outcome.ok) return outcome;
    const answer = await this.#respond({ ok: true, value: outcome.value.id });
    return answer.ok ? { ok: true, value: { ...answer.value, dataStarted: outcome.value.dataStarted } } : answer;
  }

  async get(migrationId: string): Promise<Outcome<MigrationSnapshot>> {
    const m = findMigration(this.#sql, migrationId);
    return m ? { ok: true, value: snapshotOf(this.#sql, m) } : missing('migration');
  }

  /** The migration's timeline: data migrated, B's share of sessions and failure counts over time. */
  async timeline(migrationId: string): Promise<Outcome<TimelinePoint[]>> {
    return this.#ofMigration(migrationId, () => timelineOf(this.#sql, migrationId));
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
    if (!outcome.ok) return outcome.status === 404 ? missing('task') : refusal(outcome.status, outcome.detail);
    await this.#settle();
    const task = findTask(this.#sql, taskId)!;
    return { ok: true, value: { id: task.id, state: task.state, attempts: task.attempts } };
  }

  /** A page of one migration's tasks (deployments and removals), for its parties' deployment view. */
  async migrationTasks(migrationId: string, limit: number, after?: string): Promise<Outcome<TaskRow[]>> {
    return this.#ofMigration(migrationId, () => tasksOf(this.#sql, migrationId, limit, after));
  }

  /** The customer data's storage addresses, for the target provider, once deployment has begun. */
  async storageAddresses(migrationId: string, providerId: string): Promise<Outcome<string[]>> {
    return this.#migrations.storageAddresses(migrationId, providerId);
  }

  async redeliver(deliveryId: string, providerId: string): Promise<Outcome<{ id: string; eventId: string }>> {
    const outcome = this.#tx((now): Outcome<{ id: string; eventId: string }> => {
      const original = findDelivery(this.#sql, deliveryId);
      if (!original || original.provider_id !== providerId) return missing('delivery');
      const copy = redeliver(this.#sql, deliveryId, now)!;
      return { ok: true, value: { id: copy.id, eventId: copy.event_id } };
    });
    if (outcome.ok) await this.#settle();
    return outcome;
  }

  /** Queues events recorded elsewhere for this customer's providers; an event already queued is skipped. */
  async relay(customerId: string, events: RelayedEvent[]): Promise<number> {
    this.#tx((now) => relayEvents(this.#sql, customerId, activeMigration(this.#sql), events, now));
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
    const flagged = this.#tx((now) => this.#migrations.flagStalled(quietBefore, now));
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
    const migrations = allMigrations(this.#sql).map((m) => ({ ...snapshotOf(this.#sql, m), events: eventsOf(this.#sql, m.id), tasks: taskCounts(this.#sql, m.id) }));
    return { customerId: customerOf(this.#sql), migrations };
  }

  /** The SBC's view of this customer's split (cached per isolate by the SBC; never per call). */
  async trafficView(customerId: string): Promise<TrafficView | null> {
    return this.#traffic.view(customerId);
  }

  async trafficReport(customerId: string): Promise<TrafficReport> {
    return this.#traffic.report(await this.#traffic.view(customerId));
  }

  /** Outcomes counted by one SBC isolate; B breaching rolls the migration back (or pauses it) by itself. */
  async recordTraffic(customerId: string, batch: OutcomeBatch): Promise<{ rolledBack: boolean }> {
    const acted = this.#tx((now) => this.#sync.record(customerId, batch, now));
    if (acted) await this.#settle();
    else this.#tx((now) => this.#sync.observe(now));
    return { rolledBack: acted === 'rolling_back' };
  }

  /** The analysis settings of a migration of this customer and, while B serves it, the verdict now. */
  async analysis(migrationId: string): Promise<Outcome<AnalysisReport>> {
    return this.#ofMigration(migrationId, () => this.#traffic.analysis(migrationId));
  }

  /** Sets the analysis settings of an active migration (already validated within bounds). */
  async setAnalysis(migrationId: string, settings: AnalysisSettings, actor: Actor): Promise<Outcome<AnalysisReport>> {
    return this.#tx((now) => {
      const m = findMigration(this.#sql, migrationId);
      if (!m) return missing('migration');
      if (!ACTIVE_STATES.includes(m.state)) return refusal(409, `The migration is ${m.state.replace('_', ' ')}: its analysis is over.`);
      this.#traffic.setAnalysis(migrationId, settings, actor, now);
      return { ok: true, value: this.#traffic.analysis(migrationId, now) };
    });
  }

  /** Sets, replaces or (null) removes the active migration's traffic schedule once B serves (src/sbc/schedule.ts). */
  async setTrafficSchedule(customerId: string, steps: ScheduleStep[] | null, actor: Actor): Promise<Outcome<TrafficReport>> {
    return this.#changeSchedule(customerId, (now) => this.#sync.setSchedule(steps, actor, now));
  }

  /** Holds (paused) or releases the traffic schedule's clock; B's share stays where it is while held. */
  async holdTrafficSchedule(customerId: string, paused: boolean): Promise<Outcome<TrafficReport>> {
    return this.#changeSchedule(customerId, () => this.#sync.holdSchedule(paused));
  }

  async #changeSchedule(customerId: string, change: (now: number) => Refusal | null): Promise<Outcome<TrafficReport>> {
    if (!(await this.#traffic.view(customerId))?.a) return missing('customer');
    const refused = this.#tx(change);
    if (refused) return refused;
    await this.#settle();
    return { ok: true, value: await this.trafficReport(customerId) };
  }

  #ofMigration<T>(migrationId: string, read: () => T): Outcome<T> {
    return findMigration(this.#sql, migrationId) ? { ok: true, value: read() } : missing('migration');
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
    if (await this.#sync.sync(this.#tx)) {
      await this.#advance();
      await this.#sync.sync(this.#tx);
    }
    this.#tx((now) => this.#sync.observe(now));
    await syncCompatibilityTarget(this.#sql, this.env);
    const current = await flushReadModel(this.ctx.storage, this.env, customerOf(this.#sql));
    await this.#schedule(!current);
    return current;
  }

  async #advance(): Promise<void> {
    for (let step = 0; step < COORDINATOR_ADVANCE_STEPS; step++) {
      const m = activeMigration(this.#sql);
      if (!m) return;
      if (m.state !== 'cutting_over') {
        if (!this.#tx((now) => this.#migrations.step(m, now))) return;
        continue;
      }
      // Outside the transaction: other calls may interleave, but nothing leaves cutting_over but this.
      const sourceModules = await switchPlacements(this.env, m);
      if (!sourceModules) return;
      this.#tx((now) => this.#migrations.complete(m.id, sourceModules, now));
    }
  }

  /** One alarm per object: the earliest of everything scheduled in storage. */
  async #schedule(readModelBehind: boolean): Promise<void> {
    const now = Date.now();
    const retry = readModelBehind || activeMigration(this.#sql)?.state === 'cutting_over' ? now + COORDINATOR_RETRY_MS : null;
    const times = [nextDeliveryAt(this.#sql), nextLeaseExpiry(this.#sql), this.#traffic.nextDueAt(), retry].filter((t): t is number => t !== null);
    if (times.length) await this.ctx.storage.setAlarm(Math.min(...times));
  }
}

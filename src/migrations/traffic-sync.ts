/**
 * The coordinator's traffic desk: keeps the SBC split (src/sbc/desk.ts) following the latest
 * migration, records the timeline the console draws, and applies what the SBC analysis decides.
 */
import { SBC_WEIGHT_SCALE } from '../constants';
import type { Env } from '../env';
import { refusal, type Refusal } from '../http/outcome';
import { WITHOUT_B_STATES, SYSTEM, type Actor, type MigrationState } from '../lib/lifecycle';
import { log } from '../lib/log';
import { upstreamOf, type TrafficDesk } from '../sbc/desk';
import type { ScheduleStep } from '../sbc/schedule';
import { readTraffic, type OutcomeBatch } from '../sbc/traffic-state';
import { percentOf } from '../sbc/weight';
import { emitEvent } from '../webhooks/outbox';
import type { MigrationDesk } from './desk';
import { activeMigration, allMigrations, findMigration, transition, type MigrationRow } from './ledger';
import { customerOf } from './meta';
import { observe, type WindowCalls } from './timeline';

export class TrafficSync {
  constructor(
    private readonly sql: SqlStorage,
    private readonly traffic: TrafficDesk,
    private readonly migrations: MigrationDesk,
    private readonly env: Env,
  ) {}

  /**
   * Makes the split follow the latest migration: B joins at 0 % once its modules are deployed, its
   * share follows the reported progress (or the traffic schedule, capped by it), it takes everything
   * at completion, and every session goes back to A when the migration rolls back, is cancelled or
   * fails. Each change of share is emitted as `traffic.shifted`. Idempotent: it compares the split
   * with the migration, so it can run after any call, an alarm or a restart. `tx` runs the writes in
   * one storage transaction. True when the migration may now cut over (a schedule just released it).
   */
  async sync(tx: <T>(fn: (now: number) => T) => T): Promise<boolean> {
    const customerId = customerOf(this.sql);
    const latest = allMigrations(this.sql).at(-1);
    if (!customerId || !latest) return false;
    const shifting = latest.state === 'migrating' || latest.state === 'cutting_over' || (latest.state === 'paused' && latest.paused_from === 'migrating');
    const before = await this.traffic.view(customerId);
    const b = shifting && before?.migrationId !== latest.id ? await upstreamOf(this.env, latest.target_platform_id) : null;
    return tx((now) => {
      const m = findMigration(this.sql, latest.id);
      const view = readTraffic(this.sql);
      if (!m || !view) return false;
      let next = view;
      let reason = '';
      if (b && view.migrationId !== m.id && m.state !== 'completed') {
        next = this.traffic.onDeployed(customerId, b, m.id, now);
        reason = 'platform B deployed';
      }
      if (next.migrationId === m.id) {
        if (m.state === 'completed') {
          next = this.traffic.onComplete(customerId, now);
          reason = 'migration completed: platform B serves every session';
        } else if (WITHOUT_B_STATES.includes(m.state)) {
          next = this.traffic.onRollback(customerId, now);
          reason = `migration ${m.state.replace('_', ' ')}: every session back on platform A`;
        } else {
          const moved = this.traffic.onMove(customerId, { done: m.segments_done, total: m.segments_total, migrating: m.state === 'migrating' }, now);
          const s = moved.schedule;
          const progress = `migration progress ${m.segments_done}/${m.segments_total ?? '?'}`;
          if (moved.view.weightB !== next.weightB) reason = s ? `traffic schedule step ${s.step + 1} of ${s.steps.length} (${s.steps[s.step]!.weight} %), ${progress}` : progress;
          next = moved.view;
        }
      }
      const cutoverDue = m.state === 'migrating' && this.migrations.cutoverDue(m);
      // B's effective share of sessions, before and after (at completion B serves everything).
      const shareBefore = view.b ? view.weightB : 0;
      const shareAfter = m.state === 'completed' && view.b ? SBC_WEIGHT_SCALE : next.b ? next.weightB : 0;
      if (shareAfter === shareBefore) return cutoverDue;
      emitEvent(this.sql, {
        type: 'traffic.shifted',
        customerId,
        migrationId: m.id,
        transitionSeq: null,
        recipients: [m.source_provider_id, m.target_provider_id],
        data: { migrationId: m.id, customerId, percentB: percentOf(shareAfter), previousPercentB: percentOf(shareBefore), epoch: next.epoch, reason },
        now,
      });
      return cutoverDue;
    });
  }

  /**
   * Outcomes counted by one SBC isolate. When the analysis finds B breaching (src/sbc/analysis.ts),
   * the active migration rolls back by itself, or pauses when its analysis says so. The state it
   * moved to, or null.
   */
  record(customerId: string, batch: OutcomeBatch, now: number): MigrationState | null {
    const judged = this.traffic.record(batch, now);
    if (judged?.verdict.kind !== 'breach') return null;
    const m = activeMigration(this.sql);
    const view = readTraffic(this.sql);
    const { verdict, settings } = judged;
    const to = settings.action === 'pause' ? 'paused' : 'rolling_back';
    if (!m || view?.migrationId !== m.id || !(m.state === 'migrating' || (to === 'rolling_back' && m.state === 'paused'))) return null;
    log('warn', `sbc.auto-${settings.action}`, { customerId, migrationId: m.id, verdict });
    transition(this.sql, m, to, SYSTEM, now, { reason: `analysis: ${verdict.reason}` });
    // A paused migration is judged afresh once resumed, not on the failures that paused it.
    if (to === 'paused') this.traffic.resetAnalysis();
    return to;
  }

  /** Sets the active migration's traffic schedule (null: removes it, back to following the data migrated). */
  setSchedule(steps: ScheduleStep[] | null, actor: Actor, now: number): Refusal | null {
    const m = this.#shifting();
    if ('ok' in m) return m;
    if (!steps) {
      this.traffic.clearSchedule();
      return null;
    }
    const errors = this.traffic.setSchedule(m.id, steps, actor, now);
    return errors.length ? refusal(422, 'A step would move sessions from platform B back to platform A.', errors) : null;
  }

  /** Holds (paused) or releases the traffic schedule's clock. */
  holdSchedule(paused: boolean): Refusal | null {
    const m = this.#shifting();
    if ('ok' in m) return m;
    const schedule = this.traffic.schedule(m.id);
    if (!schedule) return refusal(409, 'B’s share follows the data migrated: there is no traffic schedule.');
    if (schedule.status === 'finished') return refusal(409, 'The traffic schedule has run its last step.');
    if (schedule.paused === paused) return refusal(409, `The traffic schedule is ${paused ? 'already paused' : 'not paused'}.`);
    this.traffic.holdSchedule(schedule, paused);
    return null;
  }

  /** The active migration while platform B serves it (migrating or paused), or why a schedule cannot change now. */
  #shifting(): MigrationRow | Refusal {
    const m = activeMigration(this.sql);
    if (!m) return refusal(409, 'The customer has no active migration.');
    const view = readTraffic(this.sql);
    const state = m.state.replace('_', ' ');
    if (view?.migrationId !== m.id || !view.b) return refusal(409, `Platform B does not serve yet: the migration is ${state}.`);
    if (m.state !== 'migrating' && m.state !== 'paused') return refusal(409, `The migration is ${state}.`);
    return m;
  }

  /** Adds a point to the latest migration's timeline when what the live chart draws has changed. */
  observe(now: number): void {
    const m = allMigrations(this.sql).at(-1);
    if (!m) return;
    const view = readTraffic(this.sql);
    const window = this.traffic.report(view, now).window;
    const calls = (platformId: string): WindowCalls => {
      const c = window[platformId];
      return { requests: c?.requests ?? 0, failures: (c?.errors ?? 0) + (c?.upstreamFailures ?? 0) };
    };
    const weightB = view?.migrationId === m.id && view.b ? view.weightB : null;
    observe(this.sql, m.id, { state: m.state, segmentsDone: m.segments_done, segmentsTotal: m.segments_total, weightB, a: calls(m.source_platform_id), b: calls(m.target_platform_id) }, now);
  }
}

/**
 * The traffic side of a customer's coordinator (used only inside the Durable Object). Migration
 * code calls the `on*` hooks as the lifecycle moves; the SBC calls `view`, `record` and `report`
 * through the coordinator's RPC methods.
 */
import { getPlatform } from '../catalog/store';
import { SBC_A_REFRESH_MS, SBC_WINDOW_MS } from '../constants';
import { addClientOutcomes, clearOutcomes, judge, readSettings, writeSettings, type AnalysisSettings, type StoredSettings, type Verdict } from './analysis';
import { getDb } from '../db';
import type { Env } from '../env';
import type { FieldError } from '../http/problem';
import { currentPlatformId } from '../inventory/placements';
import type { Actor } from '../lib/lifecycle';
import { deleteSchedule, newSchedule, readSchedule, scheduleDueAt, tick, writeSchedule, type Schedule, type ScheduleStep } from './schedule';
import {
  addOutcomes,
  beginShift,
  complete,
  dataShare,
  emptyTraffic,
  raiseB,
  readTraffic,
  rollBack,
  totals,
  windowCounts,
  writeTraffic,
  type Counts,
  type OutcomeBatch,
  type TrafficView,
  type Upstream,
} from './traffic-state';

export async function upstreamOf(env: Env, platformId: string): Promise<Upstream | null> {
  const platform = await getPlatform(getDb(env.DB), platformId);
  return platform ? { platformId: platform.id, providerId: platform.providerId, upstreamUrl: platform.upstreamUrl } : null;
}

export interface TrafficReport {
  view: TrafficView | null;
  /** The active migration's traffic schedule; null when B's share follows the data migrated. */
  schedule: Schedule | null;
  totals: Record<string, Counts>;
  window: Record<string, Counts>;
}

export type AnalysisReport = StoredSettings & { verdict: Verdict | null };

export class TrafficDesk {
  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
  ) {}

  /** The split, with platform A read from the inventory when unknown or (between migrations) old. */
  async view(customerId: string, now = Date.now()): Promise<TrafficView | null> {
    const stored = readTraffic(this.sql);
    if (stored && (stored.b || now - stored.refreshedAt < SBC_A_REFRESH_MS)) return stored;
    const platformId = await currentPlatformId(getDb(this.env.DB), customerId);
    const a = platformId ? await upstreamOf(this.env, platformId) : null;
    // Re-read after the awaits: another call may have written meanwhile.
    const latest = readTraffic(this.sql);
    if (latest && latest.updatedAt !== stored?.updatedAt) return latest;
    if (!a && !latest) return null;
    const base = latest ?? emptyTraffic(customerId, a, now);
    return writeTraffic(this.sql, { ...base, a: base.b ? base.a : a, refreshedAt: now, updatedAt: base.b ? base.updatedAt : now });
  }

  /**
   * Adds SBC outcomes and, while B serves the migration they were counted for, judges B against A.
   * The caller acts on a breach (the migration's `action`).
   */
  record(batch: OutcomeBatch, now = Date.now()): { verdict: Verdict; settings: AnalysisSettings } | null {
    addOutcomes(this.sql, batch, now);
    const view = readTraffic(this.sql);
    if (!view?.b || view.epoch !== batch.epoch) return null;
    const { settings } = readSettings(this.sql, view.migrationId);
    addClientOutcomes(this.sql, batch.clients, settings.windowSeconds, now);
    return { verdict: judge(this.sql, settings, now), settings };
  }

  /** The analysis settings of `migrationId` and, while B serves it, the verdict now. */
  analysis(migrationId: string, now = Date.now()): AnalysisReport {
    const stored = readSettings(this.sql, migrationId);
    const view = readTraffic(this.sql);
    return { ...stored, verdict: view?.b && view.migrationId === migrationId ? judge(this.sql, stored.settings, now) : null };
  }

  setAnalysis(migrationId: string, settings: AnalysisSettings, setBy: Actor, now = Date.now()): void {
    writeSettings(this.sql, migrationId, settings, setBy, now);
  }

  /** The analysis starts afresh (after it paused the migration, or when the migration resumes). */
  resetAnalysis(): void {
    clearOutcomes(this.sql);
  }

  report(view: TrafficView | null, now = Date.now()): TrafficReport {
    const window: TrafficReport['window'] = {};
    for (const side of [view?.a, view?.b]) if (side) window[side.platformId] = windowCounts(this.sql, side.platformId, now - SBC_WINDOW_MS);
    return { view, schedule: readSchedule(this.sql, view?.migrationId ?? null), totals: totals(this.sql), window };
  }

  /** A change of shift (B arrives, leaves or takes over): the analysis starts afresh. */
  private change(customerId: string, f: (v: TrafficView) => TrafficView, now: number): TrafficView {
    clearOutcomes(this.sql);
    const view = readTraffic(this.sql) ?? emptyTraffic(customerId, null, now);
    return writeTraffic(this.sql, f(view));
  }

  onDeployed(customerId: string, b: Upstream, migrationId: string, now = Date.now()): TrafficView {
    return this.change(customerId, (v) => beginShift(v, b, migrationId, now), now);
  }

  /**
   * The migration moved (progress, a steering call, time): B's share follows the data migrated, or
   * the traffic schedule capped by it (see schedule.ts).
   */
  onMove(customerId: string, m: { done: number; total: number | null; migrating: boolean }, now = Date.now()): { view: TrafficView; schedule: Schedule | null } {
    const view = readTraffic(this.sql) ?? emptyTraffic(customerId, null, now);
    const schedule = readSchedule(this.sql, view.migrationId);
    if (!schedule) return { view: writeTraffic(this.sql, raiseB(view, dataShare(m.done, m.total), now)), schedule };
    const ticked = tick(schedule, view.weightB, dataShare(m.done, m.total), m.migrating, now);
    return { view: writeTraffic(this.sql, raiseB(view, ticked.weightB, now)), schedule: writeSchedule(this.sql, ticked.schedule) };
  }

  onComplete(customerId: string, now = Date.now()): TrafficView {
    deleteSchedule(this.sql);
    return this.change(customerId, (v) => complete(v, now), now);
  }

  onRollback(customerId: string, now = Date.now()): TrafficView {
    deleteSchedule(this.sql);
    return this.change(customerId, (v) => rollBack(v, now), now);
  }

  /** Sets or replaces the schedule of `migrationId`, the migration B belongs to; the field errors if refused. */
  setSchedule(migrationId: string, steps: ScheduleStep[], setBy: Actor, now = Date.now()): FieldError[] {
    const schedule = newSchedule(migrationId, steps, readTraffic(this.sql)?.weightB ?? 0, setBy, now);
    if (Array.isArray(schedule)) return schedule;
    writeSchedule(this.sql, schedule);
    return [];
  }

  /** Back to following the data migrated. */
  clearSchedule(): void {
    deleteSchedule(this.sql);
  }

  schedule(migrationId: string): Schedule | null {
    return readSchedule(this.sql, migrationId);
  }

  holdSchedule(schedule: Schedule, paused: boolean): void {
    writeSchedule(this.sql, { ...schedule, paused });
  }

  /** A schedule that has not run its last step holds the migration's cutover. */
  holdsCutover(migrationId: string): boolean {
    const s = readSchedule(this.sql, migrationId);
    return s !== null && s.status !== 'finished';
  }

  /** When the schedule's current step ends, while its clock runs. */
  nextDueAt(): number | null {
    return scheduleDueAt(this.sql);
  }
}

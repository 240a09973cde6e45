/**
 * The contract between the cron's reconciliation (src/reconcile) and the capabilities: each
 * capability exports its jobs; reconcile runs them.
 */
import type { Env } from '../env';

export interface Job {
  name: string;
  /** Bounded per run and safe to run twice; returns counts for the log (never identifiers or secrets). */
  run(env: Env, now: number): Promise<Record<string, number>>;
}

export interface JobResult {
  job: string;
  ok: boolean;
  /** What the job did, for the log (counts only, never identifiers or secrets). */
  detail: Record<string, number>;
}

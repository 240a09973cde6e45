/**
 * The cron's reconciliation. Each job is bounded per run and safe to run twice; one failing job
 * does not stop the others. Capabilities register their jobs in JOBS.
 */
import { compatibilityJob } from '../compatibility/recompute';
import { getDb } from '../db';
import type { Env } from '../env';
import { purgeExpiredHardwareIds } from '../hardware/revocation';
import { usageFlushJob } from '../usage/jobs';
import type { Job, JobResult } from '../lib/jobs';
import { recordRuns } from './status';
import { flagStalledMigrations, purgeIdempotencyKeys, repairReadModels } from '../migrations/jobs';
import { redriveWebhooks, relayOutboxEvents } from '../webhooks/jobs';
import { errorMessage, log } from '../lib/log';

export const JOBS: Job[] = [compatibilityJob, purgeExpiredHardwareIds, usageFlushJob, relayOutboxEvents, redriveWebhooks, flagStalledMigrations, repairReadModels, purgeIdempotencyKeys];

export async function reconcile(env: Env, now: number, jobs: Job[] = JOBS): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const job of jobs) {
    try {
      results.push({ job: job.name, ok: true, detail: await job.run(env, now) });
    } catch (err) {
      log('error', 'reconcile.job-failed', { job: job.name, message: errorMessage(err) });
      results.push({ job: job.name, ok: false, detail: {} });
    }
  }
  log('info', 'reconcile', { at: now, results });
  try {
    await recordRuns(getDb(env.DB), now, results);
  } catch (err) {
    log('error', 'reconcile.status-not-recorded', { message: errorMessage(err) });
  }
  return results;
}

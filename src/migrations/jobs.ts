/** Cron jobs of the migration capability; each is bounded per run and safe to run twice. */
import { MIGRATION_STALL_AFTER_MS, RECONCILE_COORDINATORS_PER_RUN, RECONCILE_PURGE_PER_RUN, REPAIR_WINDOW_MS } from '../constants';
import { STALLABLE_STATES } from '../lib/lifecycle';
import { getDb } from '../db';
import type { Job } from '../lib/jobs';
import { coordinatorFor } from '../lib/coordinator';
import { purgeExpiredKeys } from './idempotency';
import { customersToRepair, quietMigrations } from './read-model';

/** Flags migrations with no transition or progress for MIGRATION_STALL_AFTER_MS (the coordinator flags each once). */
export const flagStalledMigrations: Job = {
  name: 'migrations.stalled',
  async run(env, now) {
    const quietBefore = now - MIGRATION_STALL_AFTER_MS;
    const quiet = await quietMigrations(getDb(env.DB), STALLABLE_STATES, quietBefore, RECONCILE_COORDINATORS_PER_RUN);
    let flagged = 0;
    for (const m of quiet) if (await coordinatorFor(env, m.customerId).flagStalled(quietBefore)) flagged++;
    return { checked: quiet.length, flagged };
  },
};

/** Rewrites the read models of a sample of coordinators from their own storage. */
export const repairReadModels: Job = {
  name: 'migrations.repair-read-model',
  async run(env, now) {
    const customers = await customersToRepair(getDb(env.DB), now - REPAIR_WINDOW_MS, RECONCILE_COORDINATORS_PER_RUN);
    let current = 0;
    for (const customerId of customers) if (await coordinatorFor(env, customerId).repairReadModel()) current++;
    return { coordinators: customers.length, current };
  },
};

export const purgeIdempotencyKeys: Job = {
  name: 'idempotency.purge',
  async run(env, now) {
    return { purged: await purgeExpiredKeys(getDb(env.DB), now, RECONCILE_PURGE_PER_RUN) };
  },
};

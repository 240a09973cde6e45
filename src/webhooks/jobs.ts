/** Cron job of the webhook capability: bounded per run, safe to run twice (coordinators lease what they send). */
import { RECONCILE_COORDINATORS_PER_RUN, WEBHOOK_OVERDUE_AFTER_MS } from '../constants';
import { getDb } from '../db';
import { coordinatorFor } from '../migrations/coordinator-client';
import type { Job } from '../reconcile/jobs';
import { customersWithOverdueDeliveries } from './log';

/** Runs the coordinators whose deliveries are overdue, in case their alarm was lost. */
export const redriveWebhooks: Job = {
  name: 'webhooks.redrive',
  async run(env, now) {
    const customers = await customersWithOverdueDeliveries(getDb(env.DB), now - WEBHOOK_OVERDUE_AFTER_MS, RECONCILE_COORDINATORS_PER_RUN);
    let attempted = 0;
    for (const customerId of customers) attempted += (await coordinatorFor(env, customerId).runDue()).attempted;
    return { coordinators: customers.length, attempted };
  },
};

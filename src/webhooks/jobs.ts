/** Cron jobs of the webhook capability: bounded per run, safe to run twice (coordinators lease what they send, and skip events they already hold). */
import { markOutboxDelivered, pendingOutboxEvents, type OutboxEvent } from './provider-events';
import { RECONCILE_COORDINATORS_PER_RUN, RECONCILE_RELAY_PER_RUN, WEBHOOK_OVERDUE_AFTER_MS } from '../constants';
import { getDb } from '../db';
import { coordinatorFor } from '../lib/coordinator';
import type { Job } from '../lib/jobs';
import { isWebhookEventType } from './events';
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

/** Hands events other capabilities recorded in the D1 outbox (compatibility.revoked) to the customers' coordinators for delivery. */
export const relayOutboxEvents: Job = {
  name: 'webhooks.relay-outbox',
  async run(env, now) {
    const db = getDb(env.DB);
    const events = await pendingOutboxEvents(db, RECONCILE_RELAY_PER_RUN);
    const byCustomer = new Map<string, OutboxEvent[]>();
    for (const e of events) byCustomer.set(e.customerId, [...(byCustomer.get(e.customerId) ?? []), e]);
    let relayed = 0;
    for (const [customerId, list] of [...byCustomer].slice(0, RECONCILE_COORDINATORS_PER_RUN)) {
      relayed += await coordinatorFor(env, customerId).relay(
        customerId,
        list.flatMap((e) => (isWebhookEventType(e.type) ? [{ id: e.id, type: e.type, providerId: e.providerId, data: e.payload as Record<string, unknown> }] : [])),
      );
      await markOutboxDelivered(db, list.map((e) => e.id), now);
    }
    return { relayed };
  },
};

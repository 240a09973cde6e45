import { app } from './app';
import type { Env } from './env';
import { reconcile } from './reconcile/jobs';
import { consumeQueue, type QueueMessage } from './reconcile/queue';

export { CustomerCoordinator } from './migrations/coordinator';

export default {
  fetch: app.fetch,
  // Recomputation of compatibility and MIP answers, and reconciliation runs asked for, off the request.
  queue: consumeQueue,
  // Reconciliation: expiry, stale compatibility, overdue webhooks, stalled migrations, read models.
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(reconcile(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env, QueueMessage>;

import { app } from './app';
import { consumeRecompute, type RecomputeMessage } from './compatibility/queue';
import type { Env } from './env';
import { reconcile } from './reconcile/jobs';

export { CustomerCoordinator } from './migrations/coordinator';

export default {
  fetch: app.fetch,
  // Recomputation of compatibility and MIP answers, off the request.
  queue: consumeRecompute,
  // Reconciliation: expiry, stale compatibility, overdue webhooks, stalled migrations, read models.
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(reconcile(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env, RecomputeMessage>;

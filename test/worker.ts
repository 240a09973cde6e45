/**
 * The Worker as the vitest pool runs it (test/vitest.config.ts `main`): src/index.ts's own handlers
 * and Durable Object, with a queue handler that test/setup.ts can switch to emptying the queue when a
 * file ends (test/queue.ts). Exports only what a Worker exports: the pool serves every named export.
 */
import type { Env } from '../src/env';
import worker from '../src/index';
import type { QueueMessage } from '../src/reconcile/queue';
import { dropping, type Mark } from './queue';

export { CustomerCoordinator } from '../src/index';

export default { ...worker, queue: dropping<Env>(worker.queue) } satisfies ExportedHandler<Env, QueueMessage | Mark>;

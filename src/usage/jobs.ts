import type { Job } from '../lib/jobs';
import { flushUsage } from './recorder';

/** Writes the usage counts the cron's isolate still holds (a safety net for quiet periods). */
export const usageFlushJob: Job = {
  name: 'usage-flush',
  run: async (env) => ({ keys: await flushUsage(env) }),
};

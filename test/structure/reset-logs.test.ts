// A Durable Object still logging when `reset()` aborts it (as setup.ts does at every file's start,
// while an alarm of the file before may be logging) must not keep the file from ending. With vitest's
// console interception, each such log is a call vitest awaits before it ends the file, and a log cut
// by the abort is never answered: this file's tests passed, then vitest waited forever (checked: 3 of
// 3 runs hung with `disableConsoleIntercept` off in test/vitest.config.ts). npm test's exit guard
// (scripts/lib/exit-guard.mjs) turns such a hang into a failed run.
import { reset, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';

it('lets the file end when reset() aborts Durable Objects in the middle of their logging', async () => {
  let scheduled = 0;
  for (let round = 0; round < 20; round++) {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName(`logging-${round}`));
    // Inside the object: a log line every millisecond for a while, outliving this call.
    await runInDurableObject(stub, () => {
      const line = (n: number) => {
        console.log(JSON.stringify({ level: 'info', event: 'test.reset-logs', round, n }));
        if (n < 50) setTimeout(() => line(n + 1), 1);
      };
      setTimeout(() => line(0), 1);
      scheduled++;
    });
    // A different moment in the logging each round, then every object is aborted.
    await new Promise((resolve) => setTimeout(resolve, round * 2));
    await reset();
  }
  expect(scheduled).toBe(20);
});

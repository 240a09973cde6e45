// test/setup.ts empties the queue after every file (test/queue.ts): what one file left pending or
// retrying must never reach the Worker in the next file's world, and the Worker must handle messages
// again as soon as emptying ends, whether it emptied the queue or gave up.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerCustomer } from '../factories';
import { emptyQueue } from '../queue';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Sends an answer for a fresh customer and waits until the Worker stored it: the queue handles messages. */
async function handled() {
  const lone = await registerCustomer();
  const carried = JSON.stringify({ customerId: lone.id, carried: true });
  await env.RECOMPUTE.send({ kind: 'answer', customerId: lone.id, scope: 'site', computed: { generation: 0, body: carried } });
  const stored = () => env.DB.prepare('select body from mip_answers where customer_id = ?1').bind(lone.id).first<string>('body');
  return vi.waitUntil(stored, { timeout: 10_000, interval: 20 }).then((body) => body === carried);
}

/** What a file leaves behind in the next one's emptied world: answers for a customer that does not exist, each failing on its foreign key and retried five times. */
const orphans = (n: number) =>
  env.RECOMPUTE.sendBatch(Array.from({ length: n }, () => ({ body: { kind: 'answer', customerId: 'cus_gone', scope: 'site', computed: { generation: 0, body: '{}' } } as const })));

describe('emptying the queue between test files', () => {
  it('drops every message pending or retrying, so none sent before reaches the Worker after it', async () => {
    const failed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await orphans(30);
    await emptyQueue(env.RECOMPUTE);
    const failedBefore = failed.mock.calls.length;
    // The queue delivers in order: an orphan still in it would be handled, and log its failure, first.
    expect(await handled()).toBe(true);
    expect(failed.mock.calls.slice(failedBefore)).toEqual([]);
  });

  it('leaves the Worker handling messages when it gives up', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await emptyQueue(env.RECOMPUTE, 0);
    expect(warned).toHaveBeenCalledWith(expect.stringMatching(/^test\/queue\.ts: the queue was not emptied within 0 ms/));
    expect(await handled()).toBe(true);
  });
});

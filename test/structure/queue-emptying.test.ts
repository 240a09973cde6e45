// test/setup.ts empties the queue after every file (test/queue.ts): what one file left pending or
// retrying must never reach the Worker in the next file's world.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerCustomer } from '../factories';
import { emptyQueue, handleQueue } from '../queue';

afterEach(() => {
  handleQueue();
  vi.restoreAllMocks();
});

describe('emptying the queue between test files', () => {
  it('drops every message pending or retrying, so none sent before reaches the Worker after it', async () => {
    const failed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // What a file leaves behind in the next one's emptied world: answers for a customer that does not
    // exist, each failing on its foreign key and retried five times.
    const orphan = { kind: 'answer', customerId: 'cus_gone', scope: 'site', computed: { generation: 0, body: '{}' } } as const;
    await env.RECOMPUTE.sendBatch(Array.from({ length: 30 }, () => ({ body: orphan })));
    await emptyQueue(env.RECOMPUTE);
    handleQueue();
    const failedBefore = failed.mock.calls.length;

    // Handled once the Worker handles messages again; the queue delivers in order, so an orphan still
    // in it would have been handled, and logged its failure, first.
    const lone = await registerCustomer();
    const carried = JSON.stringify({ customerId: lone.id, carried: true });
    await env.RECOMPUTE.send({ kind: 'answer', customerId: lone.id, scope: 'site', computed: { generation: 0, body: carried } });
    const stored = () => env.DB.prepare('select body from mip_answers where customer_id = ?1').bind(lone.id).first<string>('body');
    expect(await vi.waitUntil(stored, { timeout: 10_000, interval: 20 })).toBe(carried);
    expect(failed.mock.calls.slice(failedBefore)).toEqual([]);
  });

  it('until the next file begins, drops what is sent as it comes, handling none', async () => {
    const failed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await emptyQueue(env.RECOMPUTE);
    const orphan = { kind: 'answer', customerId: 'cus_gone', scope: 'row', computed: { generation: 0, body: '{}' } } as const;
    await env.RECOMPUTE.sendBatch(Array.from({ length: 12 }, () => ({ body: orphan })));
    await emptyQueue(env.RECOMPUTE);
    expect(failed).not.toHaveBeenCalled();
    expect((await env.RECOMPUTE.metrics()).backlogCount).toBe(0);
  });
});

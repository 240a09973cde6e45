/**
 * The recompute queue's refreshes of released records: a site per message, the longest-waiting
 * first, continued in a message of their own while others wait; a requirement change marks every
 * site and asks for their census ahead of its pages; the status counts the sites still waiting.
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { getPlatform } from '../../src/catalog/store';
import { startPass } from '../../src/compatibility/passes';
import { consumeRecompute, type RecomputeMessage } from '../../src/compatibility/queue';
import { getDb } from '../../src/db';
import { markSitesPending, readCensus } from '../../src/disclosure/store';
import type { Env } from '../../src/env';
import { bodyOf, call, OPERATOR } from '../http';
import { createPlatform, dataCenter, putInventory, registerProvider, settled } from '../factories';

const db = getDb(env.DB);
const sites = ['qa', 'qb'];
const qa = dataCenter('qa', 1, 2, 3);

/**
 * Delivers messages to the queue handler as the queue would, with the queue it sends to replaced by
 * a list, so that what it asks for next is seen here and not run by the test runtime's consumer.
 */
async function deliver(messages: RecomputeMessage[]) {
  const sent: RecomputeMessage[] = [];
  const keep = async (batch: Iterable<MessageSendRequest<RecomputeMessage>>) => void sent.push(...[...batch].map((m) => m.body));
  const queue = { sendBatch: keep, send: async (body: RecomputeMessage) => keep([{ body }]) };
  const batch = createMessageBatch<RecomputeMessage>('inplace-recompute', messages.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  await consumeRecompute(batch.messages, { ...env, RECOMPUTE: queue } as unknown as Env);
  return { sent, result: await getQueueResult(batch, createExecutionContext()) };
}

async function pending(): Promise<string[]> {
  return (await env.DB.prepare("select key from disclosure_released where kind = 'pending' order by key").all<{ key: string }>()).results.map((r) => r.key);
}
const status = async () => bodyOf(await call('GET', '/v1/compatibility/status', { key: OPERATOR }), 200);

beforeAll(async () => {
  await putInventory(qa);
  await putInventory(dataCenter('qb', 1, 2, 3));
  await settled();
});

describe('released records refreshed from the queue', () => {
  it('a site per message, the longest-waiting first, the next in a message of its own, until none waits', async () => {
    const now = Date.now();
    await markSitesPending(db, ['qb'], now);
    await markSitesPending(db, ['qa'], now + 1);
    expect(await status()).toMatchObject({ fresh: false, sitesPending: 2 });

    const first = await deliver([{ kind: 'released' }]);
    expect(first.result.explicitAcks).toEqual(['m0']);
    expect(await pending()).toEqual(['qa']);
    expect(first.sent).toEqual([{ kind: 'released' }]);
    const second = await deliver(first.sent);
    expect(await pending()).toEqual([]);
    // The last site refreshed, nothing more is asked for; a redelivery finds nothing to do.
    expect(second.sent).toEqual([]);
    expect(await deliver(first.sent)).toMatchObject({ sent: [] });
    expect(await status()).toMatchObject({ fresh: true, sitesPending: 0 });
  });

  it('a recompute that changed rows asks for its site’s refresh; one that found no server does not', async () => {
    const changed = await deliver([{ kind: 'servers', ids: [qa.serverIds[0]!] }]);
    expect(await pending()).toEqual(['qa']);
    expect(changed.sent).toEqual([{ kind: 'released' }]);
    await deliver(changed.sent);
    expect(await pending()).toEqual([]);
    expect(await deliver([{ kind: 'servers', ids: ['no-such-server'] }])).toMatchObject({ sent: [] });
  });

  it('a requirement change marks every site and asks for their census ahead of its pages, which judges the new revision', async () => {
    const provider = await registerProvider();
    const p = await createPlatform(provider.key, { requirements: { requiredTraits: ['sev'] } });
    const revised = bodyOf(await call('PATCH', `/v1/platforms/${p.id}`, { key: provider.key, body: { requirements: { requiredTraits: ['tdx'] } } }), 200);
    await settled();
    expect(Object.fromEntries([...(await readCensus(db, sites))].map(([site, c]) => [site, c[p.id]?.revision]))).toEqual({ qa: revised.revision, qb: revised.revision });

    // The same pass started again, its messages kept here: the census first, then the plan.
    await env.DB.prepare('update compat_platforms set pass_revision = pass_revision - 1 where platform_id = ?').bind(p.id).run();
    const sent: RecomputeMessage[] = [];
    await startPass(db, async (messages) => void sent.push(...messages), (await getPlatform(db, p.id))!);
    expect(sent).toEqual([{ kind: 'released' }, { kind: 'plan', platformId: p.id, revision: revised.revision }]);
    expect(await pending()).toEqual(sites);
    expect(await status()).toMatchObject({ fresh: false, sitesPending: 2 });
    const next = await deliver([sent[0]!]);
    expect(await pending()).toHaveLength(1);
    await deliver(next.sent);
    expect(await pending()).toEqual([]);
  });
});

/**
 * The recompute queue's refreshes of released records: a site per message, the longest-waiting
 * first, continued in a message of their own while others wait; a requirement change marks every
 * site's census (only: the records do not depend on requirements) and asks for it ahead of its
 * pages; the status counts the sites still waiting.
 */
import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { getPlatform } from '../../src/catalog/store';
import { startPass } from '../../src/compatibility/passes';
import { consumeRecompute, type RecomputeMessage } from '../../src/compatibility/queue';
import { getDb } from '../../src/db';
import { platformsForCensus } from '../../src/compatibility/store';
import { markSitesPending, readCensus, refreshReleasedSites } from '../../src/disclosure/store';
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

/** The sites waiting for their refresh: `pending` (records and census), `pending-census` (the census alone). */
async function pending(kind: 'pending' | 'pending-census' = 'pending'): Promise<string[]> {
  return (await env.DB.prepare('select key from disclosure_released where kind = ? order by key').bind(kind).all<{ key: string }>()).results.map((r) => r.key);
}
/** Everything released about the sites, with when it was written. */
async function released() {
  return (await env.DB.prepare("select kind, key, record, members, computed_at from disclosure_released where kind not like 'pending%' order by kind, key").all()).results;
}
const status = async () => bodyOf(await call('GET', '/v1/compatibility/status', { key: OPERATOR }), 200);

beforeAll(async () => {
  await putInventory(qa);
  await putInventory(dataCenter('qb', 1, 2, 3));
  await settled();
});

describe('released records refreshed from the queue', () => {
  it('sites by the budget of servers of a message (at least one), the longest-waiting first, the rest in a message of its own, until none waits', async () => {
    const now = Date.now();
    await markSitesPending(db, ['qb'], now);
    await markSitesPending(db, ['qa'], now + 1);
    expect(await status()).toMatchObject({ fresh: false, sitesPending: 2 });

    // A budget of one server: one site (of 6) per message.
    const first = await deliver([{ kind: 'released', servers: 1 }]);
    expect(first.result.explicitAcks).toEqual(['m0']);
    expect(await pending()).toEqual(['qa']);
    expect(first.sent).toEqual([{ kind: 'released', servers: 1 }]);
    const second = await deliver(first.sent);
    expect(await pending()).toEqual([]);
    // The last site refreshed, nothing more is asked for; a redelivery finds nothing to do.
    expect(second.sent).toEqual([]);
    expect(await deliver(first.sent)).toMatchObject({ sent: [] });
    expect(await status()).toMatchObject({ fresh: true, sitesPending: 0 });

    // The default budget holds both sites: one message refreshes them.
    await markSitesPending(db, sites);
    expect(await deliver([{ kind: 'released' }])).toMatchObject({ sent: [] });
    expect(await pending()).toEqual([]);
  });

  it('an answer to store for a customer that is gone is done, not retried', async () => {
    const gone = await deliver([{ kind: 'answer', customerId: 'cus_gone', scope: 'rack' }]);
    expect(gone.result.explicitAcks).toEqual(['m0']);
    expect(gone.result.retryMessages).toEqual([]);
    expect(await env.DB.prepare("select count(*) as n from mip_answers where customer_id = 'cus_gone'").first('n')).toBe(0);
  });

  it('a recompute that changed rows asks for its site’s refresh; one that found no server does not', async () => {
    const changed = await deliver([{ kind: 'servers', ids: [qa.serverIds[0]!] }]);
    expect(await pending()).toEqual(['qa']);
    expect(changed.sent).toEqual([{ kind: 'released' }]);
    await deliver(changed.sent);
    expect(await pending()).toEqual([]);
    expect(await deliver([{ kind: 'servers', ids: ['no-such-server'] }])).toMatchObject({ sent: [] });
  });

  it('a requirement change takes every site’s census again, and only the census: no released record is rewritten', async () => {
    const provider = await registerProvider();
    const p = await createPlatform(provider.key, { requirements: { requiredTraits: ['sev'] } });
    const before = await released();
    const revised = bodyOf(await call('PATCH', `/v1/platforms/${p.id}`, { key: provider.key, body: { requirements: { requiredTraits: ['tdx'] } } }), 200);
    await settled();
    const after = await released();
    expect(after.filter((r) => r.kind !== 'census')).toEqual(before.filter((r) => r.kind !== 'census'));
    expect(Object.fromEntries([...(await readCensus(db, sites))].map(([site, c]) => [site, c[p.id]?.revision]))).toEqual({ qa: revised.revision, qb: revised.revision });
    // The census taken from the records as stored is the one a refresh of records and census takes.
    await refreshReleasedSites(db, sites, platformsForCensus);
    expect((await released()).filter((r) => r.kind === 'census').map((r) => r.record)).toEqual(after.filter((r) => r.kind === 'census').map((r) => r.record));
  });

  it('a requirement change marks every site’s census and asks for it ahead of its pages; a site whose records wait too gets both', async () => {
    const provider = await registerProvider();
    const p = await createPlatform(provider.key, { requirements: { requiredTraits: ['sev'] } });
    const revised = bodyOf(await call('PATCH', `/v1/platforms/${p.id}`, { key: provider.key, body: { requirements: { requiredTraits: ['tdx'] } } }), 200);
    await settled();

    // The same pass started again, its messages kept here: the census first, then the plan.
    await env.DB.prepare('update compat_platforms set pass_revision = pass_revision - 1 where platform_id = ?').bind(p.id).run();
    const sent: RecomputeMessage[] = [];
    await startPass(db, async (messages) => void sent.push(...messages), (await getPlatform(db, p.id))!);
    expect(sent).toEqual([{ kind: 'released' }, { kind: 'plan', platformId: p.id, revision: revised.revision }]);
    expect(await pending('pending-census')).toEqual(sites);
    expect(await pending()).toEqual([]);
    // Site qb's records wait too (its servers recomputed): counted once, refreshed whole, both marks cleared.
    await markSitesPending(db, ['qb']);
    expect(await status()).toMatchObject({ fresh: false, sitesPending: 2 });
    const next = await deliver([{ kind: 'released', servers: 1 }]);
    expect([await pending('pending-census'), await pending()]).toEqual([['qb'], ['qb']]);
    const records = async () => (await released()).filter((r) => r.kind === 'server' && String(r.key).startsWith('qb\n')).map((r) => r.computed_at);
    const stored = await records();
    expect(stored.length).toBeGreaterThan(0);
    await deliver(next.sent);
    expect((await records()).every((at, i) => Number(at) > Number(stored[i]))).toBe(true);
    expect([...(await pending('pending-census')), ...(await pending())]).toEqual([]);
    expect(await status()).toMatchObject({ fresh: true, sitesPending: 0 });
  });
});

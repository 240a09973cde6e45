import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PAGE_LIMIT_MAX } from '../../src/constants';
import type { Schemas } from '../../scripts/lib/api-types';
import { bodyOf, call, expectProblem, expectStatus } from '../http';
import { coordinator, deployAll, hookUp, progress, start, steer, world } from '../migrations/world';

type LoggedDelivery = Schemas['WebhookDelivery'];

/** Every delivery of the provider's log matching `query`, page by page. */
async function walk(key: string, query: string, limit: number) {
  const items: LoggedDelivery[] = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const after: string = cursor ? `&cursor=${cursor}` : '';
    const r = await call('GET', `/v1/webhook-deliveries?limit=${limit}${query}${after}`, { key });
    expectStatus(r, 200);
    expect(r.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...r.body.items);
    pages++;
    cursor = r.body.nextCursor;
  } while (cursor);
  return { items, pages };
}

describe('GET /v1/webhook-deliveries', () => {
  it('pages through a migration’s deliveries, newest first, each once, filtered by event type and state', async () => {
    const w = await world();
    // Provider A has no endpoint: its deliveries fail. Provider B's receiver takes everything.
    await hookUp(w.providerB.key);
    const id = bodyOf(await start(w), 201).id;
    await steer(id, 'accept', w.providerB.key);
    await deployAll(w);
    const reports = 8;
    for (let done = 1; done < reports; done++) await progress(id, w.providerB.key, done, reports);
    await coordinator(w.customer.id).runDue();
    await coordinator(w.customer.id).runDue();

    const all = await walk(w.providerB.key, '', 7);
    expect(all.items.length).toBeGreaterThan(2 * reports);
    expect(all.pages).toBe(Math.ceil(all.items.length / 7));
    expect(new Set(all.items.map((d) => d.id)).size).toBe(all.items.length);
    const times = all.items.map((d) => d.createdAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const progressed = await walk(w.providerB.key, '&eventType=migration.progress', 5);
    expect(progressed.items).toHaveLength(reports - 1);
    expect(progressed.items.every((d) => d.eventType === 'migration.progress' && d.migrationId === id)).toBe(true);
    expect(progressed.items.map((d) => d.id)).toEqual(all.items.filter((d) => d.eventType === 'migration.progress').map((d) => d.id));

    expect((await walk(w.providerB.key, '&state=failed', 50)).items).toEqual([]);
    const failedForA = await walk(w.providerA.key, '&state=failed&eventType=traffic.shifted', 10);
    expect(failedForA.items.length).toBe(all.items.filter((d) => d.eventType === 'traffic.shifted').length);
    expect(failedForA.items.every((d) => d.state === 'failed' && d.eventType === 'traffic.shifted')).toBe(true);
    expect((await walk(w.providerA.key, '&state=succeeded', 10)).items).toEqual([]);
  });

  it('goes past a hundred rows: the whole log of a busy provider, at the largest page size too', async () => {
    const w = await world();
    const now = Date.now();
    const rows = Array.from({ length: 260 }, (_, i) => ({ id: `dlv_bulk${String(i).padStart(4, '0')}`, at: now - Math.floor(i / 3), type: i % 2 ? 'migration.progress' : 'traffic.shifted', state: i % 5 ? 'succeeded' : 'failed' }));
    await env.DB.batch(
      rows.map((r) =>
        env.DB.prepare(
          `INSERT INTO webhook_deliveries (id, provider_id, customer_id, migration_id, event_id, event_type, state, attempts, created_at, updated_at, version) VALUES (?, ?, ?, 'mig_bulk', ?, ?, ?, 1, ?, ?, 1)`,
        ).bind(r.id, w.providerB.id, w.customer.id, `msg_${r.id}`, r.type, r.state, r.at, r.at),
      ),
    );
    for (const limit of [100, PAGE_LIMIT_MAX]) {
      const page = await walk(w.providerB.key, '', limit);
      expect(page.items.map((d) => d.id).sort()).toEqual(rows.map((r) => r.id).sort());
      expect(page.pages).toBe(Math.ceil(rows.length / limit));
    }
    const failedProgress = await walk(w.providerB.key, '&eventType=migration.progress&state=failed', 100);
    expect(failedProgress.items.map((d) => d.id).sort()).toEqual(rows.filter((r) => r.type === 'migration.progress' && r.state === 'failed').map((r) => r.id).sort());
    expectProblem(await call('GET', `/v1/webhook-deliveries?limit=${PAGE_LIMIT_MAX + 1}`, { key: w.providerB.key }), 400, 'validation');
  });

  it('refuses an unknown event type or state, and shows a provider only its own deliveries', async () => {
    const w = await world();
    await start(w);
    await coordinator(w.customer.id).runDue();
    expectProblem(await call('GET', '/v1/webhook-deliveries?eventType=migration.exploded', { key: w.providerB.key }), 400, 'validation');
    expectProblem(await call('GET', '/v1/webhook-deliveries?state=lost', { key: w.providerB.key }), 400, 'validation');
    expectProblem(await call('GET', '/v1/webhook-deliveries', { key: w.customer.key }), 403, 'forbidden');
    const other = await world();
    expect(bodyOf(await call('GET', '/v1/webhook-deliveries', { key: other.providerB.key }), 200).items).toEqual([]);
  });
});

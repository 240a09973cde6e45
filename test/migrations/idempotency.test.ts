import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { requestHash } from '../../src/migrations/idempotency';
import { bodyOf, call, expectProblem, expectStatus } from '../http';
import { start, steer, world } from './world';

const db = () => env.DB;

async function record(callerId: string, key: string) {
  return db().prepare('SELECT state, response_status, expires_at - created_at AS ttl FROM idempotency_keys WHERE caller_id = ? AND key = ?').bind(callerId, key).first();
}

describe('Idempotency-Key on POST /v1/migrations', () => {
  it('replays the stored response for the same key and body, creating nothing more', async () => {
    const w = await world();
    const first = await start(w, { idempotencyKey: 'k-replay' });
    expectStatus(first, 201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await start(w, { idempotencyKey: 'k-replay' });
    expectStatus(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(bodyOf(await call('GET', '/v1/migrations', { key: w.customer.key }), 200).items).toHaveLength(1);
    expect(await record(w.customer.id, 'k-replay')).toEqual({ state: 'done', response_status: 201, ttl: 24 * 3600_000 });
  });

  it('does not care about key order in the body', async () => {
    const w = await world();
    await start(w, { idempotencyKey: 'k-order', body: { customerId: w.customer.id, targetPlatformId: w.platformB.id } });
    const again = await start(w, { idempotencyKey: 'k-order', body: { targetPlatformId: w.platformB.id, customerId: w.customer.id } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses the same key with another body (422), changing nothing', async () => {
    const w = await world();
    await start(w, { idempotencyKey: 'k-mismatch' });
    const r = await start(w, { idempotencyKey: 'k-mismatch', body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, scope: 'rack' } });
    expectProblem(r, 422, 'unprocessable');
    expect(r.body.detail).toBe('This Idempotency-Key was used with another request body.');
    expect(bodyOf(await call('GET', '/v1/migrations', { key: w.customer.key }), 200).items).toHaveLength(1);
  });

  it('answers 409 to a duplicate while the first is still processing', async () => {
    const w = await world();
    const body = { customerId: w.customer.id, targetPlatformId: w.platformB.id };
    const hash = await requestHash('POST', '/v1/migrations', { ...body, scope: 'server' });
    const now = Date.now();
    await db()
      .prepare("INSERT INTO idempotency_keys (caller_id, key, request_hash, state, locked_until, created_at, expires_at) VALUES (?, 'k-busy', ?, 'processing', ?, ?, ?)")
      .bind(w.customer.id, hash, now + 60_000, now, now + 86_400_000)
      .run();
    const r = await start(w, { idempotencyKey: 'k-busy', body });
    expectProblem(r, 409, 'conflict');
    expect(r.body.detail).toBe('A request with this Idempotency-Key is still being processed; retry later.');
    expect(bodyOf(await call('GET', '/v1/migrations', { key: w.customer.key }), 200).items).toHaveLength(0);
  });

  it('lets concurrent duplicates create exactly one migration', async () => {
    const w = await world();
    const replies = await Promise.all(Array.from({ length: 6 }, () => start(w, { idempotencyKey: 'k-race' })));
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const r of replies.filter((x) => x.status !== 201)) expectProblem(r, 409, 'conflict');
    expect(bodyOf(await call('GET', '/v1/migrations', { key: w.customer.key }), 200).items).toHaveLength(1);
  });

  it('takes over a record whose request died, without starting a second migration', async () => {
    const w = await world();
    const first = await start(w, { idempotencyKey: 'k-died' });
    expectStatus(first, 201);
    // As if the first request had died after the coordinator recorded the migration.
    await db().prepare("UPDATE idempotency_keys SET state = 'processing', response_status = NULL, response_body = NULL, locked_until = 0 WHERE key = 'k-died'").run();
    const retry = await start(w, { idempotencyKey: 'k-died' });
    expectStatus(retry, 201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.id).toBe(first.body.id);
    expect(bodyOf(await call('GET', '/v1/migrations', { key: w.customer.key }), 200).items).toHaveLength(1);
  });

  it('replays a refusal too', async () => {
    const w = await world();
    await start(w);
    const refused = await start(w, { idempotencyKey: 'k-refused' });
    expectProblem(refused, 409, 'conflict');
    const again = await start(w, { idempotencyKey: 'k-refused' });
    expectProblem(again, 409, 'conflict');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.detail).toBe(refused.body.detail);
  });

  it('forgets a key after 24 hours', async () => {
    const w = await world();
    const first = await start(w, { idempotencyKey: 'k-old' });
    expectStatus(first, 201);
    await steer(first.body.id, 'cancel', w.customer.key);
    await db().prepare("UPDATE idempotency_keys SET expires_at = ? WHERE key = 'k-old'").bind(Date.now() - 1).run();
    const reused = await start(w, { idempotencyKey: 'k-old', body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, scope: 'rack' } });
    expectStatus(reused, 201);
    expect(reused.body.id).not.toBe(first.body.id);
    expect(reused.body.scope).toBe('rack');
  });

  it('scopes keys per caller', async () => {
    const [w1, w2] = [await world(), await world()];
    const a = await start(w1, { idempotencyKey: 'k-shared' });
    const b = await start(w2, { idempotencyKey: 'k-shared' });
    expectStatus(b, 201);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.customerId).toBe(w2.customer.id);
  });

  it('requires the header', async () => {
    const w = await world();
    const r = await call('POST', '/v1/migrations', { key: w.customer.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id } });
    expectProblem(r, 400, 'validation');
    expect(r.body.errors).toEqual([{ field: 'header.idempotency-key', message: expect.any(String) }]);
  });
});

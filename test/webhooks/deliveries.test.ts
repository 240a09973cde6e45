import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_BACKOFF_BASE_MS, WEBHOOK_MAX_ATTEMPTS } from '../../src/constants';
import { bodyOf, call, expectProblem, expectStatus } from '../http';
import { registerProvider } from '../factories';
import { coordinator, hookUp, start, verifiedEvents, world } from '../migrations/world';

type Stub = ReturnType<typeof coordinator>;

/** Lets time pass for the coordinator: every pending delivery becomes due, then the due work runs. */
async function later(stub: Stub) {
  await runInDurableObject(stub, (_, state) => void state.storage.sql.exec("UPDATE webhook_delivery SET next_attempt_at = 0 WHERE state = 'pending'"));
  return stub.runDue();
}

async function schedule(stub: Stub) {
  return runInDurableObject(stub, (_, state) =>
    state.storage.sql.exec<{ id: string; state: string; attempts: number; next_attempt_at: number | null; last_status: number | null }>('SELECT id, state, attempts, next_attempt_at, last_status FROM webhook_delivery').toArray(),
  );
}

describe('webhook delivery from the coordinator', () => {
  it('retries a failing receiver with backoff until one success, every attempt with the same webhook-id', async () => {
    const w = await world();
    const hook = await hookUp(w.providerB.key, [{ status: 500 }, { status: 503 }, { status: 502 }], { perMessage: true });
    const stub = coordinator(w.customer.id);
    await start(w);
    const before = Date.now();
    await stub.runDue();
    const afterFirst = (await schedule(stub)).filter((d) => d.last_status === 500);
    expect(afterFirst).toHaveLength(2);
    for (const d of afterFirst) {
      expect(d).toMatchObject({ state: 'pending', attempts: 1 });
      expect(d.next_attempt_at! - before).toBeGreaterThanOrEqual(WEBHOOK_BACKOFF_BASE_MS / 2);
      expect(d.next_attempt_at! - Date.now()).toBeLessThan(WEBHOOK_BACKOFF_BASE_MS);
    }
    await later(stub);
    const second = (await schedule(stub)).filter((d) => d.last_status === 503);
    for (const d of second) expect(d.next_attempt_at! - Date.now()).toBeGreaterThanOrEqual(WEBHOOK_BACKOFF_BASE_MS - 1000);
    await later(stub);
    await later(stub);
    await later(stub);

    const requests = await hook.box.requests();
    const attemptsById = new Map<string, number>();
    for (const r of requests) attemptsById.set(r.headers['webhook-id']!, (attemptsById.get(r.headers['webhook-id']!) ?? 0) + 1);
    expect([...attemptsById.values()]).toEqual([4, 4]);
    const events = await verifiedEvents(hook);
    expect(events.map((e) => e.type).sort()).toEqual(['migration.awaiting_consent', 'migration.awaiting_consent', 'migration.awaiting_consent', 'migration.awaiting_consent', 'migration.requested', 'migration.requested', 'migration.requested', 'migration.requested']);
    const log = await call('GET', '/v1/webhook-deliveries', { key: w.providerB.key });
    expectStatus(log, 200);
    expect(log.body.items).toHaveLength(2);
    for (const d of log.body.items) expect(d).toMatchObject({ state: 'succeeded', attempts: 4, lastStatus: 204, lastError: null, nextAttemptAt: null });
  });

  it('gives up after the last attempt', async () => {
    const w = await world();
    await hookUp(w.providerB.key, Array.from({ length: WEBHOOK_MAX_ATTEMPTS }, () => ({ status: 500 })), { perMessage: true });
    const stub = coordinator(w.customer.id);
    await start(w);
    await stub.runDue();
    for (let i = 1; i < WEBHOOK_MAX_ATTEMPTS; i++) await later(stub);
    const log = await call('GET', '/v1/webhook-deliveries', { key: w.providerB.key });
    expectStatus(log, 200);
    for (const d of log.body.items) expect(d).toMatchObject({ state: 'failed', attempts: WEBHOOK_MAX_ATTEMPTS, lastStatus: 500, lastError: 'receiver answered 500', nextAttemptAt: null });
    await later(stub);
    expect(bodyOf(await call('GET', '/v1/webhook-deliveries', { key: w.providerB.key }), 200).items.map((d) => d.attempts)).toEqual([WEBHOOK_MAX_ATTEMPTS, WEBHOOK_MAX_ATTEMPTS]);
  });

  it('honours Retry-After', async () => {
    const w = await world();
    await hookUp(w.providerB.key, [{ status: 429, headers: { 'retry-after': '7200' } }], { perMessage: true });
    const stub = coordinator(w.customer.id);
    await start(w);
    const before = Date.now();
    await stub.runDue();
    for (const d of (await schedule(stub)).filter((x) => x.last_status === 429)) expect(d.next_attempt_at! - before).toBeGreaterThanOrEqual(7_200_000);
  });

  it('disables the endpoint on 410 and sends nothing more until it is set again', async () => {
    const w = await world();
    const hook = await hookUp(w.providerB.key, [{ status: 410 }, { status: 410 }]);
    const stub = coordinator(w.customer.id);
    const m = bodyOf(await start(w), 201);
    await stub.runDue();
    const endpoint = await call('GET', '/v1/providers/me/webhook', { key: w.providerB.key });
    expectStatus(endpoint, 200);
    expect(endpoint.body.disabledAt).toEqual(expect.any(Number));
    const sent = (await hook.box.requests()).length;
    await call('POST', `/v1/migrations/${m.id}/accept`, { key: w.providerB.key });
    await stub.runDue();
    expect(await hook.box.requests()).toHaveLength(sent);
    const failed = await call('GET', '/v1/webhook-deliveries?eventType=platform.deploying', { key: w.providerB.key });
    expectStatus(failed, 200);
    expect(failed.body.items[0]).toMatchObject({ state: 'failed', attempts: 1, lastError: 'endpoint disabled (it answered 410); set it again to re-enable' });
    const again = await hookUp(w.providerB.key);
    expect(bodyOf(await call('GET', '/v1/providers/me/webhook', { key: w.providerB.key }), 200).disabledAt).toBeNull();
    await call('POST', `/v1/webhook-deliveries/${failed.body.items[0].id}/redeliver`, { key: w.providerB.key });
    await stub.runDue();
    expect((await verifiedEvents(again)).map((e) => e.type)).toEqual(['platform.deploying']);
  });

  it('signs with both secrets during a rotation', async () => {
    const w = await world();
    const old = await hookUp(w.providerB.key);
    const rotated = await call('PUT', '/v1/providers/me/webhook', { key: w.providerB.key, body: { url: old.box.url } });
    expectStatus(rotated, 200);
    await start(w);
    await coordinator(w.customer.id).runDue();
    const [got] = await old.box.requests();
    expect(got!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(old.secret).verify(got!.body, got!.headers)).toMatchObject({ type: expect.any(String) });
    expect(new Webhook(rotated.body.secret).verify(got!.body, got!.headers)).toMatchObject({ type: expect.any(String) });
  });

  it('runs an alarm twice without sending twice', async () => {
    const w = await world();
    const hook = await hookUp(w.providerB.key);
    const stub = coordinator(w.customer.id);
    await start(w);
    await stub.runDue();
    const sent = (await hook.box.requests()).length;
    expect(sent).toBe(2);
    await runDurableObjectAlarm(stub);
    await runDurableObjectAlarm(stub);
    await stub.runDue();
    expect(await hook.box.requests()).toHaveLength(sent);
  });

  it('marks deliveries to a provider without an endpoint failed, for later redelivery', async () => {
    const w = await world();
    await start(w);
    await coordinator(w.customer.id).runDue();
    const log = await call('GET', '/v1/webhook-deliveries', { key: w.providerA.key });
    expectStatus(log, 200);
    expect(log.body.items.map((d) => d.lastError)).toEqual(['no endpoint configured', 'no endpoint configured']);
  });
});

describe('GET /v1/webhook-deliveries and redeliver', () => {
  it('lists a provider’s own deliveries, filtered and paginated, and replays one with the same webhook-id', async () => {
    const w = await world();
    const hook = await hookUp(w.providerB.key);
    const stub = coordinator(w.customer.id);
    const m = bodyOf(await start(w), 201);
    await stub.runDue();
    const log = await call('GET', `/v1/webhook-deliveries?migrationId=${m.id}&limit=1`, { key: w.providerB.key });
    expectStatus(log, 200);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toEqual({
      id: expect.stringMatching(/^dlv_/),
      customerId: w.customer.id,
      migrationId: m.id,
      eventId: expect.stringMatching(/^msg_/),
      eventType: expect.stringMatching(/^migration\.(requested|awaiting_consent)$/),
      state: 'succeeded',
      attempts: 1,
      lastStatus: 204,
      lastError: null,
      nextAttemptAt: null,
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    const page2 = await call('GET', `/v1/webhook-deliveries?migrationId=${m.id}&limit=1&cursor=${log.body.nextCursor}`, { key: w.providerB.key });
    expectStatus(page2, 200);
    expect([log.body.items[0].eventType, page2.body.items[0].eventType].sort()).toEqual(['migration.awaiting_consent', 'migration.requested']);
    expect(page2.body.nextCursor).toBeNull();
    expect(bodyOf(await call('GET', '/v1/webhook-deliveries?state=failed', { key: w.providerB.key }), 200).items).toEqual([]);

    const original = log.body.items[0];
    const r = await call('POST', `/v1/webhook-deliveries/${original.id}/redeliver`, { key: w.providerB.key });
    expectStatus(r, 202);
    expect(r.body).toEqual({ id: expect.stringMatching(/^dlv_/), eventId: original.eventId, state: 'pending' });
    await stub.runDue();
    const ids = (await hook.box.requests()).map((x) => x.headers['webhook-id']);
    expect(ids.filter((id) => id === original.eventId)).toHaveLength(2);
    const copy = bodyOf(await call('GET', '/v1/webhook-deliveries', { key: w.providerB.key }), 200).items.find((d) => d.id === r.body.id);
    expect(copy).toMatchObject({ eventId: original.eventId, state: 'succeeded', attempts: 1 });
  });

  it('keeps other providers’ deliveries out of reach', async () => {
    const w = await world();
    await start(w);
    await coordinator(w.customer.id).runDue();
    const theirs = bodyOf(await call('GET', '/v1/webhook-deliveries', { key: w.providerB.key }), 200).items[0];
    const stranger = await registerProvider();
    expect(bodyOf(await call('GET', '/v1/webhook-deliveries', { key: stranger.key }), 200).items).toEqual([]);
    expectProblem(await call('POST', `/v1/webhook-deliveries/${theirs.id}/redeliver`, { key: stranger.key }), 404, 'not-found');
    expectProblem(await call('POST', `/v1/webhook-deliveries/${theirs.id}/redeliver`, { key: w.providerA.key }), 404, 'not-found');
    expectProblem(await call('GET', '/v1/webhook-deliveries', { key: w.customer.key }), 403, 'forbidden');
  });
});

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MIGRATION_STALL_AFTER_MS } from '../../src/constants';
import { getDb } from '../../src/db';
import { flagStalledMigrations, purgeIdempotencyKeys, repairReadModels } from '../../src/migrations/jobs';
import { quietMigrations } from '../../src/migrations/read-model';
import { reconcile } from '../../src/reconcile/jobs';
import { redriveWebhooks } from '../../src/webhooks/jobs';
import { bodyOf, call } from '../http';
import { coordinator, hookUp, progress, start, steer, deployAll, world } from './world';

type Stub = ReturnType<typeof coordinator>;

function exec(stub: Stub, query: string) {
  return runInDurableObject(stub, (_, state) => void state.storage.sql.exec(query));
}

describe('cron: migration.stalled', () => {
  it('flags a quiet migration once, and again only after it moved', async () => {
    // Other tests leave quiet migrations too: flag those first, so that the counts below are this one's.
    await flagStalledMigrations.run(env, Date.now());
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    await steer(id, 'accept', w.providerB.key);
    await deployAll(w);
    const stub = coordinator(w.customer.id);
    await exec(stub, 'UPDATE migration SET last_progress_at = 1, version = version + 1');
    await stub.repairReadModel();
    const now = Date.now();
    expect(await flagStalledMigrations.run(env, now)).toEqual({ checked: 1, flagged: 1 });
    expect(await flagStalledMigrations.run(env, now)).toEqual({ checked: 0, flagged: 0 });
    const stalled = () => stub.audit().then((a) => a.migrations[0]!.events.filter((e) => e.type === 'migration.stalled'));
    expect(await stalled()).toHaveLength(1);
    expect(await stub.flagStalled(now - MIGRATION_STALL_AFTER_MS)).toBe(false);

    await progress(id, w.providerB.key, 1, 5);
    expect(await flagStalledMigrations.run(env, Date.now())).toEqual({ checked: 0, flagged: 0 });
    expect(await flagStalledMigrations.run(env, Date.now() + MIGRATION_STALL_AFTER_MS + 1)).toEqual({ checked: 1, flagged: 1 });
    expect(await stalled()).toHaveLength(2);
  });

  it('samples quiet migrations at random, so ones quiet by design cannot crowd out the rest', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const w = await world();
      const id = bodyOf(await start(w), 201).id;
      await steer(id, 'accept', w.providerB.key);
      await deployAll(w);
      await exec(coordinator(w.customer.id), 'UPDATE migration SET last_progress_at = 1, version = version + 1');
      await coordinator(w.customer.id).repairReadModel();
      ids.add(id);
    }
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) for (const m of await quietMigrations(getDb(env.DB), ['migrating'], 2, 1)) seen.add(m.id);
    expect(seen).toEqual(ids);
  });

  it('leaves migrations waiting for consent or paused alone', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    const stub = coordinator(w.customer.id);
    expect(await stub.flagStalled(Date.now() + MIGRATION_STALL_AFTER_MS)).toBe(false);
    await steer(id, 'accept', w.providerB.key);
    await steer(id, 'pause', w.customer.key);
    expect(await stub.flagStalled(Date.now() + MIGRATION_STALL_AFTER_MS)).toBe(false);
  });
});

describe('cron: read-model repair', () => {
  it('rewrites a drifted D1 row from the coordinator, and is safe to run twice', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    const truth = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    await env.DB.prepare("UPDATE migrations SET state = 'completed', history = '[]', segments_done = 99 WHERE id = ?").bind(id).run();
    expect(bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).state).toBe('completed');
    const first = await repairReadModels.run(env, Date.now());
    expect(first.coordinators).toBeGreaterThanOrEqual(1);
    expect((await call('GET', `/v1/migrations/${id}`, { key: w.customer.key })).body).toEqual(truth.body);
    await repairReadModels.run(env, Date.now());
    expect((await call('GET', `/v1/migrations/${id}`, { key: w.customer.key })).body).toEqual(truth.body);
  });

  it('writes what a failed flush left behind', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    await env.DB.prepare('DELETE FROM migrations WHERE id = ?').bind(id).run();
    await exec(coordinator(w.customer.id), 'UPDATE migration SET mirrored_version = 0');
    await coordinator(w.customer.id).runDue();
    expect(bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).state).toBe('awaiting_consent');
  });
});

describe('cron: overdue webhooks', () => {
  it('runs a coordinator whose alarm was lost', async () => {
    const w = await world();
    const hook = await hookUp(w.providerB.key, [{ status: 500 }], { perMessage: true });
    const stub = coordinator(w.customer.id);
    await start(w);
    await stub.runDue();
    // The retry falls due, but the alarm that should run it is lost.
    await runInDurableObject(stub, async (_, state) => {
      state.storage.sql.exec("UPDATE webhook_delivery SET next_attempt_at = 1 WHERE state = 'pending'");
      await state.storage.deleteAlarm();
    });
    await env.DB.prepare("UPDATE webhook_deliveries SET next_attempt_at = 1 WHERE customer_id = ? AND state = 'pending'").bind(w.customer.id).run();
    const result = await redriveWebhooks.run(env, Date.now());
    expect(result).toMatchObject({ attempted: 2 });
    expect(result.coordinators).toBeGreaterThanOrEqual(1);
    expect(await hook.box.requests()).toHaveLength(4);
    expect((await redriveWebhooks.run(env, Date.now())).attempted).toBe(0);
  });
});

describe('cron: idempotency records', () => {
  it('purges expired records only', async () => {
    const now = Date.now();
    const insert = env.DB.prepare("INSERT INTO idempotency_keys (caller_id, key, request_hash, state, locked_until, created_at, expires_at) VALUES ('cus_x', ?, 'h', 'done', 0, 0, ?)");
    await env.DB.batch([insert.bind('old', now - 1), insert.bind('fresh', now + 60_000)]);
    expect(await purgeIdempotencyKeys.run(env, now)).toEqual({ purged: 1 });
    expect(await purgeIdempotencyKeys.run(env, now)).toEqual({ purged: 0 });
    const left = await env.DB.prepare("SELECT key FROM idempotency_keys WHERE caller_id = 'cus_x'").all();
    expect(left.results).toEqual([{ key: 'fresh' }]);
  });
});

describe('reconcile', () => {
  it('runs every job of this capability and reports counts', async () => {
    const results = await reconcile(env, Date.now());
    expect(results.map((r) => r.job)).toEqual(expect.arrayContaining(['webhooks.redrive', 'migrations.stalled', 'migrations.repair-read-model', 'idempotency.purge']));
    expect(results.every((r) => r.ok)).toBe(true);
  });
});

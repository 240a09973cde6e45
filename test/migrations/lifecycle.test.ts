import { describe, expect, it } from 'vitest';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR } from '../http';
import { registerCustomer, registerProvider } from '../factories';
import { coordinator, deployAll, hookUp, mintIds, progress, start, states, steer, verifiedEvents, world, type World } from './world';

async function placementsOf(customerId: string) {
  const r = await call('GET', `/v1/placements?customerId=${customerId}`, { key: OPERATOR });
  expectStatus(r, 200);
  return (r.body.items as { platformId: string }[]).map((p) => p.platformId);
}

async function migrating(w: World) {
  const m = bodyOf(await start(w), 201);
  await steer(m.id, 'accept', w.providerB.key);
  await deployAll(w);
  return m.id as string;
}

describe('a whole migration over HTTP', () => {
  it('runs requested → awaiting consent → deploying → migrating → cutting over → completed, and switches placements to B', async () => {
    const w = await world();
    const hookA = await hookUp(w.providerA.key);
    const hookB = await hookUp(w.providerB.key);

    const started = await start(w);
    expectStatus(started, 201);
    expect(started.body).toMatchObject({
      customerId: w.customer.id,
      state: 'awaiting_consent',
      scope: 'server',
      source: { platformId: w.platformA.id, providerId: w.providerA.id },
      target: { platformId: w.platformB.id, providerId: w.providerB.id },
      initiatedBy: { id: w.customer.id, kind: 'customer' },
      progress: { segmentsDone: 0, segmentsTotal: null, percent: 0 },
      deployment: { tasks: 0, succeeded: 0, pending: 0, failed: 0 },
    });
    const id = started.body.id as string;

    const accepted = await steer(id, 'accept', w.providerB.key);
    expectStatus(accepted, 200);
    expect(accepted.body).toMatchObject({ state: 'deploying', deployment: { tasks: 2, succeeded: 0, pending: 2, failed: 0 } });

    await deployAll(w);
    const deployed = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    expect(deployed.body).toMatchObject({ state: 'migrating', deployment: { tasks: 2, succeeded: 2, pending: 0, failed: 0 } });
    expect(await placementsOf(w.customer.id)).toEqual([w.platformA.id, w.platformA.id]);

    const half = await progress(id, w.providerB.key, 5, 10);
    expect(half.body).toMatchObject({ state: 'migrating', progress: { segmentsDone: 5, segmentsTotal: 10, percent: 50 } });

    const done = await progress(id, w.providerB.key, 10, 10);
    expectStatus(done, 200);
    expect(done.body).toMatchObject({ state: 'completed', progress: { segmentsDone: 10, segmentsTotal: 10, percent: 100 } });
    expect(states(done.body.history)).toEqual(['requested', 'awaiting_consent', 'deploying', 'migrating', 'cutting_over', 'completed']);
    expect(done.body.history.map((h) => h.from)).toEqual([null, 'requested', 'awaiting_consent', 'deploying', 'migrating', 'cutting_over']);
    expect(done.body.history.map((h) => h.by.kind)).toEqual(['customer', 'customer', 'provider', 'system', 'provider', 'system']);
    expect(await placementsOf(w.customer.id)).toEqual([w.platformB.id, w.platformB.id]);

    await coordinator(w.customer.id).runDue();
    const expected = [
      'migration.requested',
      'migration.awaiting_consent',
      'migration.accepted',
      'platform.deploying',
      'platform.deployed',
      'migration.progress',
      'traffic.shifted', // B's share of sessions: 0 → 50 %
      'migration.progress',
      'migration.cutting_over',
      'migration.completed',
      'traffic.shifted', // 50 → 100 %: B serves every session
    ];
    for (const hook of [hookA, hookB]) {
      const events = await verifiedEvents(hook);
      expect(events.map((e) => e.type).sort()).toEqual([...expected].sort());
      expect(new Set(events.map((e) => e.id)).size).toBe(expected.length);
      expect(events.every((e) => e.data.migrationId === id && e.data.customerId === w.customer.id)).toBe(true);
    }
    const completed = (await verifiedEvents(hookB)).find((e) => e.type === 'migration.completed');
    expect(completed?.data).toMatchObject({ state: 'completed', previousState: 'cutting_over', sourcePlatformId: w.platformA.id, targetPlatformId: w.platformB.id });
  });

  it('rolls back mid-migration, leaving everything on A', async () => {
    const w = await world();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 3, 10);
    const r = await steer(id, 'rollback', w.customer.key);
    expectStatus(r, 200);
    expect(r.body.state).toBe('rolled_back');
    expect(states(r.body.history).slice(-2)).toEqual(['rolling_back', 'rolled_back']);
    expect(await placementsOf(w.customer.id)).toEqual([w.platformA.id, w.platformA.id]);
    const audit = await coordinator(w.customer.id).audit();
    // …and every session goes back to A (B had 30 %).
    expect(audit.migrations[0]?.events.map((e) => e.type).slice(-3)).toEqual(['migration.rolling_back', 'migration.rolled_back', 'traffic.shifted']);
  });

  it('starts from the target provider (with the customer’s hardware IDs) and waits for the customer to approve', async () => {
    const w = await world();
    const hardwareIds = await mintIds(w, { audience: [w.providerB.id] });
    const r = await start(w, { key: w.providerB.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, hardwareIds } });
    expectStatus(r, 201);
    expect(r.body).toMatchObject({ state: 'awaiting_consent', initiatedBy: { id: w.providerB.id, kind: 'provider' } });
    expectProblem(await steer(r.body.id, 'accept', w.providerB.key), 403, 'forbidden');
    expectProblem(await steer(r.body.id, 'approve', w.providerB.key), 403, 'forbidden');
    const approved = await steer(r.body.id, 'approve', w.customer.key);
    expectStatus(approved, 200);
    expect(approved.body.state).toBe('deploying');
    expect(approved.body.history.at(-1)).toMatchObject({ from: 'awaiting_consent', to: 'deploying', by: { id: w.customer.id, kind: 'customer' } });
    const audit = await coordinator(w.customer.id).audit();
    expect(audit.migrations[0]?.events.map((e) => e.type)).toContain('migration.approved');
  });

  it('skips consent when the target platform accepts automatically', async () => {
    const w = await world({ autoAccept: true });
    const r = await start(w);
    expectStatus(r, 201);
    expect(r.body.state).toBe('deploying');
    expect(r.body.history.at(-1)).toMatchObject({ from: 'requested', to: 'deploying', by: { kind: 'system' }, reason: 'the target platform accepts migrations automatically' });
  });

  it('pauses and resumes; progress is refused while paused and never goes back', async () => {
    const w = await world();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 4, 10);
    expect(bodyOf(await steer(id, 'pause', w.customer.key), 200).state).toBe('paused');
    expectProblem(await progress(id, w.providerB.key, 5, 10), 409, 'conflict');
    expect(bodyOf(await steer(id, 'resume', w.providerB.key), 200).state).toBe('migrating');
    expectProblem(await progress(id, w.providerB.key, 3, 10), 409, 'conflict');
    expectProblem(await progress(id, w.providerB.key, 5, 12), 409, 'conflict');
    const same = await progress(id, w.providerB.key, 4, 10);
    expectStatus(same, 200);
    expect(same.body.progress.segmentsDone).toBe(4);
    expectProblem(await progress(id, w.providerB.key, 11, 10), 400, 'validation');
    const audit = await coordinator(w.customer.id).audit();
    expect(audit.migrations[0]?.events.filter((e) => e.type === 'migration.progress')).toHaveLength(1);
  });

  it('cancels before data moves, not after', async () => {
    const w = await world();
    const m = bodyOf(await start(w), 201);
    expect(bodyOf(await steer(m.id, 'cancel', w.providerB.key), 200).state).toBe('cancelled');
    const again = await start(w);
    expectStatus(again, 201);
    await steer(again.body.id, 'accept', w.providerB.key);
    await deployAll(w);
    const r = await steer(again.body.id, 'cancel', w.customer.key);
    expectProblem(r, 409, 'conflict');
    expect(r.body.detail).toBe('Data is already moving; roll the migration back instead.');
  });
});

describe('who may do what', () => {
  it('allows one active migration per customer', async () => {
    const w = await world();
    expectStatus(await start(w), 201);
    const second = await start(w);
    expectProblem(second, 409, 'conflict');
    const list = await call('GET', '/v1/migrations', { key: w.customer.key });
    expectStatus(list, 200);
    expect(list.body.items).toHaveLength(1);
  });

  it('shows a migration to its parties only', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    for (const key of [w.customer.key, w.providerA.key, w.providerB.key, OPERATOR]) {
      const r = await call('GET', `/v1/migrations/${id}`, { key });
      expectStatus(r, 200);
      expect(r.body.id).toBe(id);
    }
    const stranger = await registerCustomer();
    const otherProvider = await registerProvider();
    for (const key of [stranger.key, otherProvider.key]) {
      expectProblem(await call('GET', `/v1/migrations/${id}`, { key }), 404, 'not-found');
      expectProblem(await steer(id, 'cancel', key), 404, 'not-found');
      expect(bodyOf(await call('GET', '/v1/migrations', { key }), 200).items).toEqual([]);
    }
    expectProblem(await call('GET', `/v1/migrations/${id}`, { key: w.agents[0]!.key }), 403, 'forbidden');
  });

  it('lets only the customer and the target provider steer', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    for (const action of ['accept', 'approve', 'pause', 'resume', 'rollback', 'cancel'] as const) {
      const r = await steer(id, action, w.providerA.key);
      expectProblem(r, 403, 'forbidden');
    }
    expectProblem(await steer(id, 'accept', w.customer.key), 403, 'forbidden');
    expectProblem(await progress(id, w.customer.key, 1, 2), 403, 'forbidden');
    expectProblem(await progress(id, w.providerA.key, 1, 2), 403, 'forbidden');
    expect(bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).state).toBe('awaiting_consent');
  });

  it('refuses a customer starting for another, a provider starting to a platform not its own, and bad references', async () => {
    const w = await world();
    const stranger = await registerCustomer();
    expectProblem(await start(w, { key: stranger.key }), 403, 'forbidden');
    expectProblem(await start(w, { key: w.providerA.key }), 403, 'forbidden');
    expectProblem(await start(w, { body: { customerId: w.customer.id, targetPlatformId: 'plt_nope' } }), 422, 'unprocessable');
    expectProblem(await start(w, { body: { customerId: w.customer.id, targetPlatformId: w.platformA.id } }), 422, 'unprocessable');
    expectProblem(await start(w, { key: stranger.key, body: { customerId: stranger.id, targetPlatformId: w.platformB.id } }), 422, 'unprocessable');
    expectProblem(await start(w, { key: w.providerB.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id } }), 422, 'unprocessable');
    expectProblem(await call('POST', '/v1/migrations', { key: w.customer.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id } }), 400, 'validation');
  });

  it('paginates the list, newest first', async () => {
    const w = await world();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = bodyOf(await start(w), 201);
      ids.unshift(m.id);
      await steer(m.id, 'cancel', w.customer.key);
    }
    const all = await call('GET', '/v1/migrations', { key: w.customer.key });
    expectStatus(all, 200);
    const listed = all.body.items.map((m) => m.id);
    expect([...listed].sort()).toEqual([...ids].sort());
    const first = await call('GET', '/v1/migrations?limit=2', { key: w.customer.key });
    expectStatus(first, 200);
    expect(first.body.items.map((m) => m.id)).toEqual(listed.slice(0, 2));
    const second = await call('GET', `/v1/migrations?limit=2&cursor=${first.body.nextCursor}`, { key: w.customer.key });
    expect(second.body).toMatchObject({ items: [{ id: listed[2] }], nextCursor: null });
    const created = all.body.items.map((m) => m.createdAt);
    expect(created).toEqual([...created].sort((a: number, b: number) => b - a));
    const cancelled = await call('GET', `/v1/migrations?state=cancelled&customerId=${w.customer.id}`, { key: w.providerB.key });
    expectStatus(cancelled, 200);
    expect(cancelled.body.items).toHaveLength(3);
  });
});

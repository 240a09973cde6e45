import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TASK_LEASE_MS, TASK_MAX_ATTEMPTS } from '../../src/constants';
import { bodyOf, call, expectProblem, expectStatus, offSchema, type RequestBody } from '../http';
import { coordinator, leased, start, steer, world, type World } from '../migrations/world';

async function deploying(w: World) {
  const id = bodyOf(await start(w), 201).id;
  await steer(id, 'accept', w.providerB.key);
  return id;
}

const poll = (key: string) => call('GET', '/v1/agent/tasks', { key });
const report = (key: string, taskId: string, body: RequestBody<'POST', '/v1/agent/tasks/{id}/result'>) => call('POST', `/v1/agent/tasks/${taskId}/result`, { key, body });

describe('GET /v1/agent/tasks', () => {
  it('leases each server its own deployment task with the modules, digests and storage address', async () => {
    const w = await world();
    const id = await deploying(w);
    const items = await leased(w.agents[0]!.key);
    expect(items).toEqual([
      {
        id: expect.stringMatching(/^tsk_/),
        kind: 'deploy_platform_modules',
        attempt: 1,
        leaseExpiresAt: expect.any(Number),
        payload: {
          kind: 'deploy_platform_modules',
          migrationId: id,
          platformId: w.platformB.id,
          modules: [{ name: 'runtime', version: '1.0.0', artifactUrl: 'https://artifacts.example/runtime-1.0.0.tar', sha256: 'a'.repeat(64) }],
          storageAddress: `iscsi://storage/${w.customer.id}/${w.serverIds[0]}`,
        },
      },
    ]);
    expect(items[0].leaseExpiresAt - Date.now()).toBeLessThanOrEqual(TASK_LEASE_MS);
    expect(await leased(w.agents[0]!.key)).toEqual([]);
  });

  it('offers nothing before consent, while paused, or to other callers', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    expect(await leased(w.agents[0]!.key)).toEqual([]);
    await steer(id, 'accept', w.providerB.key);
    await steer(id, 'pause', w.customer.key);
    expect(await leased(w.agents[0]!.key)).toEqual([]);
    await steer(id, 'resume', w.customer.key);
    expect(await leased(w.agents[0]!.key)).toHaveLength(1);
    expectProblem(await poll(w.customer.key), 403, 'forbidden');
  });
});

describe('POST /v1/agent/tasks/{id}/result', () => {
  it('retries a failed task up to the bound, then fails the migration', async () => {
    const w = await world();
    const id = await deploying(w);
    const agent = w.agents[0]!;
    for (let attempt = 1; attempt <= TASK_MAX_ATTEMPTS; attempt++) {
      const [task] = await leased(agent.key);
      expect(task.attempt).toBe(attempt);
      const r = await report(agent.key, task.id, { attempt, outcome: 'failed', error: 'checksum mismatch' });
      expect(r.body).toEqual({ id: task.id, state: attempt < TASK_MAX_ATTEMPTS ? 'pending' : 'failed', attempts: attempt });
    }
    const m = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    expectStatus(m, 200);
    expect(m.body.state).toBe('failed');
    expect(m.body.history.at(-1)).toMatchObject({ from: 'deploying', to: 'failed', by: { kind: 'system' }, reason: 'a deployment task failed on every attempt' });
    expect(m.body.deployment).toEqual({ tasks: 2, succeeded: 0, pending: 0, failed: 1 });
    expect(await leased(w.agents[1]!.key)).toEqual([]);
  });

  it('reclaims a task whose lease ran out, and refuses the late result of that attempt', async () => {
    const w = await world();
    await deploying(w);
    const agent = w.agents[0]!;
    const [first] = await leased(agent.key);
    const stub = coordinator(w.customer.id);
    await runInDurableObject(stub, (_, state) => void state.storage.sql.exec('UPDATE agent_task SET lease_expires_at = 1 WHERE id = ?', first.id));
    expect((await stub.runDue()).reclaimedTasks).toBe(1);
    const [again] = await leased(agent.key);
    expect(again).toMatchObject({ id: first.id, attempt: 2 });
    const late = await report(agent.key, first.id, { attempt: 1, outcome: 'succeeded' });
    expectProblem(late, 409, 'conflict');
    expect((await report(agent.key, first.id, { attempt: 2, outcome: 'succeeded' })).body).toEqual({ id: first.id, state: 'succeeded', attempts: 2 });
    expectProblem(await report(agent.key, first.id, { attempt: 2, outcome: 'succeeded' }), 409, 'conflict');
  });

  it('moves the migration on when every task succeeded', async () => {
    const w = await world();
    const id = await deploying(w);
    for (const a of w.agents) {
      const [t] = await leased(a.key);
      await report(a.key, t.id, { attempt: t.attempt, outcome: 'succeeded' });
    }
    const m = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    expectStatus(m, 200);
    expect(m.body).toMatchObject({ state: 'migrating', deployment: { tasks: 2, succeeded: 2, pending: 0, failed: 0 } });
    expect(m.body.history.at(-1)).toMatchObject({ from: 'deploying', to: 'migrating', by: { kind: 'system' } });
  });

  it('keeps tasks to their own server and refuses results for cancelled tasks', async () => {
    const w = await world();
    const id = await deploying(w);
    const [t] = await leased(w.agents[0]!.key);
    expectProblem(await report(w.agents[1]!.key, t.id, { attempt: 1, outcome: 'succeeded' }), 404, 'not-found');
    expectProblem(await report(w.agents[0]!.key, 'tsk_nope', { attempt: 1, outcome: 'succeeded' }), 404, 'not-found');
    // A failure without its error: the document requires one.
    expectProblem(await report(w.agents[0]!.key, t.id, offSchema({ attempt: 1, outcome: 'failed' })), 400, 'validation');
    await steer(id, 'cancel', w.customer.key);
    expectProblem(await report(w.agents[0]!.key, t.id, { attempt: 1, outcome: 'succeeded' }), 409, 'conflict');
    expect(bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).deployment).toMatchObject({ succeeded: 0, pending: 0 });
  });
});

// Removal tasks and deployment per server: B's modules leave every server an agent took them to
// after a rollback, cancel or failure; A's modules leave every target server after completion. The
// parties see the tasks per server (masked for all but the operator); the operator lists one
// server's tasks across customers.
import { describe, expect, it } from 'vitest';
import { TASK_MAX_ATTEMPTS } from '../../src/constants';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR, type RequestBody } from '../http';
import { deployAll, leased, progress, start, steer, world, type World } from '../migrations/world';
import { registerCustomer } from '../factories';

const poll = (key: string) => call('GET', '/v1/agent/tasks', { key });
const report = (key: string, taskId: string, body: RequestBody<'POST', '/v1/agent/tasks/{id}/result'>) => call('POST', `/v1/agent/tasks/${taskId}/result`, { key, body });
const tasksOf = (id: string, key: string) => call('GET', `/v1/migrations/${id}/tasks`, { key });

async function deploying(w: World) {
  const id = bodyOf(await start(w), 201).id;
  await steer(id, 'accept', w.providerB.key);
  return id;
}

async function modulesOf(platformId: string) {
  const r = await call('GET', `/v1/platforms/${platformId}`, { key: OPERATOR });
  expectStatus(r, 200);
  return r.body.modules.map(({ name, version }) => ({ name, version }));
}

describe('removal tasks', () => {
  it('after a rollback, removes B’s modules from every server that got them, and the agent reports it', async () => {
    const w = await world();
    const id = await deploying(w);
    await deployAll(w);
    await steer(id, 'rollback', w.customer.key);
    const bModules = await modulesOf(w.platformB.id);
    for (const a of w.agents) {
      const items = await leased(a.key);
      expect(items).toEqual([
        {
          id: expect.stringMatching(/^tsk_/),
          kind: 'remove_platform_modules',
          attempt: 1,
          leaseExpiresAt: expect.any(Number),
          payload: {
            kind: 'remove_platform_modules',
            migrationId: id,
            platformId: w.platformB.id,
            modules: bModules,
            storageAddress: `iscsi://storage/${w.customer.id}/${a.serverId}`,
            reason: 'rolled_back',
          },
        },
      ]);
      expect((await report(a.key, items[0].id, { attempt: 1, outcome: 'succeeded' })).body).toMatchObject({ state: 'succeeded' });
    }
    const view = bodyOf(await tasksOf(id, OPERATOR), 200).items;
    expect(view.map((t) => `${t.kind}:${t.state}`)).toEqual([
      'deploy_platform_modules:succeeded',
      'deploy_platform_modules:succeeded',
      'remove_platform_modules:succeeded',
      'remove_platform_modules:succeeded',
    ]);
    const m = bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200);
    expect(m.deployment).toEqual({ tasks: 2, succeeded: 2, pending: 0, failed: 0 });
  });

  it('after a cancel, only on the servers whose agent took the deployment task', async () => {
    const w = await world();
    const id = await deploying(w);
    const [taken] = await leased(w.agents[0]!.key);
    await steer(id, 'cancel', w.customer.key);
    const [removal] = await leased(w.agents[0]!.key);
    expect(removal).toMatchObject({ kind: 'remove_platform_modules', payload: { migrationId: id, reason: 'cancelled' } });
    expect(removal.id).not.toBe(taken.id);
    expect(await leased(w.agents[1]!.key)).toEqual([]);
  });

  it('after a failure, on the servers the deployment reached; a removal never counts as deployment', async () => {
    const w = await world();
    const id = await deploying(w);
    const agent = w.agents[0]!;
    for (let attempt = 1; attempt <= TASK_MAX_ATTEMPTS; attempt++) {
      const [t] = await leased(agent.key);
      await report(agent.key, t.id, { attempt, outcome: 'failed', error: 'sha256 mismatch' });
    }
    const [removal] = await leased(agent.key);
    expect(removal).toMatchObject({ kind: 'remove_platform_modules', payload: { reason: 'failed', platformId: w.platformB.id } });
    expect(await leased(w.agents[1]!.key)).toEqual([]);
    expect(bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).deployment).toEqual({ tasks: 2, succeeded: 0, pending: 0, failed: 1 });
  });

  it('after completion, removes A’s modules from every target server, but none that B installed in the same version', async () => {
    const w = await world();
    const shared = (await modulesOf(w.platformB.id))[0]!;
    const own = { name: 'a-runtime', version: '3.1.0', artifactUrl: 'https://artifacts.example/a-runtime-3.1.0.tar.gz', sha256: 'b'.repeat(64) };
    const sharedRef = { ...shared, artifactUrl: 'https://artifacts.example/runtime-1.0.0.tar', sha256: 'a'.repeat(64) };
    expectStatus(await call('PATCH', `/v1/platforms/${w.platformA.id}`, { key: w.providerA.key, body: { modules: [own, sharedRef] } }), 200);
    const id = await deploying(w);
    await deployAll(w);
    const done = await progress(id, w.providerB.key, 1, 1);
    expectStatus(done, 200);
    expect(done.body.state).toBe('completed');
    for (const a of w.agents) {
      const items = await leased(a.key);
      expect(items).toHaveLength(1);
      expect(items[0].payload).toMatchObject({ kind: 'remove_platform_modules', platformId: w.platformA.id, modules: [{ name: own.name, version: own.version }], reason: 'completed' });
    }
  });

  it('a deployment back to a platform cancels its pending removal on the same servers', async () => {
    const w = await world();
    const first = await deploying(w);
    await deployAll(w);
    await steer(first, 'rollback', w.customer.key);
    const second = await deploying(w);
    const items = await leased(w.agents[0]!.key);
    expect(items.map((t) => [t.kind, t.payload.migrationId])).toEqual([['deploy_platform_modules', second]]);
    const old = bodyOf(await tasksOf(first, OPERATOR), 200).items.filter((t) => t.kind === 'remove_platform_modules');
    expect(old.map((t) => t.state)).toEqual(['cancelled', 'cancelled']);
  });
});

describe('GET /v1/migrations/{id}/tasks', () => {
  it('shows the operator server ids and errors, the customer and providers masked IDs only', async () => {
    const w = await world();
    const id = await deploying(w);
    const [t] = await leased(w.agents[0]!.key);
    await report(w.agents[0]!.key, t.id, { attempt: 1, outcome: 'failed', error: 'install exited 3' });
    const op = bodyOf(await tasksOf(id, OPERATOR), 200);
    expect(op.nextCursor).toBeNull();
    expect(op.items.map((x) => x.serverId).sort()).toEqual([...w.serverIds].sort());
    expect(op.items.find((x) => x.id === t.id)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'install exited 3', platformId: w.platformB.id });
    for (const key of [w.customer.key, w.providerA.key, w.providerB.key]) {
      const r = await tasksOf(id, key);
      expectStatus(r, 200);
      const text = JSON.stringify(r.body);
      for (const serverId of w.serverIds) expect(text).not.toContain(serverId);
      expect(text).not.toContain('install exited');
      for (const item of r.body.items) {
        expect(Object.keys(item).sort()).toEqual(['attempts', 'hardwareId', 'id', 'kind', 'modules', 'platformId', 'state', 'updatedAt']);
        expect(item.hardwareId?.split('.')).toHaveLength(3);
      }
    }
    // A fresh hardware ID per request, and it names the server to the one it was minted for.
    const again = bodyOf(await tasksOf(id, w.customer.key), 200).items[0].hardwareId;
    const before = bodyOf(await tasksOf(id, w.customer.key), 200).items[0].hardwareId;
    expect(again).not.toBe(before);
    const check = await call('POST', '/v1/compatibility', { key: w.customer.key, body: { hardwareIds: [again!], platformId: w.platformB.id } });
    expectStatus(check, 200);
  });

  it('pages, and answers 404 to anyone who is not a party', async () => {
    const w = await world({ servers: 3 });
    const id = await deploying(w);
    const first = bodyOf(await call('GET', `/v1/migrations/${id}/tasks?limit=2`, { key: OPERATOR }), 200);
    expect(first.items).toHaveLength(2);
    const rest = bodyOf(await call('GET', `/v1/migrations/${id}/tasks?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`, { key: OPERATOR }), 200);
    expect(rest).toMatchObject({ items: [expect.any(Object)], nextCursor: null });
    expect(new Set([...first.items, ...rest.items].map((t) => t.serverId)).size).toBe(3);
    const stranger = await registerCustomer();
    expectProblem(await tasksOf(id, stranger.key), 404, 'not-found');
    expectProblem(await tasksOf(id, w.agents[0]!.key), 403, 'forbidden');
  });
});

describe('GET /v1/agent/tasks?serverId= (operator)', () => {
  it('lists one server’s tasks of every customer, without leasing them', async () => {
    const w = await world();
    const id = await deploying(w);
    const serverId = w.serverIds[0]!;
    const r = await call('GET', `/v1/agent/tasks?serverId=${serverId}`, { key: OPERATOR });
    expectStatus(r, 200);
    expect(r.body).toEqual({
      items: [
        {
          id: expect.stringMatching(/^tsk_/),
          kind: 'deploy_platform_modules',
          migrationId: id,
          customerId: w.customer.id,
          serverId,
          state: 'pending',
          attempts: 0,
          lastError: null,
          updatedAt: expect.any(Number),
        },
      ],
      nextCursor: null,
    });
    expect(await leased(w.agents[0]!.key)).toHaveLength(1);
    expectProblem(await call('GET', '/v1/agent/tasks', { key: OPERATOR }), 400, 'validation');
    expectProblem(await call('GET', `/v1/agent/tasks?serverId=${serverId}`, { key: w.customer.key }), 403, 'forbidden');
  });
});

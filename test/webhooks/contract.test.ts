import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { TASK_MAX_ATTEMPTS } from '../../src/constants';
import { flagStalledMigrations } from '../../src/migrations/jobs';
import { transitionEvents } from '../../src/migrations/lifecycle';
import { MIGRATION_STATES } from '../../src/lib/lifecycle';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/events';
import { relayOutboxEvents } from '../../src/webhooks/jobs';
import { server, settled } from '../factories';
import { bodyOf, call, expectStatus, OPERATOR, raw } from '../http';
import { validatorFor, type Schema, type WithComponents } from '../openapi';
import { coordinator, deployAll, hookUp, mintIds, progress, start, steer, world, type World } from '../migrations/world';

type Hook = Awaited<ReturnType<typeof hookUp>>;
interface Delivery {
  id: string;
  body: { type: string; timestamp: string; sequence: number; data: { migrationId?: string | null } };
}

interface OpenApiDoc extends WithComponents {
  webhooks: Record<string, { post: { requestBody: { content: { 'application/json': { schema: Schema } } } } }>;
}


/** Every message a receiver got, signature checked with the reference implementation. */
async function deliveries(hook: Hook): Promise<Delivery[]> {
  const wh = new Webhook(hook.secret);
  return (await hook.box.requests()).map((r) => ({ id: r.headers['webhook-id']!, body: wh.verify(r.body, r.headers) as Delivery['body'] }));
}

async function hooked(servers?: number) {
  const w = await world({ servers });
  return { w, hookA: await hookUp(w.providerA.key), hookB: await hookUp(w.providerB.key) };
}

/** Makes the coordinator's pending deliveries due and sends them. */
async function flush(w: World) {
  const stub = coordinator(w.customer.id);
  await runInDurableObject(stub, (_, state) => void state.storage.sql.exec("UPDATE webhook_delivery SET next_attempt_at = 0 WHERE state = 'pending'"));
  await stub.runDue();
}

/** A customer-started migration to completion, paused and resumed on the way, flagged stalled once. */
async function completed() {
  const { w, hookA, hookB } = await hooked();
  const id = bodyOf(await start(w), 201).id;
  await steer(id, 'accept', w.providerB.key);
  await steer(id, 'pause', w.customer.key);
  await steer(id, 'resume', w.providerB.key);
  await deployAll(w);
  await progress(id, w.providerB.key, 1, 2);
  await runInDurableObject(coordinator(w.customer.id), (_, state) => void state.storage.sql.exec('UPDATE migration SET last_progress_at = 1, version = version + 1'));
  await coordinator(w.customer.id).repairReadModel();
  await flagStalledMigrations.run(env, Date.now());
  expect(bodyOf(await progress(id, w.providerB.key, 2, 2), 200).state).toBe('completed');
  await flush(w);
  return [hookA, hookB];
}

/** A provider-started migration, approved by the customer, rolled back with data moved. */
async function rolledBack() {
  const { w, hookA, hookB } = await hooked();
  const hardwareIds = await mintIds(w, { audience: [w.providerB.id] });
  const id = bodyOf(await start(w, { key: w.providerB.key, body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, hardwareIds } }), 201).id;
  await steer(id, 'approve', w.customer.key);
  await deployAll(w);
  await progress(id, w.providerB.key, 1, 4);
  expect(bodyOf(await steer(id, 'rollback', w.customer.key), 200).state).toBe('rolled_back');
  await flush(w);
  return [hookA, hookB];
}

/**
 * Five of ten servers (K: the census answers the platform there) lose the trait platform B requires
 * while the migration deploys; then it is cancelled.
 */
async function revokedThenCancelled() {
  const { w, hookA, hookB } = await hooked(10);
  await call('PATCH', `/v1/platforms/${w.platformB.id}`, { key: w.providerB.key, body: { requirements: { requiredTraits: ['sev'] } } });
  await settled();
  const id = bodyOf(await start(w), 201).id;
  const listed = await call('GET', `/v1/inventory/servers?rack=${w.serverIds[0]!.replace(/-v\d+$/, '')}`, { key: OPERATOR });
  expectStatus(listed, 200);
  const changed = listed.body.items.filter((x) => w.serverIds.slice(0, 5).includes(x.id)).map((s) => ({ ...server(s.id, s.rackId, { ...s.properties, traits: [] }), identity: s.identity }));
  await call('PUT', '/v1/inventory', { key: OPERATOR, body: { servers: changed } });
  // Compatibility is recomputed on the queue: the revocation exists once it has caught up.
  await settled();
  await relayOutboxEvents.run(env, Date.now());
  expect(bodyOf(await steer(id, 'cancel', w.customer.key), 200).state).toBe('cancelled');
  await flush(w);
  return [hookA, hookB];
}

/** Every deployment attempt on one server fails. */
async function failed() {
  const { w, hookA, hookB } = await hooked();
  const id = bodyOf(await start(w), 201).id;
  await steer(id, 'accept', w.providerB.key);
  const agent = w.agents[0]!;
  for (let attempt = 1; attempt <= TASK_MAX_ATTEMPTS; attempt++) {
    const [task] = bodyOf(await call('GET', '/v1/agent/tasks', { key: agent.key }), 200).items;
    await call('POST', `/v1/agent/tasks/${task.id}/result`, { key: agent.key, body: { attempt, outcome: 'failed', error: 'checksum mismatch' } });
  }
  expect(bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).state).toBe('failed');
  await flush(w);
  return [hookA, hookB];
}

describe('OpenAPI webhooks', () => {
  let doc: OpenApiDoc;
  beforeAll(async () => {
    // The document itself is not one of its own operations.
    doc = (await raw('GET', '/openapi.json')).body as OpenApiDoc;
  });

  it('documents exactly the event types the coordinator emits, including every one a transition can produce', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    const fromTransitions = new Set<string>();
    for (const from of [null, ...MIGRATION_STATES])
      for (const to of MIGRATION_STATES) for (const consent of [null, 'accepted', 'approved'] as const) for (const t of transitionEvents(from, to, consent)) fromTransitions.add(t);
    expect([...fromTransitions].filter((t) => !(t in doc.webhooks))).toEqual([]);
  });

  it('describes every event with its payload schema, and every real delivery validates against it', async () => {
    const hooks = [...(await completed()), ...(await rolledBack()), ...(await revokedThenCancelled()), ...(await failed())];
    const received = (await Promise.all(hooks.map(deliveries))).flat();
    const seen = new Set<string>();
    for (const { body } of received) {
      const documented = doc.webhooks[body.type];
      expect(documented, body.type).toBeDefined();
      const result = validatorFor(documented!.post.requestBody.content['application/json'].schema, doc).validate(body);
      expect(result.errors, `${body.type}: ${JSON.stringify(body)}`).toEqual([]);
      seen.add(body.type);
    }
    expect([...seen].sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    // The schemas are strict enough to refuse a payload that lost a field.
    const progressed = received.find((d) => d.body.type === 'migration.progress')!.body;
    const validator = validatorFor(doc.webhooks['migration.progress']!.post.requestBody.content['application/json'].schema, doc);
    const { sequence: _sequence, ...unnumbered } = progressed;
    const { migrationId: _migrationId, ...anonymous } = progressed.data;
    expect(validator.validate(progressed).valid).toBe(true);
    expect(validator.validate(unnumbered).valid).toBe(false);
    expect(validator.validate({ ...progressed, data: anonymous }).valid).toBe(false);
  });
});

describe('webhook sequence', () => {
  it('lets a receiver put deliveries that arrived out of order back in the order they happened', async () => {
    const w = await world();
    // Provider B has no endpoint yet: the first events fail, and are redelivered after later ones.
    const id = bodyOf(await start(w), 201).id;
    await steer(id, 'accept', w.providerB.key);
    await flush(w);
    const hook = await hookUp(w.providerB.key);
    await deployAll(w);
    await progress(id, w.providerB.key, 1, 3);
    await progress(id, w.providerB.key, 3, 3);
    await flush(w);
    const missed = bodyOf(await call('GET', '/v1/webhook-deliveries?state=failed', { key: w.providerB.key }), 200).items;
    expect(missed).toHaveLength(4);
    for (const d of missed) expectStatus(await call('POST', `/v1/webhook-deliveries/${d.id}/redeliver`, { key: w.providerB.key }), 202);
    await flush(w);

    const arrived = (await deliveries(hook)).map((d) => d.body);
    const happened = (await coordinator(w.customer.id).audit()).migrations[0]!.events.map((e) => e.type);
    expect(arrived.map((e) => e.type)).not.toEqual(happened);
    const ordered = [...arrived].sort((a, b) => a.sequence - b.sequence);
    expect(ordered.map((e) => e.type)).toEqual(happened);
    expect(ordered.map((e) => e.sequence)).toEqual(happened.map((_, i) => i + 1));
    expect(ordered.every((e) => e.data.migrationId === id)).toBe(true);
    // Events of one change share their timestamp; only the sequence orders them.
    const accepted = ordered.find((e) => e.type === 'migration.accepted')!;
    const deploying = ordered.find((e) => e.type === 'platform.deploying')!;
    expect(deploying.timestamp).toBe(accepted.timestamp);
    expect(deploying.sequence).toBe(accepted.sequence + 1);
    // The timestamp is the transition's own time, as the migration's history records it.
    const history = bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).history;
    expect(Date.parse(accepted.timestamp)).toBe(history.find((h) => h.to === 'deploying')!.at);
  });
});

import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { relayOutboxEvents } from '../../src/webhooks/jobs';
import { bodyOf, call, expectStatus, OPERATOR } from '../http';
import { server, settled } from '../factories';
import { coordinator, hookUp, start, steer, verifiedEvents, world } from '../migrations/world';

async function target(customerId: string) {
  return env.DB.prepare('SELECT platform_id FROM compat_targets WHERE customer_id = ?').bind(customerId).first('platform_id');
}

describe('compatibility.revoked reaches the providers', () => {
  it('tells compatibility which platform the customer is migrating to, for as long as it is', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    expect(await target(w.customer.id)).toBe(w.platformB.id);
    await steer(id, 'cancel', w.customer.key);
    expect(await target(w.customer.id)).toBeNull();
  });

  it('relays a revocation of the migration target to the source and target providers, once', async () => {
    // Ten servers, so that half of them losing a trait sets K servers or more apart (the census answers).
    const w = await world({ servers: 10 });
    const hookA = await hookUp(w.providerA.key);
    const hookB = await hookUp(w.providerB.key);
    await call('PATCH', `/v1/platforms/${w.platformB.id}`, { key: w.providerB.key, body: { requirements: { requiredTraits: ['sev'] } } });
    const id = bodyOf(await start(w), 201).id;
    // The operator records that five of the customer's servers lost the trait platform B needs.
    const servers = await call('GET', `/v1/inventory/servers?rack=${w.serverIds[0]!.replace(/-v\d+$/, '')}`, { key: OPERATOR });
    expectStatus(servers, 200);
    const changed = servers.body.items.filter((x) => w.serverIds.slice(0, 5).includes(x.id)).map((s) => ({ ...server(s.id, s.rackId, { ...s.properties, traits: [] }), identity: s.identity }));
    await call('PUT', '/v1/inventory', { key: OPERATOR, body: { servers: changed } });
    // Compatibility is recomputed on the queue: the revocation exists once it has caught up.
    await settled();

    expect(await relayOutboxEvents.run(env, Date.now())).toEqual({ relayed: 1 });
    expect(await relayOutboxEvents.run(env, Date.now())).toEqual({ relayed: 0 });
    await coordinator(w.customer.id).runDue();
    for (const hook of [hookA, hookB]) {
      const revoked = (await verifiedEvents(hook)).filter((e) => e.type === 'compatibility.revoked');
      expect(revoked).toHaveLength(1);
      expect(revoked[0]!.data).toMatchObject({ customerId: w.customer.id, platformId: w.platformB.id, relation: 'target', servers: 5, reasons: [{ reason: 'missing trait sev', servers: 5 }] });
    }
    const log = await call('GET', `/v1/webhook-deliveries?eventType=compatibility.revoked`, { key: w.providerA.key });
    expectStatus(log, 200);
    expect(log.body.items).toEqual([expect.objectContaining({ migrationId: id, state: 'succeeded' })]);
  });
});

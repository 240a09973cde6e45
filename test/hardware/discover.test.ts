import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, expectStatus, type RequestBody } from '../http';
import { parts, verify, world } from './helpers';

let w: Awaited<ReturnType<typeof world>>;
beforeAll(async () => {
  w = await world();
});

const identityOf = (serverId: string) => w.dc.servers.find((s) => s.id === serverId)!.identity;
const discover = (key: string, body: RequestBody<'POST', '/v1/hardware-ids/discover'>) => call('POST', '/v1/hardware-ids/discover', { key, body });

describe('POST /v1/hardware-ids/discover', () => {
  it('gives the server-scope ID of a host holding the customer’s data, by Dom0 or internal IP', async () => {
    const host = identityOf(w.aliceServers[4]!);
    for (const address of [host.dom0Ip, host.internalIp]) {
      const r = await discover(w.alice.key, { address, maxUses: 2, audience: [w.provider.id] });
      expectStatus(r, 200);
      expect(r.body).toMatchObject({ scope: 'server', coverage: 1, usesLeft: 2 });
      expect(parts(r.body.id).payload).toMatchObject({ scope: 'server', aud: [w.provider.id] });
      expect(r.body.id).not.toContain(address);
      expectStatus(await verify(w.provider, [r.body.id]), 200);
    }
  });

  it('answers a host holding only someone else’s data exactly like an address that does not exist', async () => {
    const alicesOnly = identityOf(w.aliceServers[4]!);
    const other = await discover(w.bob.key, { address: alicesOnly.dom0Ip });
    const internal = await discover(w.bob.key, { address: alicesOnly.internalIp });
    const nowhere = await discover(w.bob.key, { address: '203.0.113.77' });
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    for (const r of [other, internal, nowhere]) expectProblem(r, 404, 'not-found');
    expect(strip(other.body)).toEqual(strip(nowhere.body));
    expect(strip(internal.body)).toEqual(strip(nowhere.body));
  });

  it('is for customers only, and takes an IP address', async () => {
    const host = identityOf(w.aliceServers[0]!);
    expectProblem(await discover(w.provider.key, { address: host.dom0Ip }), 403, 'forbidden');
    expectProblem(await discover(w.alice.key, { address: 'fra1-a03-r07' }), 400, 'validation');
  });
});

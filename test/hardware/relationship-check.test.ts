import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../src/db';
import { verifyHardwareIds } from '../../src/hardware/verifier';
import { place, registerCustomer } from '../factories';
import { expectProblem } from '../http';
import { mint, verify, world, type Principal } from './helpers';

let w: Awaited<ReturnType<typeof world>>;
let carol: Principal;
beforeAll(async () => {
  w = await world();
  carol = await registerCustomer();
  await place(carol.id, [w.aliceServers[0]!], w.platform.id);
});

/**
 * The verifier's own relationship check, apart from the revocation that the API's placement writes
 * trigger: the placements are moved in D1 directly, so only the check in the verifier's SQL stands
 * between the former provider's IDs and an answer.
 */
describe('the verifier’s relationship check', () => {
  it('refuses a provider’s IDs once the customer is off its platforms, and keeps the customer’s own', async () => {
    const byProvider = await mint(w.provider, { customerId: carol.id, scope: 'server' });
    const byCarol = await mint(carol, { scope: 'server', audience: [carol.id, w.provider.id] });
    expect((await verify(w.provider, byProvider)).status).toBe(200);

    const other = await env.DB.prepare('SELECT id FROM platforms WHERE provider_id = ?').bind(w.otherProvider.id).first<string>('id');
    await env.DB.prepare('UPDATE placements SET platform_id = ? WHERE customer_id = ?').bind(other, carol.id).run();

    const [checked] = await verifyHardwareIds(env, getDb(env.DB), byProvider, w.provider, { consume: false });
    expect(checked).toMatchObject({ ok: false, reason: 'ended' });
    expectProblem(await verify(w.provider, byProvider), 403, 'hardware-id-refused');
    expect((await verify(carol, byCarol)).status).toBe(200);
    expect((await verify(w.provider, byCarol)).status).toBe(200);
  });
});

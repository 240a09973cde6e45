import { beforeAll, describe, expect, it } from 'vitest';
import { registerCustomer } from '../factories';
import { TEST_HWID_SIGNING_KEYS } from '../fixtures/hwid-signing-keys';
import { call, expectProblem, expectStatus, offSchema, OPERATOR, type RequestBody } from '../http';
import { count, parts, world } from './helpers';

let w: Awaited<ReturnType<typeof world>>;
beforeAll(async () => {
  w = await world();
});

describe('POST /v1/hardware-ids', () => {
  it('gives the customer one ID per unit holding its data, with coverage, expiry and uses', async () => {
    const expected = { server: [1, 1, 1, 1, 1], rack: [1, 2, 2], row: [1, 4], site: [5] };
    for (const scope of ['server', 'rack', 'row', 'site'] as const) {
      const coverage = expected[scope];
      const before = Date.now();
      const r = await call('POST', '/v1/hardware-ids', { key: w.alice.key, body: { scope, ttlSeconds: 600, maxUses: 3 } });
      expectStatus(r, 201);
      const items = r.body.items;
      expect(items.map((i) => i.coverage).sort()).toEqual(coverage);
      for (const item of items) {
        expect(item.scope).toBe(scope);
        expect(item.usesLeft).toBe(3);
        expect(item.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
        expect(item.expiresAt).toBeLessThanOrEqual(before + 601_000);
      }
    }
  });

  it('signs an EdDSA JWT with the hwid typ, the active kid and only request-level claims', async () => {
    const r = await call('POST', '/v1/hardware-ids', { key: w.alice.key, body: { scope: 'server' } });
    expectStatus(r, 201);
    const { header, payload } = parts(r.body.items[0].id);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'hwid+jwt', kid: TEST_HWID_SIGNING_KEYS[0].kid });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub']);
    expect(payload).toMatchObject({ iss: 'inplace', aud: [w.alice.id], scope: 'server' });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(r.body.items[0].usesLeft).toBe(10);
    const text = JSON.stringify(payload);
    for (const permanent of [...w.dc.serverIds, w.dc.sites[0]!.id, ...w.dc.racks.map((k) => k.id)]) expect(text).not.toContain(permanent);
  });

  it('lets the current provider mint for the customer, with a chosen audience', async () => {
    const r = await call('POST', '/v1/hardware-ids', {
      key: w.provider.key,
      body: { customerId: w.alice.id, scope: 'row', audience: [w.otherProvider.id, w.provider.id] },
    });
    expectStatus(r, 201);
    expect(r.body.items).toHaveLength(2);
    expect(parts(r.body.items[0].id).payload.aud).toEqual([w.otherProvider.id, w.provider.id]);
  });

  it('answers an empty list for a customer with no placements', async () => {
    const loner = await registerCustomer();
    const r = await call('POST', '/v1/hardware-ids', { key: loner.key, body: { scope: 'server' } });
    expectStatus(r, 201);
    expect(r.body).toEqual({ items: [] });
  });

  describe('refuses, minting nothing', () => {
    const refusals: [string, () => { key: string; body: RequestBody<'POST', '/v1/hardware-ids'> }, 400 | 403 | 422, string][] = [
      ['a customer asking for another customer', () => ({ key: w.bob.key, body: { customerId: w.alice.id, scope: 'server' } }), 403, 'forbidden'],
      ['a provider that is not the current one', () => ({ key: w.otherProvider.key, body: { customerId: w.alice.id, scope: 'server' } }), 403, 'forbidden'],
      ['a provider for a customer that does not exist', () => ({ key: w.provider.key, body: { customerId: 'cus_nobody', scope: 'server' } }), 403, 'forbidden'],
      ['a provider naming no customer', () => ({ key: w.provider.key, body: { scope: 'server' } }), 400, 'validation'],
      ['the operator', () => ({ key: OPERATOR, body: { customerId: w.alice.id, scope: 'server' } }), 403, 'forbidden'],
      ['an audience naming an unknown principal', () => ({ key: w.alice.key, body: { scope: 'server', audience: ['prv_nobody'] } }), 422, 'unprocessable'],
      ['an audience naming the operator', () => ({ key: w.alice.key, body: { scope: 'server', audience: ['opr_root'] } }), 422, 'unprocessable'],
      ['limits out of range', () => ({ key: w.alice.key, body: { scope: 'server', ttlSeconds: 86_401, maxUses: 1001 } }), 400, 'validation'],
      // A scope the document does not list.
      ['an unknown scope', () => ({ key: w.alice.key, body: offSchema({ scope: 'cage' }) }), 400, 'validation'],
    ];
    for (const [name, request, status, slug] of refusals) {
      it(name, async () => {
        const before = [await count('hardware_id_grants'), await count('hardware_aliases')];
        const { key, body } = request();
        expectProblem(await call('POST', '/v1/hardware-ids', { key, body }), status, slug);
        expect([await count('hardware_id_grants'), await count('hardware_aliases')]).toEqual(before);
      });
    }
  });

  it('lists each out-of-range field', async () => {
    const r = await call('POST', '/v1/hardware-ids', { key: w.alice.key, body: { scope: 'server', ttlSeconds: 0, maxUses: 0, audience: [] } });
    expectProblem(r, 400, 'validation');
    expect(r.body.errors?.map((e) => e.field).sort()).toEqual(['json.audience', 'json.maxUses', 'json.ttlSeconds']);
  });
});

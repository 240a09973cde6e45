import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { STORAGE_CREDENTIAL_TTL_S } from '../../src/constants';
import { bodyOf, call, expectProblem, expectStatus } from '../http';
import { registerProvider } from '../factories';
import { deployAll, progress, start, steer, world } from './world';

describe('GET /v1/migrations/{id}/storage', () => {
  it('gives the target provider the data addresses and a short-lived JWT for it alone', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    expectProblem(await call('GET', `/v1/migrations/${id}/storage`, { key: w.providerB.key }), 409, 'conflict');
    await steer(id, 'accept', w.providerB.key);
    const r = await call('GET', `/v1/migrations/${id}/storage`, { key: w.providerB.key });
    expectStatus(r, 200);
    const addresses = w.serverIds.map((s) => `iscsi://storage/${w.customer.id}/${s}`).sort();
    expect(r.body).toMatchObject({ migrationId: id, addresses, credential: { type: 'Bearer', token: expect.any(String), expiresAt: expect.any(Number) } });
    expect(r.body.credential.expiresAt - Date.now()).toBeLessThanOrEqual(STORAGE_CREDENTIAL_TTL_S * 1000);

    const jwks = createLocalJWKSet((await call('GET', '/.well-known/jwks.json')).body);
    const { payload } = await jwtVerify(r.body.credential.token, jwks, { issuer: 'inplace', audience: w.providerB.id, typ: 'storage+jwt', algorithms: ['EdDSA'] });
    expect(payload).toMatchObject({ sub: id, aud: w.providerB.id, addresses });
    expect(decodeProtectedHeader(r.body.credential.token).typ).toBe('storage+jwt');
    await expect(jwtVerify(r.body.credential.token, jwks, { audience: w.providerA.id })).rejects.toThrow();
  });

  it('refuses everyone but the target provider, and after the migration ended', async () => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    await steer(id, 'accept', w.providerB.key);
    expectProblem(await call('GET', `/v1/migrations/${id}/storage`, { key: w.providerA.key }), 403, 'forbidden');
    expectProblem(await call('GET', `/v1/migrations/${id}/storage`, { key: w.customer.key }), 403, 'forbidden');
    expectProblem(await call('GET', `/v1/migrations/${id}/storage`, { key: (await registerProvider()).key }), 404, 'not-found');
    await deployAll(w);
    expectStatus(await call('GET', `/v1/migrations/${id}/storage`, { key: w.providerB.key }), 200);
    await progress(id, w.providerB.key, 1, 1);
    expectProblem(await call('GET', `/v1/migrations/${id}/storage`, { key: w.providerB.key }), 409, 'conflict');
  });
});

import { describe, expect, it } from 'vitest';
import { bodyOf, call, expectProblem, expectStatus, offSchema, OPERATOR } from '../http';
import { createPlatform, platformBody, registerCustomer, registerProvider } from '../factories';

describe('POST /v1/platforms', () => {
  it('publishes a platform with defaults filled in', async () => {
    const p = await registerProvider();
    const r = await call('POST', '/v1/platforms', { key: p.key, body: platformBody({ name: 'Edge' }) });
    expectStatus(r, 201);
    expect(r.body).toMatchObject({
      id: expect.stringMatching(/^plt_/),
      providerId: p.id,
      name: 'Edge',
      description: '',
      autoAccept: false,
      revision: 1,
      requirements: { requiredTraits: [], forbiddenTraits: [], anyOfTraits: [], properties: [], minFree: { cores: 0, memoryGib: 0 }, preferences: [] },
    });
  });

  it('validates the requirement language and lists each bad field', async () => {
    const p = await registerProvider();
    // A numeric operator on a text property, a text value for a number, a storage kind and a URL
    // scheme the document does not list, a digest that is not hex: each refused by its field.
    const r = await call('POST', '/v1/platforms', {
      key: p.key,
      body: offSchema({
        ...platformBody(),
        requirements: {
          requiredTraits: ['tdx'],
          forbiddenTraits: ['tdx'],
          properties: [
            { op: 'gte', property: 'cpuArch', value: 3 },
            { op: 'eq', property: 'memoryGib', value: 'lots' },
            { op: 'in', property: 'storageKind', values: ['tape'] },
          ],
        },
        modules: [{ name: 'rt', version: '1', artifactUrl: 'ftp://x/y', sha256: 'nothex' }],
      }),
    });
    expectProblem(r, 400, 'validation');
    const fields = r.body.errors?.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'json.requirements.properties.0.property',
        'json.requirements.properties.1.value',
        'json.requirements.properties.2.value',
        'json.modules.0.artifactUrl',
        'json.modules.0.sha256',
      ]),
    );
  });

  it('refuses upstreams on private, link-local or metadata addresses (422)', async () => {
    const p = await registerProvider();
    for (const upstreamUrl of ['http://169.254.169.254/latest', 'https://10.0.0.5', 'https://[fd00::1]/', 'https://db.internal/']) {
      const r = await call('POST', '/v1/platforms', { key: p.key, body: platformBody({ upstreamUrl }) });
      expectProblem(r, 422, 'unprocessable');
      expect(r.body.errors?.[0].field).toBe('upstreamUrl');
    }
    const plat = await createPlatform(p.key);
    expectProblem(await call('PATCH', `/v1/platforms/${plat.id}`, { key: p.key, body: { upstreamUrl: 'https://192.168.1.1' } }), 422, 'unprocessable');
  });

  it('is for providers only', async () => {
    const c = await registerCustomer();
    expectProblem(await call('POST', '/v1/platforms', { key: c.key, body: platformBody() }), 403, 'forbidden');
    expectProblem(await call('POST', '/v1/platforms', { key: OPERATOR, body: platformBody() }), 403, 'forbidden');
  });

  it('refuses a second platform of the same name from one provider (409)', async () => {
    const p = await registerProvider();
    await createPlatform(p.key, { name: 'Twice' });
    expectProblem(await call('POST', '/v1/platforms', { key: p.key, body: platformBody({ name: 'Twice' }) }), 409, 'conflict');
  });
});

describe('PATCH /v1/platforms/{id}', () => {
  it('changes the provider’s own platform and bumps its revision', async () => {
    const p = await registerProvider();
    const plat = await createPlatform(p.key);
    const r = await call('PATCH', `/v1/platforms/${plat.id}`, { key: p.key, body: { autoAccept: true, requirements: { requiredTraits: ['sev'] } } });
    expectStatus(r, 200);
    expect(r.body).toMatchObject({ autoAccept: true, revision: 2, requirements: { requiredTraits: ['sev'] } });
  });

  it('answers 404 for another provider’s platform and leaves it unchanged', async () => {
    const owner = await registerProvider();
    const other = await registerProvider();
    const plat = await createPlatform(owner.key, { name: 'Mine' });
    expectProblem(await call('PATCH', `/v1/platforms/${plat.id}`, { key: other.key, body: { name: 'Stolen' } }), 404, 'not-found');
    const after = await call('GET', `/v1/platforms/${plat.id}`, { key: other.key });
    expect(after.body).toMatchObject({ name: 'Mine', revision: 1 });
  });

  it('refuses an empty patch', async () => {
    const p = await registerProvider();
    const plat = await createPlatform(p.key);
    expectProblem(await call('PATCH', `/v1/platforms/${plat.id}`, { key: p.key, body: {} }), 400, 'validation');
  });
});

describe('GET /v1/platforms', () => {
  it('is readable by every principal, filterable by provider, paginated', async () => {
    const p1 = await registerProvider();
    const p2 = await registerProvider();
    const mine = [await createPlatform(p1.key), await createPlatform(p1.key), await createPlatform(p1.key)];
    await createPlatform(p2.key);
    const c = await registerCustomer();
    const first = await call('GET', `/v1/platforms?providerId=${p1.id}&limit=2`, { key: c.key });
    expectStatus(first, 200);
    expect(first.body.items).toHaveLength(2);
    const second = bodyOf(await call('GET', `/v1/platforms?providerId=${p1.id}&limit=2&cursor=${first.body.nextCursor}`, { key: c.key }), 200);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.items].map((x) => x.id);
    expect(ids.sort()).toEqual(mine.map((x) => x.id).sort());
    expectProblem(await call('GET', '/v1/platforms'), 401, 'unauthorized');
  });

  it('names the provider that publishes each platform', async () => {
    const p = await registerProvider('Catalog Naming Cloud');
    const plat = await createPlatform(p.key);
    const c = await registerCustomer();
    const listed = bodyOf(await call('GET', `/v1/platforms?providerId=${p.id}`, { key: c.key }), 200);
    expect(listed.items).toEqual([expect.objectContaining({ id: plat.id, providerId: p.id, providerName: 'Catalog Naming Cloud' })]);
    expect((await call('GET', `/v1/platforms/${plat.id}`, { key: c.key })).body).toMatchObject({ id: plat.id, providerName: 'Catalog Naming Cloud' });
  });
});

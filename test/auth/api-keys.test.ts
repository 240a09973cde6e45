import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR } from '../http';
import { dataCenter, putInventory, registerCustomer, registerProvider } from '../factories';

describe('POST /v1/customers and /v1/providers', () => {
  it('returns the first key once; it works and has the customer prefix', async () => {
    const r = await call('POST', '/v1/customers', { key: OPERATOR, body: { name: 'Acme', organisation: 'Acme GmbH', serviceLevel: 'premium' } });
    expectStatus(r, 201);
    expect(r.body).toMatchObject({ kind: 'customer', name: 'Acme', organisation: 'Acme GmbH', serviceLevel: 'premium' });
    expect(r.body.apiKey.key).toMatch(/^inp_cus_[A-Za-z0-9_-]{43}$/);
    const me = await call('GET', '/v1/account', { key: r.body.apiKey.key });
    expectStatus(me, 200);
    expect(me.body).toMatchObject({ id: r.body.id, kind: 'customer', serviceLevel: 'premium', keyId: r.body.apiKey.id });
  });

  it('gives a provider a whsec_ webhook secret of at least 24 random bytes', async () => {
    const p = await registerProvider();
    expect(p.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(atob(p.webhookSecret.slice(6)).length).toBeGreaterThanOrEqual(24);
  });

  it('refuses non-operators with 403 and registers nothing', async () => {
    const c = await registerCustomer();
    const before = await env.DB.prepare('SELECT count(*) AS n FROM principals').first<{ n: number }>();
    expectProblem(await call('POST', '/v1/customers', { key: c.key, body: { name: 'X', organisation: 'Y' } }), 403, 'forbidden');
    expectProblem(await call('POST', '/v1/providers', { key: c.key, body: { name: 'X', organisation: 'Y' } }), 403, 'forbidden');
    const after = await env.DB.prepare('SELECT count(*) AS n FROM principals').first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });
});

describe('keys at rest', () => {
  it('stores only a SHA-256 hash; neither the key nor the webhook secret is in the database', async () => {
    const p = await registerProvider();
    const dump = JSON.stringify([
      await env.DB.prepare('SELECT * FROM api_keys').all(),
      await env.DB.prepare('SELECT * FROM provider_settings').all(),
      await env.DB.prepare('SELECT * FROM principals').all(),
    ]);
    expect(dump).not.toContain(p.key);
    expect(dump).not.toContain(p.key.slice(8, 30));
    expect(dump).not.toContain(p.webhookSecret.slice(6));
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(p.key));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const row = await env.DB.prepare('SELECT hash FROM api_keys WHERE hash = ?').bind(hex).first();
    expect(row).not.toBeNull();
  });
});

describe('POST /v1/api-keys', () => {
  it('mints a second key for the caller, listed without its value', async () => {
    const c = await registerCustomer();
    const r = await call('POST', '/v1/api-keys', { key: c.key, body: { name: 'ci' } });
    expectStatus(r, 201);
    expect(r.body).toMatchObject({ name: 'ci', principalId: c.id, hint: r.body.key.slice(-4) });
    expect(bodyOf(await call('GET', '/v1/account', { key: r.body.key }), 200).id).toBe(c.id);
    const list = bodyOf(await call('GET', '/v1/api-keys', { key: c.key }), 200);
    expect(list.items.map((k) => k.name)).toEqual(['first key', 'ci']);
    expect(JSON.stringify(list)).not.toContain(r.body.key);
  });

  it('lets only the operator mint an agent key, bound to an existing server', async () => {
    const dc = dataCenter('agt');
    await putInventory(dc);
    const c = await registerCustomer();
    expectProblem(await call('POST', '/v1/api-keys', { key: c.key, body: { agentFor: dc.serverIds[0] } }), 403, 'forbidden');
    expectProblem(await call('POST', '/v1/api-keys', { key: OPERATOR, body: { agentFor: 'no-such-server' } }), 404, 'not-found');
    const first = await call('POST', '/v1/api-keys', { key: OPERATOR, body: { agentFor: dc.serverIds[0] } });
    expectStatus(first, 201);
    expect(first.body.key).toMatch(/^inp_agt_/);
    const me = await call('GET', '/v1/account', { key: first.body.key });
    expect(me.body).toMatchObject({ kind: 'agent', serverId: dc.serverIds[0] });
    const second = bodyOf(await call('POST', '/v1/api-keys', { key: OPERATOR, body: { agentFor: dc.serverIds[0] } }), 201);
    expect(second.principalId).toBe(first.body.principalId);
  });
});

describe('DELETE /v1/api-keys/{id}', () => {
  it('revokes the caller’s key; the revoked key gets the same 401 as an unknown one', async () => {
    const c = await registerCustomer();
    const extra = bodyOf(await call('POST', '/v1/api-keys', { key: c.key, body: { name: 'temp' } }), 201);
    expectStatus(await call('GET', '/v1/account', { key: extra.key }), 200);
    const del = await call('DELETE', `/v1/api-keys/${extra.id}`, { key: c.key });
    expectStatus(del, 204);
    const revoked = await call('GET', '/v1/account', { key: extra.key });
    const unknown = await call('GET', '/v1/account', { key: `inp_cus_${'z'.repeat(43)}` });
    expectProblem(revoked, 401, 'unauthorized');
    expect({ ...revoked.body, requestId: 0, instance: 0 }).toEqual({ ...unknown.body, requestId: 0, instance: 0 });
    expectStatus(await call('GET', '/v1/account', { key: c.key }), 200);
  });

  it('cannot revoke another principal’s key (404, key still works)', async () => {
    const a = await registerCustomer();
    const b = await registerCustomer();
    const bKeyId = bodyOf(await call('GET', '/v1/api-keys', { key: b.key }), 200).items[0].id;
    expectProblem(await call('DELETE', `/v1/api-keys/${bKeyId}`, { key: a.key }), 404, 'not-found');
    expectStatus(await call('GET', '/v1/account', { key: b.key }), 200);
  });
});

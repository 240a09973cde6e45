import { describe, expect, it } from 'vitest';
import { call, expectProblem, expectStatus } from '../http';
import { registerCustomer, registerProvider } from '../factories';

describe('PUT /v1/providers/me/webhook', () => {
  it('sets the URL and rotates the secret, returning the new one once', async () => {
    const provider = await registerProvider();
    const first = await call('PUT', '/v1/providers/me/webhook', { key: provider.key, body: { url: 'https://hooks.example.com/inplace' } });
    expectStatus(first, 200);
    expect(first.body).toEqual({
      url: 'https://hooks.example.com/inplace',
      secret: expect.stringMatching(/^whsec_/),
      disabledAt: null,
      previousSecretExpiresAt: expect.any(Number),
    });
    expect(first.body.secret).not.toBe(provider.webhookSecret);
    const second = await call('PUT', '/v1/providers/me/webhook', { key: provider.key, body: { url: 'https://hooks.example.com/v2' } });
    expectStatus(second, 200);
    expect(second.body.secret).not.toBe(first.body.secret);
    const shown = await call('GET', '/v1/providers/me/webhook', { key: provider.key });
    expectStatus(shown, 200);
    expect(shown.body).toEqual({ url: 'https://hooks.example.com/v2', disabledAt: null, previousSecretExpiresAt: second.body.previousSecretExpiresAt });
    expect(JSON.stringify(shown.body)).not.toContain('whsec_');
  });

  it('refuses SSRF targets with a reason, changing nothing', async () => {
    const provider = await registerProvider();
    for (const url of ['https://169.254.169.254/latest', 'https://0xa9fea9fe/', 'https://[::ffff:10.0.0.1]/', 'http://hooks.example.com/', 'https://u:p@hooks.example.com/']) {
      const r = await call('PUT', '/v1/providers/me/webhook', { key: provider.key, body: { url } });
      expectProblem(r, 422, 'unprocessable');
      expect(r.body.errors).toEqual([{ field: 'url', message: expect.any(String) }]);
    }
    const shown = await call('GET', '/v1/providers/me/webhook', { key: provider.key });
    expect(shown.body).toEqual({ url: null, disabledAt: null, previousSecretExpiresAt: null });
  });

  it('accepts a loopback receiver in the test environment', async () => {
    const provider = await registerProvider();
    const r = await call('PUT', '/v1/providers/me/webhook', { key: provider.key, body: { url: 'http://127.0.0.1:8840/hooks' } });
    expectStatus(r, 200);
  });

  it('is for providers only', async () => {
    const customer = await registerCustomer();
    expectProblem(await call('PUT', '/v1/providers/me/webhook', { key: customer.key, body: { url: 'https://hooks.example.com/' } }), 403, 'forbidden');
    expectProblem(await call('GET', '/v1/providers/me/webhook', { key: customer.key }), 403, 'forbidden');
  });
});

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { app } from '../../src/app';
import { platformBody, registerProvider } from '../factories';
import { bodyOf, call } from '../http';
import { publicUrls, rules } from './url-spellings';

/** The Worker's own app under production rules (ENVIRONMENT=production) on the test's real bindings. */
async function production(method: string, path: string, key: string, body: unknown) {
  const ctx = createExecutionContext();
  const req = new Request(`https://inplace.test${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const res = await app.fetch(req, { ...env, ENVIRONMENT: 'production' }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { errors?: { field: string }[] } };
}

type Field = { name: string; method: string; path: string; body: (url: string) => unknown };
const FIELDS: Field[] = [
  { name: 'url', method: 'PUT', path: '/v1/providers/me/webhook', body: (url) => ({ url }) },
  { name: 'upstreamUrl', method: 'POST', path: '/v1/platforms', body: (url) => platformBody({ upstreamUrl: url }) },
  {
    name: 'modules.0.artifactUrl',
    method: 'POST',
    path: '/v1/platforms',
    body: (url) => platformBody({ modules: [{ name: 'runtime', version: '1.0.0', artifactUrl: url, sha256: 'a'.repeat(64) }] }),
  },
];

const refused = [...new Set(Object.values(rules).flat())];

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe('the three provider URL fields under production rules', () => {
  it.each(FIELDS)('$name refuses every spelling of every rule (400 when malformed, 422 otherwise), naming the field, storing nothing', { timeout: 120_000 }, async (field) => {
    const provider = await registerProvider();
    const wrong: string[] = [];
    await inBatches(refused, 25, async (url) => {
      const r = await production(field.method, field.path, provider.key, field.body(url));
      const named = r.body.errors?.some((e) => e.field.replace(/^json\./, '') === field.name);
      if (![400, 422].includes(r.status) || r.type !== 'application/problem+json' || !named) wrong.push(`${r.status} ${url}`);
    });
    expect(wrong).toEqual([]);
    expect(bodyOf(await call('GET', `/v1/platforms?providerId=${provider.id}`, { key: provider.key }), 200).items).toEqual([]);
    expect(bodyOf(await call('GET', '/v1/providers/me/webhook', { key: provider.key }), 200).url).toBeNull();
  });
});

describe('public URLs', () => {
  it.each(FIELDS)('$name accepts every public https URL', { timeout: 60_000 }, async (field) => {
    const provider = await registerProvider();
    for (const url of publicUrls) {
      const r = await production(field.method, field.path, provider.key, field.body(url));
      expect(r.status, `${url}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    }
  });
});

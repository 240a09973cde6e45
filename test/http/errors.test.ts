import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { app } from '../../src/app';
import { call, expectProblem, expectStatus, offSchema, OPERATOR, raw } from '../http';

// Health, unknown routes, methods a route lacks, the document and its page are outside the OpenAPI
// document on purpose: those requests go through raw().

describe('GET /healthz', () => {
  it('answers without a key and carries a request id', async () => {
    const r = await raw('GET', '/healthz');
    expectStatus(r, 200);
    expect(r.body).toEqual({ status: 'ok' });
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a caller-supplied request id', async () => {
    const r = await raw('GET', '/healthz', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(r.headers.get('x-request-id')).toBe('trace-abc-123');
  });
});

describe('GET /', () => {
  it('leads a person to the console', async () => {
    const r = await exports.default.fetch(new Request('http://inplace.test/', { redirect: 'manual' }));
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/console');
  });
});

describe('problem+json for every error', () => {
  it('404 for an unknown route', async () => {
    const r = await raw('GET', '/nope');
    expectProblem(r, 404, 'not-found');
    expect(r.body.instance).toBe('/nope');
    expect(r.body.requestId).toBe(r.headers.get('x-request-id'));
  });

  it('405 with Allow for a known path under another method', async () => {
    const r = await raw('DELETE', '/healthz');
    expectProblem(r, 405, 'method-not-allowed');
    expect(r.headers.get('allow')).toBe('GET, HEAD');
  });

  it('405 also for parameterised paths', async () => {
    const r = await raw('PUT', '/v1/api-keys/key_x', { key: OPERATOR });
    expectProblem(r, 405, 'method-not-allowed');
    expect(r.headers.get('allow')).toBe('DELETE');
  });

  it('401 is identical for a missing, an unknown and a malformed key', async () => {
    const missing = await call('GET', '/v1/account');
    const unknown = await call('GET', '/v1/account', { key: `inp_cus_${'x'.repeat(43)}` });
    const malformed = await call('GET', '/v1/account', { key: 'hello' });
    for (const r of [missing, unknown, malformed]) {
      expectProblem(r, 401, 'unauthorized');
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="inplace"');
    }
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(unknown.body)).toEqual(strip(missing.body));
    expect(strip(malformed.body)).toEqual(strip(missing.body));
  });

  it('400 for malformed JSON', async () => {
    // Text that is not JSON at all, on purpose.
    const r = await call('POST', '/v1/customers', { key: OPERATOR, body: offSchema('{"name": ') });
    expectProblem(r, 400, 'malformed-json');
  });

  it('400 lists every failing field', async () => {
    // Three fields wrong at once (too short, not a level, not in the document): each must be named.
    const r = await call('POST', '/v1/customers', { key: OPERATOR, body: offSchema({ name: '', serviceLevel: 'gold', extra: 1 }) });
    expectProblem(r, 400, 'validation');
    const fields = r.body.errors?.map((e) => e.field).sort();
    expect(fields).toEqual(['json', 'json.name', 'json.organisation', 'json.serviceLevel']);
  });

  it('413 for a body over the limit', async () => {
    // Past the size limit, whatever it holds.
    const r = await call('PUT', '/v1/inventory', { key: OPERATOR, body: offSchema(JSON.stringify({ sites: [], pad: 'x'.repeat(5 * 1024 * 1024) })) });
    expectProblem(r, 413, 'payload-too-large');
  });

  it('415 for a body that is not JSON', async () => {
    // A form, not the JSON the document takes.
    const r = await call('POST', '/v1/customers', { key: OPERATOR, body: offSchema('name=x'), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(r, 415, 'unsupported-media-type');
  });
});

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 and documents every route the app serves', async () => {
    const r = await raw('GET', '/openapi.json');
    expectStatus(r, 200);
    const doc = r.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    }
    const undocumented = new Set(['GET /', 'GET /healthz', 'GET /openapi.json', 'GET /docs', 'GET /docs/swagger-init.js']);
    const served = app.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method} ${route.path}`)
      .filter((route) => !undocumented.has(route))
      // The web console serves HTML pages, not API operations.
      .filter((route) => !/^(GET|POST) \/console(\/|$)/.test(route));
    expect(served.length).toBeGreaterThan(5);
    expect([...new Set(served)].filter((route) => !documented.has(route))).toEqual([]);
  });
});

describe('GET /docs', () => {
  it('serves the page and its init script; Swagger UI’s files are static assets, not in the Worker (the browser test loads them)', async () => {
    const page = await raw('GET', '/docs');
    expectStatus(page, 200);
    expect(page.body).toContain('/docs/swagger-ui-bundle.js');
    expect(page.body).toContain('/docs/swagger-ui.css');
    const init = await raw('GET', '/docs/swagger-init.js');
    expectStatus(init, 200);
    expect(init.body).toContain("url: '/openapi.json'");
    expectProblem(await raw('GET', '/docs/swagger-ui-bundle.js'), 404, 'not-found');
  });
});

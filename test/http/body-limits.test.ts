import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { FORM_MAX_BODY_BYTES, MAX_BODY_BYTES } from '../../src/constants';
import { OPERATOR } from '../http';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
/** The runtime pulls the first chunk of a streamed request body when the request is handed over. */
const TRANSPORT_BUFFER = CHUNK;

/** A body of `total` bytes that counts how much of it anyone pulled. */
function countedBody(total: number, byte = 0x61) {
  const seen = { bytes: 0 };
  const chunk = new Uint8Array(CHUNK).fill(byte);
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.bytes >= total) return controller.close();
        const n = Math.min(CHUNK, total - seen.bytes);
        seen.bytes += n;
        controller.enqueue(n === CHUNK ? chunk : chunk.slice(0, n));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

async function post(path: string, total: number, headers: Record<string, string>) {
  const { stream, seen } = countedBody(total);
  const res = await exports.default.fetch(new Request(`http://inplace.test${path}`, { method: 'POST', headers, body: stream }));
  const body = await res.json<{ type: string; status: number }>();
  return { res, body, pulled: seen.bytes };
}

const FORM = 'application/x-www-form-urlencoded';
const sameOrigin = { origin: 'http://inplace.test', 'sec-fetch-site': 'same-origin' };

describe('bounded bodies on every route', () => {
  it('a 20 MB console sign-in form answers 413 problem+json without being read', async () => {
    const { res, body, pulled } = await post('/console/sign-in', 20 * MiB, { 'content-type': FORM, 'content-length': String(20 * MiB), ...sameOrigin });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(body.type).toBe('urn:inplace:problem:payload-too-large');
    expect(pulled).toBeLessThanOrEqual(TRANSPORT_BUFFER);
  });

  it('a 20 MB console form streamed without a length is cut off just past the form limit', async () => {
    const { res, body, pulled } = await post('/console/sign-in', 20 * MiB, { 'content-type': FORM, ...sameOrigin });
    expect(res.status).toBe(413);
    expect(body.type).toBe('urn:inplace:problem:payload-too-large');
    expect(pulled).toBeLessThanOrEqual(FORM_MAX_BODY_BYTES + 2 * CHUNK);
  });

  it('every other console form has the same small limit, signed in or not', async () => {
    for (const path of ['/console/sign-out', '/console/customer/migrations', '/console/customer/hardware', '/console/operator/reconciliation/run']) {
      const { res, pulled } = await post(path, FORM_MAX_BODY_BYTES + 1, { 'content-type': FORM, 'content-length': String(FORM_MAX_BODY_BYTES + 1), ...sameOrigin });
      expect(res.status, path).toBe(413);
      expect(pulled).toBeLessThanOrEqual(TRANSPORT_BUFFER);
    }
  });

  it('a form within the limit is still read (sign-in refuses the key, not the size)', async () => {
    const res = await exports.default.fetch(
      new Request('http://inplace.test/console/sign-in', { method: 'POST', headers: { 'content-type': FORM, ...sameOrigin }, body: `key=${'x'.repeat(FORM_MAX_BODY_BYTES - 10)}` }),
    );
    expect(res.status).toBe(401);
  });

  it('routes outside /v1 and the console are bounded too', async () => {
    for (const path of ['/healthz', '/docs', '/openapi.json', '/.well-known/jwks.json', '/no-such-route']) {
      const { res, pulled } = await post(path, 20 * MiB, { 'content-type': 'application/json', 'content-length': String(20 * MiB) });
      expect(res.status, path).toBe(413);
      expect(pulled).toBeLessThanOrEqual(TRANSPORT_BUFFER);
    }
  });

  it('the JSON API keeps its limit, announced or streamed', async () => {
    const announced = await post('/v1/customers', 20 * MiB, { 'content-type': 'application/json', 'content-length': String(20 * MiB), authorization: `Bearer ${OPERATOR}` });
    expect(announced.res.status).toBe(413);
    expect(announced.pulled).toBeLessThanOrEqual(TRANSPORT_BUFFER);
    const streamed = await post('/v1/customers', 20 * MiB, { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` });
    expect(streamed.res.status).toBe(413);
    expect(streamed.pulled).toBeLessThanOrEqual(MAX_BODY_BYTES + 2 * CHUNK);
  });
});

import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_BACKOFF_BASE_MS, WEBHOOK_BACKOFF_MAX_MS, WEBHOOK_RETRY_AFTER_MAX_MS } from '../../src/constants';
import { attemptDelivery, parseRetryAfter, retryDelay, type AttemptRequest } from '../../src/webhooks/attempt';
import { generateWebhookSecret } from '../../src/webhooks/secrets';
import { receiver } from '../receiver';

function request(url: string, overrides: Partial<AttemptRequest> = {}): AttemptRequest {
  return { url, msgId: 'msg_test', body: '{"type":"test"}', secrets: [generateWebhookSecret()], environment: 'test', timeoutMs: 5000, now: Date.now(), ...overrides };
}

describe('attemptDelivery', () => {
  it('POSTs a signed message the reference implementation verifies', async () => {
    const box = await receiver();
    const req = request(box.url);
    expect(await attemptDelivery(req)).toEqual({ kind: 'delivered', status: 204 });
    const [got] = await box.requests();
    expect(got?.body).toBe(req.body);
    expect(got?.headers['content-type']).toBe('application/json');
    expect(new Webhook(req.secrets[0]!).verify(got!.body, got!.headers)).toEqual({ type: 'test' });
  });

  it('retries on 5xx, 429 and 408, honouring Retry-After', async () => {
    const box = await receiver([{ status: 503 }, { status: 429, headers: { 'retry-after': '120' } }, { status: 408 }]);
    expect(await attemptDelivery(request(box.url))).toEqual({ kind: 'retry', status: 503, error: 'receiver answered 503', retryAfterMs: null });
    expect(await attemptDelivery(request(box.url))).toEqual({ kind: 'retry', status: 429, error: 'receiver answered 429', retryAfterMs: 120_000 });
    expect(await attemptDelivery(request(box.url))).toMatchObject({ kind: 'retry', status: 408 });
  });

  it('stops on 410 and on other 4xx', async () => {
    const box = await receiver([{ status: 410 }, { status: 400 }]);
    expect(await attemptDelivery(request(box.url))).toEqual({ kind: 'gone', status: 410 });
    expect(await attemptDelivery(request(box.url))).toEqual({ kind: 'rejected', status: 400, error: 'receiver answered 400' });
  });

  it('does not follow redirects', async () => {
    const target = await receiver();
    const box = await receiver([{ status: 307, headers: { location: target.url } }]);
    expect(await attemptDelivery(request(box.url))).toEqual({ kind: 'rejected', status: 307, error: 'redirects are not followed' });
    expect(await target.requests()).toEqual([]);
  });

  it('gives up on a receiver that does not answer in time, as a retry', async () => {
    const box = await receiver([{ hang: true }]);
    expect(await attemptDelivery(request(box.url, { timeoutMs: 200 }))).toEqual({ kind: 'retry', status: null, error: 'no answer within 200 ms', retryAfterMs: null });
  });

  it('refuses a URL the SSRF guard refuses before any fetch', async () => {
    const box = await receiver();
    const outcome = await attemptDelivery(request(box.url, { environment: 'production' }));
    expect(outcome).toEqual({ kind: 'rejected', status: null, error: 'endpoint URL refused: the URL must use https' });
    expect(await box.requests()).toEqual([]);
  });
});

describe('retry schedule', () => {
  it('grows exponentially with jitter in [0.5, 1) of the step, capped', () => {
    expect(retryDelay(1, null, 0)).toBe(WEBHOOK_BACKOFF_BASE_MS / 2);
    expect(retryDelay(1, null, 0.999)).toBeLessThan(WEBHOOK_BACKOFF_BASE_MS);
    expect(retryDelay(3, null, 0)).toBe(WEBHOOK_BACKOFF_BASE_MS * 2);
    expect(retryDelay(40, null, 0.999)).toBeLessThanOrEqual(WEBHOOK_BACKOFF_MAX_MS);
    expect(retryDelay(40, null, 0)).toBe(WEBHOOK_BACKOFF_MAX_MS / 2);
  });

  it('lets a longer Retry-After win', () => {
    expect(retryDelay(1, 3_600_000, 0.5)).toBe(3_600_000);
    expect(retryDelay(5, 1000, 0.5)).toBeGreaterThan(1000);
  });

  it('reads Retry-After as seconds or a date, capped', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('9999999', now)).toBe(WEBHOOK_RETRY_AFTER_MAX_MS);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

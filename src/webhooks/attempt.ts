/**
 * One delivery attempt: URL checked against SSRF first (refused before any fetch), redirects not
 * followed, bounded by a timeout, and the receiver's answer classified into what happens next.
 */
import { WEBHOOK_BACKOFF_BASE_MS, WEBHOOK_BACKOFF_MAX_MS, WEBHOOK_RETRY_AFTER_MAX_MS } from '../constants';
import { webhookHeaders } from './signing';
import { checkProviderUrl } from '../http/url-policy';

export interface AttemptRequest {
  url: string;
  msgId: string;
  body: string;
  /** Live secrets, newest first; each signs the message. */
  secrets: string[];
  environment: string;
  timeoutMs: number;
  now: number;
}

export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth trying again later; `retryAfterMs` is the receiver's own Retry-After, if any. */
  | { kind: 'retry'; status: number | null; error: string; retryAfterMs: number | null }
  /** The receiver (or our URL check) refused it; trying again would not help. */
  | { kind: 'rejected'; status: number | null; error: string }
  /** 410: the receiver asks us to stop; the endpoint gets disabled. */
  | { kind: 'gone'; status: 410 };

const RETRIED_STATUSES = new Set([408, 425, 429]);

export async function attemptDelivery(req: AttemptRequest): Promise<AttemptOutcome> {
  const check = checkProviderUrl(req.url, req.environment);
  if (!check.ok) return { kind: 'rejected', status: null, error: `endpoint URL refused: ${check.reason}` };
  const timestamp = Math.floor(req.now / 1000);
  let res: Response;
  try {
    res = await fetch(check.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'InPlace-Webhooks/1',
        ...(await webhookHeaders(req.secrets, req.msgId, timestamp, req.body)),
      },
      body: req.body,
    });
  } catch (err) {
    const name = (err as Error)?.name;
    const error = name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${req.timeoutMs} ms` : 'connection failed';
    return { kind: 'retry', status: null, error, retryAfterMs: null };
  }
  await res.body?.cancel();
  const status = res.status;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status };
  if (status >= 300 && status < 400) return { kind: 'rejected', status, error: 'redirects are not followed' };
  if (status >= 500 || RETRIED_STATUSES.has(status))
    return { kind: 'retry', status, error: `receiver answered ${status}`, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), req.now) };
  return { kind: 'rejected', status, error: `receiver answered ${status}` };
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, WEBHOOK_RETRY_AFTER_MAX_MS);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), WEBHOOK_RETRY_AFTER_MAX_MS);
}

/**
 * Delay before the attempt that follows attempt number `attempts` (1-based): exponential, capped,
 * with jitter so that receivers recovering from an outage are not hit by every sender at once.
 * A longer Retry-After from the receiver wins.
 */
export function retryDelay(attempts: number, retryAfterMs: number | null, random: number = Math.random()): number {
  const exp = Math.min(WEBHOOK_BACKOFF_MAX_MS, WEBHOOK_BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(exp * (0.5 + random / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

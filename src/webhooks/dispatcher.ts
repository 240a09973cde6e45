/**
 * Delivers a coordinator's due webhooks: lease (in storage), send (outside any transaction; other
 * calls may interleave), record (in storage, re-checking that the delivery did not change meanwhile).
 */
import { WEBHOOK_DELIVERIES_PER_RUN, WEBHOOK_TIMEOUT_MS } from '../constants';
import { getDb } from '../db';
import type { Env } from '../env';
import { attemptDelivery, type AttemptOutcome } from './attempt';
import { disableEndpoint, signingEndpoint, type SigningEndpoint } from './endpoints';
import { leaseDue, recordOutcome, type DeliveryRow } from './outbox';
import { errorMessage, log } from '../lib/log';

export interface DispatchResult {
  attempted: number;
  delivered: number;
}

export async function deliverDue(storage: DurableObjectStorage, env: Env, now: number = Date.now()): Promise<DispatchResult> {
  const leased = storage.transactionSync(() => leaseDue(storage.sql, now, WEBHOOK_DELIVERIES_PER_RUN));
  if (!leased.length) return { attempted: 0, delivered: 0 };
  const db = getDb(env.DB);
  const endpoints = new Map<string, Promise<SigningEndpoint | null>>();
  const endpointOf = (providerId: string) => {
    let ep = endpoints.get(providerId);
    if (!ep) endpoints.set(providerId, (ep = signingEndpoint(db, env.SECRETS_KEY, providerId, now)));
    return ep;
  };

  const attempt = async (d: DeliveryRow): Promise<AttemptOutcome> => {
    let ep: SigningEndpoint | null;
    try {
      ep = await endpointOf(d.provider_id);
    } catch (err) {
      log('error', 'webhook.endpoint-lookup', { message: errorMessage(err) });
      return { kind: 'retry', status: null, error: 'internal error before sending', retryAfterMs: null };
    }
    if (!ep?.url) return { kind: 'rejected', status: null, error: 'no endpoint configured' };
    if (ep.disabled) return { kind: 'rejected', status: null, error: 'endpoint disabled (it answered 410); set it again to re-enable' };
    const outcome = await attemptDelivery({
      url: ep.url,
      msgId: d.event_id,
      body: d.body,
      secrets: ep.secrets,
      environment: env.ENVIRONMENT,
      timeoutMs: WEBHOOK_TIMEOUT_MS,
      now: Date.now(),
    });
    if (outcome.kind === 'gone') await disableEndpoint(db, d.provider_id, ep.url, Date.now());
    return outcome;
  };

  const outcomes = await Promise.all(leased.map(attempt));
  const finished = Date.now();
  storage.transactionSync(() => leased.forEach((d, i) => recordOutcome(storage.sql, d, outcomes[i]!, finished)));
  const delivered = outcomes.filter((o) => o.kind === 'delivered').length;
  log('info', 'webhook.dispatch', { attempted: leased.length, delivered });
  return { attempted: leased.length, delivered };
}

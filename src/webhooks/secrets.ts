/**
 * Webhook signing secrets: `whsec_` + base64 of random bytes (Standard Webhooks). They must be
 * usable for signing, so they are kept sealed (src/lib/sealing.ts), never in clear.
 */
import { WEBHOOK_SECRET_BYTES } from '../constants';
import { base64 } from '../lib/encoding';

export function generateWebhookSecret(): string {
  return `whsec_${base64(crypto.getRandomValues(new Uint8Array(WEBHOOK_SECRET_BYTES)))}`;
}

/**
 * Webhook signing secrets: `whsec_` + base64 of random bytes (Standard Webhooks). They must be
 * usable for signing, so they are kept encrypted (AES-256-GCM under the SECRETS_KEY Worker secret),
 * never in clear.
 */
import { WEBHOOK_SECRET_BYTES } from '../constants';

export function generateWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(WEBHOOK_SECRET_BYTES));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

const keys = new Map<string, Promise<CryptoKey>>();

function sealingKey(secretsKey: string): Promise<CryptoKey> {
  let key = keys.get(secretsKey);
  if (!key) {
    const raw = Uint8Array.from(atob(secretsKey), (ch) => ch.charCodeAt(0));
    if (raw.byteLength !== 32) throw new Error('SECRETS_KEY must be base64 of 32 bytes');
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(secretsKey, key);
  }
  return key;
}

export async function seal(secretsKey: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await sealingKey(secretsKey), new TextEncoder().encode(plaintext));
  return `v1.${btoa(String.fromCharCode(...iv))}.${btoa(String.fromCharCode(...new Uint8Array(ct)))}`;
}

export async function unseal(secretsKey: string, sealed: string): Promise<string> {
  const [version, iv, ct] = sealed.split('.');
  if (version !== 'v1' || !iv || !ct) throw new Error('unknown sealed format');
  const bytes = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
  const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes(iv) }, await sealingKey(secretsKey), bytes(ct));
  return new TextDecoder().decode(pt);
}

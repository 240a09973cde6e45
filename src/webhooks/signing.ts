/**
 * Standard Webhooks signatures: `v1,` + base64(HMAC-SHA256(secret, `${id}.${timestamp}.${body}`)),
 * where the secret is the base64 after `whsec_`. During a secret rotation a message carries one
 * signature per live secret, space-separated, so receivers holding either secret accept it.
 */
import { base64, fromBase64 } from '../lib/encoding';

const encoder = new TextEncoder();

function secretBytes(secret: string): Uint8Array {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  return fromBase64(encoded);
}

/** One `v1,<base64>` signature of a message. `timestamp` is in seconds since the epoch. */
export async function signMessage(secret: string, msgId: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', secretBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${msgId}.${timestamp}.${body}`));
  return `v1,${base64(new Uint8Array(mac))}`;
}

/** The three Standard Webhooks headers of one delivery attempt, signed with every live secret. */
export async function webhookHeaders(secrets: string[], msgId: string, timestamp: number, body: string): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((s) => signMessage(s, msgId, timestamp, body)));
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
  };
}

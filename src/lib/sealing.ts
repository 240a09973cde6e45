/**
 * Secrets the service must use again (webhook signing secrets, console sessions' keys) are kept
 * sealed: AES-256-GCM under the SECRETS_KEY Worker secret (base64 of 32 bytes), never in clear.
 */
import { base64, fromBase64 } from './encoding';

const keys = new Map<string, Promise<CryptoKey>>();

function sealingKey(secretsKey: string): Promise<CryptoKey> {
  let key = keys.get(secretsKey);
  if (!key) {
    const raw = fromBase64(secretsKey);
    if (raw.byteLength !== 32) throw new Error('SECRETS_KEY must be base64 of 32 bytes');
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(secretsKey, key);
  }
  return key;
}

export async function seal(secretsKey: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await sealingKey(secretsKey), new TextEncoder().encode(plaintext));
  return `v1.${base64(iv)}.${base64(new Uint8Array(ct))}`;
}

export async function unseal(secretsKey: string, sealed: string): Promise<string> {
  const [version, iv, ct] = sealed.split('.');
  if (version !== 'v1' || !iv || !ct) throw new Error('unknown sealed format');
  const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv) }, await sealingKey(secretsKey), fromBase64(ct));
  return new TextDecoder().decode(pt);
}

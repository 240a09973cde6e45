/**
 * The two encodings the service writes. base64url (ids, keys, cookies, cursors) is jose's, the
 * library that already signs every token; standard base64 is what Standard Webhooks prescribes for
 * `whsec_` secrets and signatures, and the SECRETS_KEY secret's format.
 */
import { base64url as jose64 } from 'jose';

export function base64url(bytes: Uint8Array | string): string {
  return jose64.encode(bytes);
}

/** Throws on anything that is not base64url. */
export function fromBase64url(text: string): Uint8Array {
  return jose64.decode(text);
}

export function base64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Throws on anything that is not base64. */
export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

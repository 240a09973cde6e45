/** Random tokens and ids. */
import { base64url } from './encoding';

/** `bytes` random bytes as base64url. */
export function randomToken(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A new random id with a readable type prefix, e.g. `cus_5mQ9…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(12)}`;
}

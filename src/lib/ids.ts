/** Random tokens and ids. */
import { base64url } from './encoding';

/** `bytes` random bytes as base64url. */
export function randomToken(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The most `getRandomValues` fills in one call (the Web Crypto limit). */
const RANDOM_MAX_BYTES = 65_536;

/**
 * `count` tokens of `bytes` random bytes each, as base64url: one call to the random source per
 * 64 KiB rather than one per token (minting 1,000 hardware IDs takes 2,000 tokens).
 */
export function randomTokens(count: number, bytes: number): string[] {
  const tokens: string[] = [];
  const perCall = Math.max(1, Math.floor(RANDOM_MAX_BYTES / bytes));
  for (let first = 0; first < count; first += perCall) {
    const n = Math.min(perCall, count - first);
    const pool = crypto.getRandomValues(new Uint8Array(n * bytes));
    for (let i = 0; i < n; i++) tokens.push(base64url(pool.subarray(i * bytes, (i + 1) * bytes)));
  }
  return tokens;
}

/** A new random id with a readable type prefix, e.g. `cus_5mQ9…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(12)}`;
}

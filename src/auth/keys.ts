/**
 * API keys: `inp_<kind>_<43 chars of base64url>` (32 random bytes). The kind prefix lets people and
 * secret scanners recognise a key; only its SHA-256 is stored.
 */
import { API_KEY_BYTES } from '../constants';
import type { PrincipalKind } from './principal';

const KEY_PREFIX: Record<PrincipalKind, string> = {
  operator: 'inp_opr_',
  customer: 'inp_cus_',
  provider: 'inp_prv_',
  agent: 'inp_agt_',
};

const KEY_PATTERN = /^inp_(opr|cus|prv|agt)_[A-Za-z0-9_-]{43}$/;

export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function randomToken(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A new random id with a readable type prefix, e.g. `cus_5mQ9…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(12)}`;
}

export function generateApiKey(kind: PrincipalKind): string {
  return KEY_PREFIX[kind] + randomToken(API_KEY_BYTES);
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Constant-time equality of two strings of the same encoding (e.g. two hex digests). */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  if (ea.byteLength !== eb.byteLength) return false;
  return crypto.subtle.timingSafeEqual(ea, eb);
}

export function keyHint(key: string): string {
  return key.slice(-4);
}

/**
 * API keys: `inp_<kind>_<43 chars of base64url>` (32 random bytes). The kind prefix lets people and
 * secret scanners recognise a key; only its SHA-256 is stored.
 */
import { API_KEY_BYTES } from '../constants';
import { randomToken } from '../lib/ids';
import type { PrincipalKind } from './principal';

const KEY_PREFIX: Record<PrincipalKind, string> = {
  operator: 'inp_opr_',
  customer: 'inp_cus_',
  provider: 'inp_prv_',
  agent: 'inp_agt_',
};

const KEY_PATTERN = /^inp_(opr|cus|prv|agt)_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(kind: PrincipalKind): string {
  return KEY_PREFIX[kind] + randomToken(API_KEY_BYTES);
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function keyHint(key: string): string {
  return key.slice(-4);
}

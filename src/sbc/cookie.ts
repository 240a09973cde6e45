/**
 * The SBC's session cookie: `<session, base64url>.<side>.<epoch>.<mac>`, HMAC-SHA256 under a key
 * derived from SECRETS_KEY, so an end user can neither forge a session onto B nor read anything but
 * an opaque id. The session is encoded because a caller's own `x-session-id` may hold any visible
 * ASCII character, dots included.
 */
import { base64url, fromBase64url } from '../lib/encoding';
import { randomToken } from '../lib/ids';
import { SBC_VERIFIED_COOKIES_MAX } from '../constants';
import type { Side } from './assign';
import { derivedHmacKey } from './keys';

export interface SessionCookie {
  session: string;
  side: Side;
  epoch: number;
}

function macKey(secretsKey: string): Promise<CryptoKey> {
  return derivedHmacKey(secretsKey, 'inplace sbc session cookie v1');
}

export function newSessionId(): string {
  return randomToken(16);
}

export async function signCookie(secretsKey: string, c: SessionCookie): Promise<string> {
  const payload = `${base64url(new TextEncoder().encode(c.session))}.${c.side}.${c.epoch}`;
  const mac = await crypto.subtle.sign('HMAC', await macKey(secretsKey), new TextEncoder().encode(payload));
  return `${payload}.${base64url(new Uint8Array(mac))}`;
}

/** Cookies this isolate has verified, so a returning session costs a map lookup, not an HMAC. */
const verified = new Map<string, { secretsKey: string; cookie: SessionCookie }>();

export async function readCookie(secretsKey: string, value: string | undefined): Promise<SessionCookie | null> {
  if (value === undefined) return null;
  const known = verified.get(value);
  if (known?.secretsKey === secretsKey) return known.cookie;
  const m = value.match(/^([A-Za-z0-9_-]{2,171})\.([AB])\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/);
  if (!m) return null;
  const [, encoded, side, epoch, mac] = m as unknown as [string, string, Side, string, string];
  let session: string;
  try {
    session = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(fromBase64url(encoded));
  } catch {
    return null;
  }
  const expected = await signCookie(secretsKey, { session, side, epoch: Number(epoch) });
  const a = new TextEncoder().encode(expected.slice(-43));
  const b = new TextEncoder().encode(mac);
  if (!crypto.subtle.timingSafeEqual(a, b)) return null;
  const cookie = { session, side, epoch: Number(epoch) };
  if (verified.size >= SBC_VERIFIED_COOKIES_MAX) verified.clear();
  verified.set(value, { secretsKey, cookie });
  return cookie;
}

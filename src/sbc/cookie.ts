/**
 * The SBC's session cookie: `<session>.<side>.<epoch>.<mac>`, HMAC-SHA256 under a key derived from
 * SECRETS_KEY, so an end user can neither forge a session onto B nor read anything but an opaque id.
 */
import { randomToken } from '../auth/keys';
import type { Side } from './assign';

export interface SessionCookie {
  session: string;
  side: Side;
  epoch: number;
}

const keys = new Map<string, Promise<CryptoKey>>();

function macKey(secretsKey: string): Promise<CryptoKey> {
  let key = keys.get(secretsKey);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(secretsKey), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: new TextEncoder().encode('inplace sbc session cookie v1') },
        base,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign', 'verify'],
      );
    })();
    keys.set(secretsKey, key);
  }
  return key;
}

function b64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function newSessionId(): string {
  return randomToken(16);
}

export async function signCookie(secretsKey: string, c: SessionCookie): Promise<string> {
  const payload = `${c.session}.${c.side}.${c.epoch}`;
  const mac = await crypto.subtle.sign('HMAC', await macKey(secretsKey), new TextEncoder().encode(payload));
  return `${payload}.${b64url(mac)}`;
}

export async function readCookie(secretsKey: string, value: string | undefined): Promise<SessionCookie | null> {
  const m = value?.match(/^([A-Za-z0-9_-]{16,64})\.([AB])\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/);
  if (!m) return null;
  const [, session, side, epoch, mac] = m as unknown as [string, string, Side, string, string];
  const expected = await signCookie(secretsKey, { session, side, epoch: Number(epoch) });
  const a = new TextEncoder().encode(expected.slice(-43));
  const b = new TextEncoder().encode(mac);
  if (!crypto.subtle.timingSafeEqual(a, b)) return null;
  return { session, side, epoch: Number(epoch) };
}

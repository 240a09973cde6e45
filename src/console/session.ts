/**
 * Console sign-in. The API key a person signs in with is sealed (AES-256-GCM under SECRETS_KEY,
 * with its expiry and the CSRF token) into an HttpOnly, SameSite=Strict cookie: it never appears in
 * clear in the cookie, a URL, the page or a log. The key itself is resolved again on every request,
 * so revoking it ends the session within the auth cache bound.
 *
 * The cookie is `__Host-` prefixed and Secure, except for local development and tests served over
 * plain http on a loopback address (ENVIRONMENT development/test), where browsers would drop a
 * Secure cookie.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { randomToken } from '../lib/ids';
import { timingSafeEqualStrings } from '../lib/digest';
import { resolveKey } from '../auth/middleware';
import type { Principal } from '../auth/principal';
import { CONSOLE_SESSION_TTL_S } from '../constants';
import type { AppEnv } from '../env';
import { seal, unseal } from '../lib/sealing';

const SECURE_COOKIE = '__Host-inplace_console';
const LOCAL_COOKIE = 'inplace_console';
const PURPOSE = 'console-session';

interface Sealed {
  p: typeof PURPOSE;
  k: string;
  c: string;
  e: number;
}

export interface Session {
  principal: Principal;
  /** The API key, for in-process API calls only; never rendered. */
  key: string;
  csrf: string;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function cookieFor<E extends AppEnv>(c: Context<E>): { name: string; secure: boolean } {
  const url = new URL(c.req.url);
  const local = (c.env.ENVIRONMENT === 'development' || c.env.ENVIRONMENT === 'test') && url.protocol === 'http:' && isLoopback(url.hostname);
  return local ? { name: LOCAL_COOKIE, secure: false } : { name: SECURE_COOKIE, secure: true };
}

/** Starts a session for a key that resolves to a person's principal (not an agent); null otherwise. */
export async function signIn<E extends AppEnv>(c: Context<E>, key: string): Promise<Principal | null> {
  const principal = await resolveKey(c.env, key);
  if (!principal || principal.kind === 'agent') return null;
  const sealed: Sealed = { p: PURPOSE, k: key, c: randomToken(24), e: Date.now() + CONSOLE_SESSION_TTL_S * 1000 };
  const { name, secure } = cookieFor(c);
  setCookie(c, name, await seal(c.env.SECRETS_KEY, JSON.stringify(sealed)), {
    path: '/',
    httpOnly: true,
    secure,
    sameSite: 'Strict',
    maxAge: CONSOLE_SESSION_TTL_S,
  });
  return principal;
}

export function signOut<E extends AppEnv>(c: Context<E>): void {
  const { name, secure } = cookieFor(c);
  deleteCookie(c, name, { path: '/', secure });
}

/** The session behind the request's cookie, or null when absent, tampered with, expired or revoked. */
export async function readSession<E extends AppEnv>(c: Context<E>): Promise<Session | null> {
  const raw = getCookie(c, cookieFor(c).name);
  if (!raw) return null;
  let sealed: Sealed;
  try {
    sealed = JSON.parse(await unseal(c.env.SECRETS_KEY, raw)) as Sealed;
  } catch {
    return null;
  }
  if (sealed.p !== PURPOSE || typeof sealed.k !== 'string' || !(sealed.e > Date.now())) return null;
  const principal = await resolveKey(c.env, sealed.k);
  if (!principal || principal.kind === 'agent') return null;
  return { principal, key: sealed.k, csrf: sealed.c };
}

export function csrfMatches(session: Session, token: unknown): boolean {
  return typeof token === 'string' && timingSafeEqualStrings(token, session.csrf);
}

import { createMiddleware } from 'hono/factory';
import { AUTH_CACHE_MAX_ENTRIES, AUTH_CACHE_TTL_MS } from '../constants';
import { getDb } from '../db';
import type { AppEnv } from '../env';
import { problems } from '../http/problem';
import { looksLikeApiKey } from './keys';
import { sha256Hex, timingSafeEqualStrings } from '../lib/digest';
import { ROOT_OPERATOR_ID, ROOT_OPERATOR_KEY_ID, type Principal, type PrincipalKind } from './principal';
import { findPrincipalByKeyHash } from './store';

interface CacheEntry {
  principal: Principal | null;
  expires: number;
}

/** Per-isolate key cache, so hot paths (the SBC) do not read D1 on every call. */
const cache = new Map<string, CacheEntry>();

export function forgetKeyHash(hash: string): void {
  cache.delete(hash);
}

const rootOperator: Omit<Principal, 'keyId'> = {
  id: ROOT_OPERATOR_ID,
  kind: 'operator',
  name: 'Bootstrap operator',
  organisation: 'Infrastructure operator',
  serviceLevel: 'enterprise',
  serverId: null,
};

/** The bootstrap key's hash, computed once per isolate (and again only if the secret changes). */
let bootstrap: { secret: string; hash: Promise<string> } | null = null;

function bootstrapHash(secret: string): Promise<string> {
  if (bootstrap?.secret !== secret) bootstrap = { secret, hash: sha256Hex(secret) };
  return bootstrap.hash;
}

/** Resolves a bearer key to its principal, or null. Every failure looks the same to the caller. */
export async function resolveKey(env: AppEnv['Bindings'], key: string): Promise<Principal | null> {
  if (!looksLikeApiKey(key)) return null;
  const hash = await sha256Hex(key);
  if (env.OPERATOR_KEY && timingSafeEqualStrings(hash, await bootstrapHash(env.OPERATOR_KEY))) {
    return { ...rootOperator, keyId: ROOT_OPERATOR_KEY_ID };
  }
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit && hit.expires > now) return hit.principal;
  const row = await findPrincipalByKeyHash(getDb(env.DB), hash);
  const principal = row && timingSafeEqualStrings(row.hash, hash) ? stripHash(row) : null;
  if (cache.size >= AUTH_CACHE_MAX_ENTRIES) cache.clear();
  cache.set(hash, { principal, expires: now + AUTH_CACHE_TTL_MS });
  return principal;
}

function stripHash({ hash: _hash, ...principal }: Principal & { hash: string }): Principal {
  return principal;
}

function bearerKey(header: string | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1] ?? null;
}

/** Requires a valid API key; sets `principal`. Missing, unknown and revoked keys get the same 401. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerKey(c.req.header('authorization'));
  const principal = key ? await resolveKey(c.env, key) : null;
  if (!principal) throw problems.unauthorized();
  c.set('principal', principal);
  await next();
});

/** Route guard: only these kinds of principal may call the route (403 otherwise). */
export function allow(...kinds: PrincipalKind[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!kinds.includes(c.get('principal').kind)) throw problems.forbidden();
    await next();
  });
}

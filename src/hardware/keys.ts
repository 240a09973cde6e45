/**
 * Signing keys of hardware IDs. They come from the HWID_SIGNING_KEYS Worker secret: a JSON array of
 * private Ed25519 JWKs, each with its own `kid` (`node scripts/gen-signing-key.mjs` makes one).
 * The first key signs; every listed key verifies. To rotate, put a new key first and keep the old
 * one listed until the longest-lived ID it signed has expired (HWID_TTL_MAX_S).
 */
import { importJWK, type CryptoKey, type JWK } from 'jose';

/** The one algorithm hardware IDs are signed and verified with. */
export const HWID_ALG = 'EdDSA';
/** The JWT `typ` header of hardware IDs, so no other JWT can pass for one. */
export const HWID_TYP = 'hwid+jwt';

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: typeof HWID_ALG;
  use: 'sig';
}

export interface KeyRing {
  signing: { kid: string; key: CryptoKey };
  verifying: Map<string, CryptoKey>;
  /** What /.well-known/jwks.json publishes: public halves only. */
  jwks: PublicJwk[];
}

/** Thrown for a malformed secret; the message never contains key material. */
class SigningKeysError extends Error {
  constructor(detail: string) {
    super(`HWID_SIGNING_KEYS: ${detail}`);
  }
}

function parse(secret: string | undefined): { kid: string; x: string; d: string }[] {
  if (!secret) throw new SigningKeysError('not set');
  let list: unknown;
  try {
    list = JSON.parse(secret);
  } catch {
    throw new SigningKeysError('not JSON');
  }
  if (!Array.isArray(list) || list.length === 0) throw new SigningKeysError('must be a non-empty JSON array of private JWKs');
  const kids = new Set<string>();
  return list.map((raw: unknown, i) => {
    const jwk = (raw ?? {}) as Record<string, unknown>;
    const { kty, crv, x, d, kid, alg } = jwk;
    if (kty !== 'OKP' || crv !== 'Ed25519') throw new SigningKeysError(`key ${i} is not an Ed25519 (OKP) key`);
    if (typeof x !== 'string' || typeof d !== 'string') throw new SigningKeysError(`key ${i} is not a private key`);
    if (typeof kid !== 'string' || !kid) throw new SigningKeysError(`key ${i} has no kid`);
    if (alg !== undefined && alg !== HWID_ALG) throw new SigningKeysError(`key ${i} is not for ${HWID_ALG}`);
    if (kids.has(kid)) throw new SigningKeysError(`kid "${kid}" is listed twice`);
    kids.add(kid);
    return { kid, x, d };
  });
}

async function load(secret: string | undefined): Promise<KeyRing> {
  const keys = parse(secret);
  const jwks: PublicJwk[] = keys.map(({ kid, x }) => ({ kty: 'OKP', crv: 'Ed25519', x, kid, alg: HWID_ALG, use: 'sig' }));
  const verifying = new Map<string, CryptoKey>();
  for (const jwk of jwks) verifying.set(jwk.kid, (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, HWID_ALG)) as CryptoKey);
  const first = keys[0]!;
  const privateJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: first.x, d: first.d };
  return { signing: { kid: first.kid, key: (await importJWK(privateJwk, HWID_ALG)) as CryptoKey }, verifying, jwks };
}

/** Imported keys, once per isolate and secret value. */
const rings = new Map<string, Promise<KeyRing>>();

export function keyRing(secret: string | undefined): Promise<KeyRing> {
  const cacheKey = secret ?? '';
  let ring = rings.get(cacheKey);
  if (!ring) {
    ring = load(secret);
    ring.catch(() => rings.delete(cacheKey));
    rings.set(cacheKey, ring);
  }
  return ring;
}

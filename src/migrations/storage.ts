/**
 * The storage credential handed to a migration's target provider: a short-lived JWT signed with the
 * service's signing keys (the ones /.well-known/jwks.json publishes), audience the target provider,
 * subject the migration, listing the data addresses it covers. Its own `typ`, so it can never pass
 * for a hardware ID (whose verifier pins `hwid+jwt`).
 */
import { SignJWT } from 'jose';
import { randomToken } from '../lib/ids';
import { STORAGE_CREDENTIAL_TTL_S } from '../constants';
import type { Env } from '../env';
import { HWID_ALG, keyRing } from '../hardware/keys';

const STORAGE_TYP = 'storage+jwt';

export async function storageCredential(env: Env, migrationId: string, providerId: string, addresses: string[]) {
  const ring = await keyRing(env.HWID_SIGNING_KEYS);
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + STORAGE_CREDENTIAL_TTL_S;
  const token = await new SignJWT({ addresses })
    .setProtectedHeader({ alg: HWID_ALG, typ: STORAGE_TYP, kid: ring.signing.kid })
    .setIssuer(env.ISSUER)
    .setAudience(providerId)
    .setSubject(migrationId)
    .setJti(randomToken(16))
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(ring.signing.key);
  return { token, type: 'Bearer' as const, expiresAt: exp * 1000 };
}

/**
 * Minting hardware IDs: a fresh random alias per unit and per request, stored with the grant that
 * holds everything else; the JWT carries only the alias and request-level values (scope, audience,
 * times), never anything derived from a permanent identifier.
 */
import { SignJWT } from 'jose';
import { hardwareIdGrants } from '../../schema';
import { newId, randomTokens } from '../lib/ids';
import { HWID_RANDOM_BYTES } from '../constants';
import { jsonChunks, runAll, type Db } from '../db';
import type { Env } from '../env';
import { customerUnits, type Scope } from '../inventory/units';
import { HWID_ALG, HWID_TYP, keyRing } from './keys';

export interface MintRequest {
  /** Whose data the units hold. */
  customerId: string;
  /** Who asked (the customer, or its current provider): may revoke what it minted. */
  requesterId: string;
  scope: Scope;
  /** Principal ids allowed to present the IDs (the JWT `aud`). */
  audience: string[];
  ttlSeconds: number;
  maxUses: number;
}

export interface MintedHardwareId {
  /** The hardware ID itself (a JWT). */
  id: string;
  scope: Scope;
  /** How many of the customer's placements the unit holds. */
  coverage: number;
  /** Epoch ms. */
  expiresAt: number;
  usesLeft: number;
}

/**
 * Mints one hardware ID per unit (permanent ids of units at `req.scope`; the caller has checked
 * they hold the customer's data). Everything is written in one batch. Results come in alias order,
 * which is random, so their order says nothing about the units either.
 */
export async function mintHardwareIds(env: Env, db: Db, req: MintRequest, units: { unitId: string; coverage: number }[]): Promise<MintedHardwareId[]> {
  return (await mint(env, db, req, units)).map((m) => ({ id: m.id, scope: req.scope, coverage: m.coverage, expiresAt: m.expiresAt, usesLeft: req.maxUses }));
}

/**
 * One hardware ID per unit, keyed by the unit's permanent id: for responses that show the caller
 * per-unit facts (a migration's task per server) without the permanent id. The map never leaves.
 */
export async function mintHardwareIdsByUnit(env: Env, db: Db, req: MintRequest, unitIds: string[]): Promise<Map<string, string>> {
  const minted = await mint(env, db, req, unitIds.map((unitId) => ({ unitId, coverage: 1 })));
  return new Map(minted.map((m) => [m.unitId, m.id]));
}

async function mint(env: Env, db: Db, req: MintRequest, units: { unitId: string; coverage: number }[]) {
  if (!units.length) return [];
  const ring = await keyRing(env.HWID_SIGNING_KEYS);
  const now = Date.now();
  const iat = Math.floor(now / 1000);
  const exp = iat + req.ttlSeconds;
  const grantId = newId('hgr');
  // An alias and a jti per unit, independent random values (nothing shared between IDs).
  const random = randomTokens(units.length * 2, HWID_RANDOM_BYTES);
  const minted = await Promise.all(
    units.map(async ({ unitId, coverage }, i) => {
      const alias = random[2 * i]!;
      const id = await new SignJWT({ scope: req.scope })
        .setProtectedHeader({ alg: HWID_ALG, typ: HWID_TYP, kid: ring.signing.kid })
        .setIssuer(env.ISSUER)
        .setAudience(req.audience)
        .setSubject(alias)
        .setJti(random[2 * i + 1]!)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(ring.signing.key);
      return { alias, unitId, id, coverage };
    }),
  );
  minted.sort((a, b) => (a.alias < b.alias ? -1 : 1));
  const grant = db.insert(hardwareIdGrants).values({
    id: grantId,
    customerId: req.customerId,
    requesterId: req.requesterId,
    scope: req.scope,
    audience: JSON.stringify(req.audience),
    maxUses: req.maxUses,
    expiresAt: exp * 1000,
    createdAt: now,
  });
  // The aliases as JSON arrays bound whole, so 1,000 IDs are one statement, not one per 20 rows.
  const aliases = jsonChunks(minted.map((m) => [m.alias, m.unitId])).map((chunk) => ({
    sql: `insert into hardware_aliases (alias, grant_id, unit_id, uses, revoked_at)
      select json_extract(value, '$[0]'), ?2, json_extract(value, '$[1]'), 0, null from json_each(?1)`,
    params: [chunk, grantId],
  }));
  await runAll(db, [grant, ...aliases]);
  return minted.map((m) => ({ ...m, expiresAt: exp * 1000 }));
}

/** Mints one hardware ID for every unit at `req.scope` that holds some of the customer's data. */
export async function mintForCustomer(env: Env, db: Db, req: MintRequest): Promise<MintedHardwareId[]> {
  return mintHardwareIds(env, db, req, await customerUnits(db, req.customerId, req.scope));
}

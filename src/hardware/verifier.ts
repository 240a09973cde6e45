/**
 * The one verifier of hardware IDs. Every endpoint that accepts hardware IDs goes through
 * `verifyHardwareIds` (per-ID results) or `requireHardwareIds` (all or a generic 403), so the
 * checks below are made once, the same way, everywhere:
 *
 * 1. cryptography (jose): algorithm pinned to EdDSA, key chosen by `kid` among the configured
 *    keys, `typ` = hwid+jwt, `iss` = this service, the caller in `aud`, `exp`/`iat` within a
 *    bounded clock skew, `sub`/`jti`/`scope` present;
 * 2. server state (D1): the alias is known, neither it nor its grant is revoked or expired, the
 *    relationship it was minted under still holds (the unit still holds some of the customer's
 *    data; a provider that minted it is still the customer's current provider), and (when
 *    consuming) one use is counted by a single conditional UPDATE, so concurrent presentations can
 *    never exceed `maxUses`.
 *
 * Precise refusal reasons are logged here and returned for logs and tests; responses must only
 * ever carry the generic problem (`problems.hardwareIdRefused`).
 */
import { and, inArray, sql } from 'drizzle-orm';
import { errors, jwtVerify, type JWTHeaderParameters } from 'jose';
import { hardwareAliases } from '../../schema';
import type { Principal } from '../auth/principal';
import { D1_MAX_PARAMS, HWID_CLOCK_SKEW_S, HWID_MAX_TOKEN_CHARS, HWID_TTL_MAX_S } from '../constants';
import type { Db } from '../db';
import type { Env } from '../env';
import { problems } from '../http/problem';
import { SCOPES, type Scope } from '../inventory/units';
import { consumeStatements, countedUses, stateQuery, type AliasState } from './alias-state';
import { HWID_ALG, HWID_TYP, keyRing, type KeyRing } from './keys';
import { log } from '../lib/log';

export type RefusalReason =
  | 'malformed'
  | 'algorithm'
  | 'kid'
  | 'signature'
  | 'typ'
  | 'iss'
  | 'aud'
  | 'expired'
  | 'claims'
  | 'duplicate'
  | 'unknown'
  | 'revoked'
  | 'used-up'
  | 'ended'
  | 'not-owner';

/** A hardware ID that passed every check. `unitId` is a permanent identifier: never send it out. */
export interface VerifiedHardwareId {
  ok: true;
  /** Position in the presented list. */
  index: number;
  /** The ID's subject; what `revokeAliases` and `releaseUses` take. */
  alias: string;
  scope: Scope;
  /** The permanent server, rack, row or site id (per `scope`) the alias stands for. */
  unitId: string;
  /** Whose data the unit holds. */
  customerId: string;
  /** Who minted it (the customer or its provider). */
  requesterId: string;
  audience: string[];
  /** Epoch ms. */
  expiresAt: number;
  maxUses: number;
  /** After this presentation's use, when consuming. */
  usesLeft: number;
}

export interface RefusedHardwareId {
  ok: false;
  index: number;
  /** For logs and tests only; never put it in a response. */
  reason: RefusalReason;
}

export type HardwareIdCheck = VerifiedHardwareId | RefusedHardwareId;

export type VerifyOptions = {
  /** Request id for the refusal log lines. */
  requestId?: string;
} & (
  | {
      /** Presenting (default): the caller must be in the audience. */
      as?: 'audience';
      /** Count one use of each ID (default true). Without it, nothing is written. */
      consume?: boolean;
    }
  | {
      /** Managing: the caller must be the ID's customer or its minter; audience, revocation and uses are not checked. */
      as: 'owner';
    }
);

type Claimed = { ok: true; index: number; alias: string; scope: Scope } | RefusedHardwareId;

class UnknownKid extends Error {}

function reasonOf(err: unknown): RefusalReason {
  if (err instanceof UnknownKid) return 'kid';
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'algorithm';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'typ' || err.claim === 'iss' || err.claim === 'aud') return err.claim;
    return 'claims';
  }
  return 'malformed';
}

async function checkSignedClaims(env: Env, ring: KeyRing, token: unknown, index: number, audience: string | undefined): Promise<Claimed> {
  if (typeof token !== 'string' || token.length > HWID_MAX_TOKEN_CHARS) return { ok: false, index, reason: 'malformed' };
  try {
    const { payload } = await jwtVerify(
      token,
      (header: JWTHeaderParameters) => {
        const key = header.kid === undefined ? undefined : ring.verifying.get(header.kid);
        if (!key) throw new UnknownKid();
        return key;
      },
      {
        algorithms: [HWID_ALG],
        typ: HWID_TYP,
        issuer: env.ISSUER,
        ...(audience === undefined ? {} : { audience }),
        clockTolerance: HWID_CLOCK_SKEW_S,
        maxTokenAge: HWID_TTL_MAX_S,
        requiredClaims: ['sub', 'jti', 'exp', 'iat', 'aud', 'scope'],
      },
    );
    const scope = payload.scope;
    if (typeof payload.sub !== 'string' || !SCOPES.includes(scope as Scope)) return { ok: false, index, reason: 'claims' };
    return { ok: true, index, alias: payload.sub, scope: scope as Scope };
  } catch (err) {
    return { ok: false, index, reason: reasonOf(err) };
  }
}

/** Why a stored ID is not acceptable to a presenting caller right now, or null if it is. */
function presentRefusal(state: AliasState | undefined, scope: Scope, callerId: string, now: number): RefusalReason | null {
  if (!state) return 'unknown';
  if (state.aliasRevokedAt !== null || state.grantRevokedAt !== null) return 'revoked';
  if (state.expiresAt <= now) return 'expired';
  if (!state.live) return 'ended';
  if (state.scope !== scope) return 'claims';
  if (!(JSON.parse(state.audience) as string[]).includes(callerId)) return 'aud';
  if (state.uses >= state.maxUses) return 'used-up';
  return null;
}

/**
 * Verifies hardware IDs presented by `caller` and returns one result per token, in order. With the
 * default options each valid ID has one use counted (atomically: 50 concurrent presentations of a
 * single-use ID yield exactly one success). Refusals are logged with their precise reason.
 * Signatures are checked in the Worker; D1 is reached once for the whole list when every ID is
 * counted (one statement per claimed scope), and once more to find why when some are not.
 */
export async function verifyHardwareIds(
  env: Env,
  db: Db,
  tokens: readonly unknown[],
  caller: Pick<Principal, 'id'>,
  opts: VerifyOptions = {},
): Promise<HardwareIdCheck[]> {
  const owner = opts.as === 'owner';
  const consume = !owner && opts.consume !== false;
  const ring = await keyRing(env.HWID_SIGNING_KEYS);
  const claimed = await Promise.all(tokens.map((t, i) => checkSignedClaims(env, ring, t, i, owner ? undefined : caller.id)));
  const results: HardwareIdCheck[] = new Array(tokens.length);
  const candidates: Extract<Claimed, { ok: true }>[] = [];
  const seen = new Set<string>();
  for (const c of claimed) {
    if (!c.ok) results[c.index] = c;
    else if (seen.has(c.alias)) results[c.index] = { ok: false, index: c.index, reason: 'duplicate' };
    else {
      seen.add(c.alias);
      candidates.push(c);
    }
  }

  if (candidates.length) {
    const now = Date.now();
    const counted = consume ? new Map(countedUses(await db.$client.batch(consumeStatements(db, candidates, caller.id, now))).map((u) => [u.alias, u])) : null;
    // When every ID was counted nothing else is read; otherwise the state of the others says why
    // (or, without consuming, whether) each is acceptable.
    const unsettled = candidates.filter((c) => !counted?.has(c.alias)).map((c) => c.alias);
    const states = new Map(unsettled.length ? (await stateQuery(db, unsettled).all()).map((s) => [s.alias, s as AliasState]) : []);
    for (const c of candidates) {
      const use = counted?.get(c.alias);
      if (use) {
        const { alias, unitId, customerId, requesterId, audience, expiresAt, maxUses, uses } = use;
        results[c.index] = { ok: true, index: c.index, alias, scope: c.scope, unitId, customerId, requesterId, audience, expiresAt, maxUses, usesLeft: Math.max(0, maxUses - uses) };
        continue;
      }
      const state = states.get(c.alias);
      let reason: RefusalReason | null;
      if (owner) reason = !state ? 'unknown' : state.customerId === caller.id || state.requesterId === caller.id ? null : 'not-owner';
      // Read after the UPDATE, so a use given back in between leaves no other reason than used up.
      else reason = presentRefusal(state, c.scope, caller.id, now) ?? (consume ? 'used-up' : null);
      results[c.index] =
        reason || !state
          ? { ok: false, index: c.index, reason: reason ?? 'unknown' }
          : {
              ok: true,
              index: c.index,
              alias: c.alias,
              scope: state.scope,
              unitId: state.unitId,
              customerId: state.customerId,
              requesterId: state.requesterId,
              audience: JSON.parse(state.audience) as string[],
              expiresAt: state.expiresAt,
              maxUses: state.maxUses,
              usesLeft: Math.max(0, state.maxUses - state.uses),
            };
    }
  }

  for (const r of results) {
    if (!r.ok) log('info', 'hardware-id.refused', { requestId: opts.requestId, index: r.index, reason: r.reason });
  }
  return results;
}

/** Gives back one use of each alias (after a request that consumed them was refused as a whole). */
export async function releaseUses(db: Db, aliases: string[]): Promise<void> {
  const stmts = [];
  for (let i = 0; i < aliases.length; i += D1_MAX_PARAMS) {
    stmts.push(
      db
        .update(hardwareAliases)
        .set({ uses: sql`${hardwareAliases.uses} - 1` })
        .where(and(inArray(hardwareAliases.alias, aliases.slice(i, i + D1_MAX_PARAMS)), sql`uses > 0`)),
    );
  }
  const [first, ...rest] = stmts;
  if (first) await db.batch([first, ...rest]);
}

/**
 * All or nothing: the verified IDs when every token passes, else a generic 403 problem naming the
 * refused positions (`json.hardwareIds.<index>`), after giving back the uses this call counted.
 */
export async function requireHardwareIds(
  env: Env,
  db: Db,
  tokens: readonly unknown[],
  caller: Pick<Principal, 'id'>,
  opts: VerifyOptions = {},
): Promise<VerifiedHardwareId[]> {
  const checks = await verifyHardwareIds(env, db, tokens, caller, opts);
  const verified = checks.filter((c): c is VerifiedHardwareId => c.ok);
  if (verified.length === checks.length) return verified;
  if (opts.as !== 'owner' && opts.consume !== false) await releaseUses(db, verified.map((v) => v.alias));
  throw problems.hardwareIdRefused(checks.filter((c) => !c.ok).map((c) => ({ field: `json.hardwareIds.${c.index}`, message: 'not accepted' })));
}

import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import { D1_MAX_PARAMS } from '../constants';
import { apiKeys, principals } from '../../schema';
import type { Db } from '../db';
import { generateApiKey, keyHint } from './keys';
import { newId } from '../lib/ids';
import { sha256Hex } from '../lib/digest';
import type { Principal, PrincipalKind, ServiceLevel } from './principal';

const ID_PREFIX: Record<PrincipalKind, string> = { operator: 'opr', customer: 'cus', provider: 'prv', agent: 'agt' };

export interface NewPrincipal {
  kind: PrincipalKind;
  name: string;
  organisation: string;
  serviceLevel: ServiceLevel;
  serverId?: string | null;
}

export interface IssuedKey {
  id: string;
  name: string;
  hint: string;
  createdAt: number;
  /** The key itself: returned once, never stored. */
  key: string;
}

/** Builds the insert for a new principal; the caller runs it in its own batch. */
export function principalInsert(db: Db, p: NewPrincipal) {
  const id = newId(ID_PREFIX[p.kind]);
  const stmt = db.insert(principals).values({
    id,
    kind: p.kind,
    name: p.name,
    organisation: p.organisation,
    serviceLevel: p.serviceLevel,
    serverId: p.serverId ?? null,
    createdAt: Date.now(),
  });
  return { id, stmt };
}

/** Mints a key for a principal: the insert to run, and the clear key to show once. */
export async function keyInsert(db: Db, principalId: string, kind: PrincipalKind, name: string) {
  const key = generateApiKey(kind);
  const issued: IssuedKey = { id: newId('key'), name, hint: keyHint(key), createdAt: Date.now(), key };
  const stmt = db.insert(apiKeys).values({
    id: issued.id,
    principalId,
    hash: await sha256Hex(key),
    hint: issued.hint,
    name,
    createdAt: issued.createdAt,
  });
  return { issued, stmt };
}

export async function findPrincipalByKeyHash(db: Db, hash: string): Promise<(Principal & { hash: string }) | null> {
  const row = await db
    .select({
      id: principals.id,
      kind: principals.kind,
      name: principals.name,
      organisation: principals.organisation,
      serviceLevel: principals.serviceLevel,
      serverId: principals.serverId,
      keyId: apiKeys.id,
      hash: apiKeys.hash,
    })
    .from(apiKeys)
    .innerJoin(principals, eq(apiKeys.principalId, principals.id))
    .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
    .get();
  return row ?? null;
}

export async function getPrincipal(db: Db, id: string) {
  return (await db.select().from(principals).where(eq(principals.id, id)).get()) ?? null;
}

/** The id of the agent principal of a server, if it has one. */
export async function agentOfServer(db: Db, serverId: string): Promise<string | null> {
  const found = await db
    .select({ id: principals.id })
    .from(principals)
    .where(and(eq(principals.kind, 'agent'), eq(principals.serverId, serverId)))
    .get();
  return found?.id ?? null;
}

/** The kind and name of each listed principal that exists (unknown ids are absent from the map). */
export async function principalsById(db: Db, ids: string[]): Promise<Map<string, { kind: PrincipalKind; name: string }>> {
  const found = new Map<string, { kind: PrincipalKind; name: string }>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += D1_MAX_PARAMS) {
    const rows = await db
      .select({ id: principals.id, kind: principals.kind, name: principals.name })
      .from(principals)
      .where(inArray(principals.id, unique.slice(i, i + D1_MAX_PARAMS)))
      .all();
    for (const p of rows) found.set(p.id, { kind: p.kind, name: p.name });
  }
  return found;
}

/** The listed ids that are customers. */
export async function customersAmong(db: Db, ids: string[]): Promise<Set<string>> {
  return new Set([...(await principalsById(db, ids))].filter(([, p]) => p.kind === 'customer').map(([id]) => id));
}

/** The kind of each listed principal that exists (unknown ids are absent from the map). */
export async function principalKinds(db: Db, ids: string[]): Promise<Map<string, PrincipalKind>> {
  return new Map([...(await principalsById(db, ids))].map(([id, p]) => [id, p.kind]));
}

export async function listKeys(db: Db, principalId: string) {
  return db
    .select({ id: apiKeys.id, name: apiKeys.name, hint: apiKeys.hint, createdAt: apiKeys.createdAt, revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.principalId, principalId))
    .orderBy(apiKeys.createdAt, apiKeys.id)
    .all();
}

export async function countLiveKeys(db: Db, principalId: string): Promise<number> {
  const rows = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.principalId, principalId), isNull(apiKeys.revokedAt)))
    .all();
  return rows.length;
}

/** Revokes one of the principal's own keys; returns its hash, or null when it has no such live key. */
export async function revokeKey(db: Db, principalId: string, keyId: string): Promise<string | null> {
  const row = await db
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.principalId, principalId), isNull(apiKeys.revokedAt)))
    .returning({ hash: apiKeys.hash })
    .get();
  return row?.hash ?? null;
}

/** A page of principals of one kind, by id (the operator's lists). */
export async function listPrincipals(db: Db, kind: PrincipalKind, limit: number, after?: string) {
  return db
    .select()
    .from(principals)
    .where(and(eq(principals.kind, kind), after ? gt(principals.id, after) : undefined))
    .orderBy(principals.id)
    .limit(limit + 1)
    .all();
}

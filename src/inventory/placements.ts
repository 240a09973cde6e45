import { z } from '@hono/zod-openapi';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { placements, servers } from '../../schema';
import { customersAmong } from '../auth/store';
import { platformProviders } from '../catalog/store';
import { MAX_PLACEMENTS_PER_REQUEST } from '../constants';
import { bumpStatement, customerKey } from '../lib/generations';
import { keysetAfter, chunkForInsert, existingIds, jsonIds, runAll, type Db } from '../db';
import { problems, type FieldError } from '../http/problem';
import type { RelationshipEnded } from './reactions';
import { UnitId } from './schema';
import { text } from '../http/text';

const PlacementKey = { customerId: z.string().min(1).max(100), serverId: UnitId };

const PlacementInput = z
  .strictObject({
    ...PlacementKey,
    platformId: z.string().min(1).max(100),
    storageAddress: text({ max: 500 }).openapi({ example: 'iscsi://10.20.3.14:3260/iqn.2026-01.dc:vol-7f3a' }),
    cores: z.number().int().min(0).max(4096).default(0),
    memoryGib: z.number().int().min(0).max(1_048_576).default(0),
  })
  .openapi('PlacementInput');

export const PlacementsBody = z
  .strictObject({
    placements: z.array(PlacementInput).max(MAX_PLACEMENTS_PER_REQUEST).default([]),
    remove: z.array(z.strictObject(PlacementKey)).max(MAX_PLACEMENTS_PER_REQUEST).default([]),
  })
  .openapi('PlacementsUpsert');

export const PlacementSchema = z
  .object({
    customerId: z.string(),
    serverId: z.string(),
    platformId: z.string(),
    storageAddress: z.string(),
    cores: z.number().int(),
    memoryGib: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Placement');

type Body = z.infer<typeof PlacementsBody>;

/**
 * Validates the whole request (references, one platform per customer) before writing anything,
 * then writes it in one batch.
 */
export async function putPlacements(db: Db, body: Body, relationshipEnded: RelationshipEnded): Promise<{ upserted: number; removed: number }> {
  const errors: FieldError[] = [];
  const customerIds = [...new Set([...body.placements, ...body.remove].map((p) => p.customerId))];
  const customers = await customersAmong(db, customerIds);
  const knownServers = await existingIds(db, servers, servers.id, body.placements.map((p) => p.serverId));
  const knownPlatforms = await platformProviders(db, body.placements.map((p) => p.platformId));
  const seen = new Set<string>();
  body.placements.forEach((p, i) => {
    if (!customers.has(p.customerId)) errors.push({ field: `placements.${i}.customerId`, message: 'no such customer' });
    if (!knownServers.has(p.serverId)) errors.push({ field: `placements.${i}.serverId`, message: 'no such server' });
    if (!knownPlatforms.has(p.platformId)) errors.push({ field: `placements.${i}.platformId`, message: 'no such platform' });
    const key = `${p.customerId}/${p.serverId}`;
    if (seen.has(key)) errors.push({ field: `placements.${i}`, message: 'placed twice in this request' });
    seen.add(key);
  });
  body.remove.forEach((p, i) => {
    if (!customers.has(p.customerId)) errors.push({ field: `remove.${i}.customerId`, message: 'no such customer' });
  });
  if (errors.length) throw problems.unprocessable('Placements refer to unknown objects.', errors);

  // A customer runs on one platform at a time: what stays plus what arrives must agree.
  const removed = new Set(body.remove.map((p) => `${p.customerId}/${p.serverId}`));
  for (const customerId of new Set(body.placements.map((p) => p.customerId))) {
    const incoming = body.placements.filter((p) => p.customerId === customerId);
    const replaced = new Set(incoming.map((p) => p.serverId));
    const existing = await db
      .select({ serverId: placements.serverId, platformId: placements.platformId })
      .from(placements)
      .where(eq(placements.customerId, customerId))
      .all();
    const kept = existing.filter((p) => !replaced.has(p.serverId) && !removed.has(`${customerId}/${p.serverId}`));
    const platformsUsed = new Set([...incoming, ...kept].map((p) => p.platformId));
    if (platformsUsed.size > 1)
      errors.push({ field: 'placements', message: `customer ${customerId} would run on ${platformsUsed.size} platforms; it runs on one at a time` });
  }
  if (errors.length) throw problems.unprocessable('Placements would split a customer across platforms.', errors);

  const affected = [...new Set([...body.placements, ...body.remove].map((p) => p.customerId))];
  const providersBefore = new Map(await Promise.all(affected.map(async (id) => [id, await currentProviderId(db, id)] as const)));
  const now = Date.now();
  const stmts = [
    ...body.remove.map((p) => db.delete(placements).where(and(eq(placements.customerId, p.customerId), eq(placements.serverId, p.serverId)))),
    ...chunkForInsert(body.placements, 7).map((chunk) =>
      db
        .insert(placements)
        .values(chunk.map((p) => ({ ...p, updatedAt: now })))
        .onConflictDoUpdate({
          target: [placements.customerId, placements.serverId],
          set: {
            platformId: sql.raw('excluded."platform_id"'),
            storageAddress: sql.raw('excluded."storage_address"'),
            cores: sql.raw('excluded."cores"'),
            memoryGib: sql.raw('excluded."memory_gib"'),
            updatedAt: sql.raw('excluded."updated_at"'),
          },
        }),
    ),
  ];
  const changed = [...new Set([...body.placements, ...body.remove].map((p) => customerKey(p.customerId)))];
  if (changed.length) await runAll(db, [bumpStatement(changed), ...stmts]);
  // A provider that is no longer the customer's current provider loses every ID it holds for it.
  const ended = [];
  for (const [customerId, before] of providersBefore) {
    if (before && before !== (await currentProviderId(db, customerId))) ended.push(relationshipEnded(db, customerId, before, now));
  }
  await runAll(db, ended);
  return { upserted: body.placements.length, removed: body.remove.length };
}

export async function listPlacements(db: Db, filter: { customerId?: string | undefined; serverId?: string | undefined }, limit: number, after?: string) {
  const conditions: SQL[] = [];
  if (filter.customerId) conditions.push(eq(placements.customerId, filter.customerId));
  if (filter.serverId) conditions.push(eq(placements.serverId, filter.serverId));
  if (after) conditions.push(keysetAfter(placements.customerId, placements.serverId, after, false));
  return db
    .select()
    .from(placements)
    .where(and(...conditions))
    .orderBy(asc(placements.customerId), asc(placements.serverId))
    .limit(limit + 1)
    .all();
}

/** The platform a customer's placements are on (one at a time), or null when it has none. */
export async function currentPlatformId(db: Db, customerId: string): Promise<string | null> {
  const row = await db.select({ platformId: placements.platformId }).from(placements).where(eq(placements.customerId, customerId)).limit(1).get();
  return row?.platformId ?? null;
}

/** The provider of the platform a customer's placements are on (its current provider), or null. */
async function currentProviderId(db: Db, customerId: string): Promise<string | null> {
  const platformId = await currentPlatformId(db, customerId);
  return platformId ? ((await platformProviders(db, [platformId])).get(platformId) ?? null) : null;
}

export interface PlacementFacts {
  customerId: string;
  serverId: string;
  platformId: string;
  cores: number;
  memoryGib: number;
}

const placementFacts = {
  customerId: placements.customerId,
  serverId: placements.serverId,
  platformId: placements.platformId,
  cores: placements.cores,
  memoryGib: placements.memoryGib,
};

/** Every placement of one customer (its whole footprint), without storage addresses. */
export async function placementsOfCustomer(db: Db, customerId: string): Promise<PlacementFacts[]> {
  return db.select(placementFacts).from(placements).where(eq(placements.customerId, customerId)).orderBy(asc(placements.serverId)).all();
}

/** The placements on any of the listed servers, without storage addresses. */
export async function placementsOnServers(db: Db, serverIds: string[]): Promise<PlacementFacts[]> {
  if (!serverIds.length) return [];
  return db
    .select(placementFacts)
    .from(placements)
    .where(sql`${placements.serverId} in ${jsonIds(serverIds)}`)
    .all();
}

/** `select server_id from placements where customer_id = ?`, as a subquery for derived tables. */
export function customerServerIds(db: Db, customerId: string) {
  return db.select({ id: placements.serverId }).from(placements).where(eq(placements.customerId, customerId));
}

/**
 * The cutover of a migration: every placement the customer has on `fromPlatformId` moves to
 * `toPlatformId` in one statement (all or nothing), which also makes the target platform's
 * provider the customer's current provider; in the same batch the former provider loses every
 * hardware ID it holds for the customer. Running it again changes nothing.
 */
export async function switchCustomerPlatform(db: Db, customerId: string, fromPlatformId: string, toPlatformId: string, now: number, relationshipEnded: RelationshipEnded): Promise<number> {
  const owners = await platformProviders(db, [fromPlatformId, toPlatformId]);
  const from = owners.get(fromPlatformId);
  const to = owners.get(toPlatformId);
  const [, moved] = await runAll(db, [
    bumpStatement([customerKey(customerId)]),
    db
      .update(placements)
      .set({ platformId: toPlatformId, updatedAt: now })
      .where(and(eq(placements.customerId, customerId), eq(placements.platformId, fromPlatformId)))
      .returning({ serverId: placements.serverId }),
    ...(from && from !== to ? [relationshipEnded(db, customerId, from, now)] : []),
  ]);
  return moved!.results.length;
}

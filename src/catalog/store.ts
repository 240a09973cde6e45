import { and, asc, eq, gt, inArray, type SQL } from 'drizzle-orm';
import { platforms } from '../../schema';
import { newId } from '../lib/ids';
import { D1_MAX_PARAMS } from '../constants';
import { isUniqueViolation, type Db } from '../db';
import { problems, type FieldError } from '../http/problem';
import { checkProviderUrl } from '../http/url-policy';
import type { CreatePlatformBody, PatchPlatformBody, PlatformT } from './schema';
import type { z } from '@hono/zod-openapi';

type Row = typeof platforms.$inferSelect;

function presentPlatform(row: Row): PlatformT {
  return {
    id: row.id,
    providerId: row.providerId,
    name: row.name,
    description: row.description,
    serviceProfile: JSON.parse(row.serviceProfile),
    requirements: JSON.parse(row.requirements),
    modules: JSON.parse(row.modules),
    upstreamUrl: row.upstreamUrl,
    autoAccept: row.autoAccept,
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const isNameTaken = (err: unknown) => isUniqueViolation(err, 'platforms.provider_id, platforms.name');

/**
 * The SBC sends end users' calls to a platform's upstream and agents inside the data center fetch
 * its modules' artifacts: both go through the one URL policy (loopback only in development/test).
 */
function checkPlatformUrls(body: { upstreamUrl?: string | undefined; modules?: { artifactUrl: string }[] | undefined }, environment: string): void {
  const urls: [string, string | undefined][] = [['upstreamUrl', body.upstreamUrl], ...(body.modules ?? []).map((m, i): [string, string] => [`modules.${i}.artifactUrl`, m.artifactUrl])];
  const errors: FieldError[] = [];
  for (const [field, url] of urls) {
    if (url === undefined) continue;
    const check = checkProviderUrl(url, environment);
    if (!check.ok) errors.push({ field, message: check.reason });
  }
  if (errors.length) throw problems.unprocessable('A URL of the platform is not allowed.', errors);
}

export async function createPlatform(db: Db, providerId: string, body: z.infer<typeof CreatePlatformBody>, environment: string): Promise<PlatformT> {
  checkPlatformUrls(body, environment);
  const now = Date.now();
  try {
    const row = await db
      .insert(platforms)
      .values({
        id: newId('plt'),
        providerId,
        name: body.name,
        description: body.description,
        serviceProfile: JSON.stringify(body.serviceProfile),
        requirements: JSON.stringify(body.requirements),
        modules: JSON.stringify(body.modules),
        upstreamUrl: body.upstreamUrl,
        autoAccept: body.autoAccept,
        revision: 1,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    return presentPlatform(row);
  } catch (err) {
    if (isNameTaken(err)) throw problems.conflict('You already have a platform with this name.');
    throw err;
  }
}

/** The provider of each listed platform that exists (unknown ids are absent from the map). */
export async function platformProviders(db: Db, ids: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += D1_MAX_PARAMS) {
    const rows = await db.select({ id: platforms.id, providerId: platforms.providerId }).from(platforms).where(inArray(platforms.id, unique.slice(i, i + D1_MAX_PARAMS))).all();
    for (const r of rows) found.set(r.id, r.providerId);
  }
  return found;
}

export async function getPlatform(db: Db, id: string): Promise<PlatformT | null> {
  const row = await db.select().from(platforms).where(eq(platforms.id, id)).get();
  return row ? presentPlatform(row) : null;
}

/** Changes a provider's own platform. Another provider's platform answers 404 (it stays untouched). */
export async function patchPlatform(db: Db, providerId: string, id: string, patch: z.infer<typeof PatchPlatformBody>, environment: string): Promise<PlatformT> {
  checkPlatformUrls(patch, environment);
  const current = await db.select().from(platforms).where(eq(platforms.id, id)).get();
  if (!current || current.providerId !== providerId) throw problems.notFound('platform');
  const set: Partial<Row> = { updatedAt: Date.now(), revision: current.revision + 1 };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.serviceProfile !== undefined) set.serviceProfile = JSON.stringify(patch.serviceProfile);
  if (patch.requirements !== undefined) set.requirements = JSON.stringify(patch.requirements);
  if (patch.modules !== undefined) set.modules = JSON.stringify(patch.modules);
  if (patch.upstreamUrl !== undefined) set.upstreamUrl = patch.upstreamUrl;
  if (patch.autoAccept !== undefined) set.autoAccept = patch.autoAccept;
  try {
    const row = await db
      .update(platforms)
      .set(set)
      .where(and(eq(platforms.id, id), eq(platforms.providerId, providerId), eq(platforms.revision, current.revision)))
      .returning()
      .get();
    if (!row) throw problems.conflict('The platform changed meanwhile; retry.');
    return presentPlatform(row);
  } catch (err) {
    if (isNameTaken(err)) throw problems.conflict('You already have a platform with this name.');
    throw err;
  }
}

export async function listPlatforms(db: Db, filter: { providerId?: string | undefined }, limit: number, after?: string) {
  const conditions: SQL[] = [];
  if (filter.providerId) conditions.push(eq(platforms.providerId, filter.providerId));
  if (after) conditions.push(gt(platforms.id, after));
  const found = await db
    .select()
    .from(platforms)
    .where(and(...conditions))
    .orderBy(asc(platforms.id))
    .limit(limit + 1)
    .all();
  return found.map(presentPlatform);
}

/** The whole catalog (tens of platforms), for derived data that spans every platform. */
export async function allPlatforms(db: Db): Promise<PlatformT[]> {
  return (await db.select().from(platforms).orderBy(asc(platforms.id)).all()).map(presentPlatform);
}

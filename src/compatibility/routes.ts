import { createRoute, z } from '@hono/zod-openapi';
import { allow } from '../auth/middleware';
import { COMPAT_PAGE_SERVERS, HWID_MAX_USES_DEFAULT, HWID_TTL_DEFAULT_S } from '../constants';
import type { Principal } from '../auth/principal';
import { getPlatform } from '../catalog/store';
import { getDb, type Db } from '../db';
import { mintForCustomer, type MintedHardwareId } from '../hardware/mint';
import { releaseUses, requireHardwareIds } from '../hardware/verifier';
import type { Scope } from '../inventory/units';
import { recordUsage } from '../usage/recorder';
import { AUTHED, bearerSecurity, createRouter, decodeCursor, encodeCursor, jsonBody, jsonResponse, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { assertCustomerOrCurrentProvider } from './access';
import { checkUnits, type CheckTarget } from './check';
import { mipList } from './mip';
import { rebuildStep, type RebuildCursor } from './recompute';
import { CompatibilityBody, CompatibilityResult, MipListSchema, MipQuery, RebuildBody, RebuildResult } from './schema';

export const compatibilityRouter = createRouter();

compatibilityRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/customers/{customerId}/mip-list',
    tags: ['Compatibility'],
    summary: 'Platforms the customer can move to without its data leaving the scope (the customer or its current provider)',
    security: bearerSecurity,
    middleware: [allow('customer', 'provider')],
    request: { params: z.object({ customerId: z.string().max(100) }), query: MipQuery },
    responses: { 200: jsonResponse(MipListSchema, 'The migration-in-place list'), ...problemResponses(...AUTHED, 404) },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const caller = c.get('principal');
    const { customerId } = c.req.valid('param');
    const query = c.req.valid('query');
    await assertCustomerOrCurrentProvider(db, caller, customerId);
    const list = await mipList(db, customerId, query.scope);
    if (query.include !== 'hardwareIds') return c.json(list, 200);
    // Minted by the hardware-ID rules: the caller may (it acts for the customer), for itself only.
    const hardwareIds: Partial<Record<Scope, MintedHardwareId[]>> = {};
    for (const scope of new Set(list.available.map((e) => e.narrowestScope!))) {
      const terms = { customerId, requesterId: caller.id, scope, audience: [caller.id], ttlSeconds: HWID_TTL_DEFAULT_S, maxUses: HWID_MAX_USES_DEFAULT };
      hardwareIds[scope] = await mintForCustomer(c.env, db, terms);
      recordUsage(c.env, c.executionCtx, caller.id, 'hardware-ids');
    }
    return c.json({ ...list, hardwareIds }, 200);
  },
);

/** The requirements asked about: a platform the caller may ask about, or a provider's own set. */
async function targetOf(db: Db, caller: Principal, body: z.infer<typeof CompatibilityBody>): Promise<CheckTarget> {
  if (body.requirements) {
    if (caller.kind !== 'provider') throw problems.forbidden('Only providers may check ad-hoc requirements; ask about a platform.');
    return { platform: null, requirements: body.requirements };
  }
  const platform = await getPlatform(db, body.platformId!);
  // Providers ask about their own platforms; another provider's looks like no platform at all.
  if (!platform || (caller.kind === 'provider' && platform.providerId !== caller.id)) throw problems.notFound('platform');
  return { platform, requirements: platform.requirements };
}

compatibilityRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/compatibility',
    tags: ['Compatibility'],
    summary: 'Approve or deny the hardware behind hardware IDs for a platform or ad-hoc requirements, with reasons',
    description:
      'Every ID must be valid for the caller (in its audience, not expired, revoked or used up); one use of each is counted. Otherwise 403 names the refused positions and no use is counted.',
    security: bearerSecurity,
    middleware: [allow('customer', 'provider')],
    request: { body: jsonBody(CompatibilityBody) },
    responses: { 200: jsonResponse(CompatibilityResult, 'One answer per ID, in order'), ...problemResponses(...AUTHED, 404, 410, 422) },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const caller = c.get('principal');
    const body = c.req.valid('json');
    const target = await targetOf(db, caller, body);
    const verified = await requireHardwareIds(c.env, db, body.hardwareIds, caller, { requestId: c.get('requestId') });
    try {
      const units = verified.map((v) => ({ index: v.index, scope: v.scope, unitId: v.unitId }));
      const results = await checkUnits(db, units, target, body.include.includes('properties'));
      recordUsage(c.env, c.executionCtx, caller.id, 'compatibility-checks', results.length);
      return c.json({ platformId: target.platform?.id ?? null, results }, 200);
    } catch (err) {
      // The question could not be answered: the IDs keep their uses.
      await releaseUses(db, verified.map((v) => v.alias));
      throw err;
    }
  },
);

function parseRebuildCursor(cursor: string | undefined): RebuildCursor {
  const text = decodeCursor(cursor);
  if (text === undefined) return { after: null, startedAt: Date.now() };
  try {
    const parsed = JSON.parse(text) as RebuildCursor;
    if (typeof parsed.startedAt === 'number') return parsed;
  } catch {
    // falls through to the validation error below
  }
  throw problems.validation([{ field: 'json.cursor', message: 'Not a cursor this API issued' }]);
}

compatibilityRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/compatibility/rebuild',
    tags: ['Compatibility'],
    summary: 'One bounded step of a full rebuild of the compatibility table (operator); repeat with nextCursor',
    security: bearerSecurity,
    middleware: [allow('operator')],
    request: { body: jsonBody(RebuildBody) },
    responses: { 200: jsonResponse(RebuildResult, 'What this step recomputed'), ...problemResponses(...AUTHED) },
  }),
  async (c) => {
    const cursor = parseRebuildCursor(c.req.valid('json').cursor);
    const { next, ...result } = await rebuildStep(getDb(c.env.DB), cursor, COMPAT_PAGE_SERVERS);
    return c.json({ ...result, nextCursor: next ? encodeCursor(JSON.stringify(next)) : null }, 200);
  },
);

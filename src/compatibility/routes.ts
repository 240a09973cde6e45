import { z } from '@hono/zod-openapi';
import { authedRoute } from '../auth/route';
import { compatServers } from '../../schema';
import { COMPAT_STATUS_MAX_SERVERS, HWID_MAX_USES_DEFAULT, HWID_TTL_DEFAULT_S } from '../constants';
import { serversNewerThan } from '../inventory/facts';
import type { Principal } from '../auth/principal';
import { getPlatform } from '../catalog/store';
import { getDb, type Db } from '../db';
import { pendingSites } from '../disclosure/store';
import { mintForCustomer, type MintedHardwareId } from '../hardware/mint';
import { releaseUses, requireHardwareIds } from '../hardware/verifier';
import type { Scope } from '../inventory/units';
import { recordUsage } from '../usage/recorder';
import { createRouter, jsonBody, jsonResponse } from '../http/openapi';
import { problems } from '../http/problem';
import { assertCustomerOrCurrentProvider } from './access';
import { checkUnits, type CheckTarget } from './check';
import { answerMessage, readAnswer } from './answers';
import { mipList, type MipList } from './mip';
import { passProgress, sender } from './passes';
import { startRebuild } from './recompute';
import { CompatibilityBody, CompatibilityResult, CompatibilityStatus, MipListSchema, MipQuery, RebuildBody, RebuildResult } from './schema';

export const compatibilityRouter = createRouter();

compatibilityRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/customers/{customerId}/mip-list',
    tags: ['Compatibility'],
    summary: 'Platforms the customer can move to without its data leaving the scope (the customer or its current provider)',
    allow: ['customer', 'provider'],
    request: { params: z.object({ customerId: z.string().max(100) }), query: MipQuery },
    problems: [404],
    responses: { 200: jsonResponse(MipListSchema, 'The migration-in-place list') },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const caller = c.get('principal');
    const { customerId } = c.req.valid('param');
    const query = c.req.valid('query');
    await assertCustomerOrCurrentProvider(db, caller, customerId);
    const { body: stored, generation } = await readAnswer(db, customerId, query.scope);
    let body = stored;
    if (body === null) {
      // Computed once: the queue stores this very answer (the generation was read before its inputs).
      body = JSON.stringify(await mipList(db, customerId, query.scope));
      c.executionCtx.waitUntil(c.env.RECOMPUTE.send(answerMessage(customerId, query.scope, { generation, body })));
    }
    // The JSON goes out as it is: no parsing, no re-serialising.
    if (query.include !== 'hardwareIds') return c.body(body, 200, { 'content-type': 'application/json' }) as never;
    const list = JSON.parse(body) as MipList;
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
  authedRoute({
    method: 'post',
    path: '/v1/compatibility',
    tags: ['Compatibility'],
    summary: 'Approve or deny the hardware behind hardware IDs for a platform or ad-hoc requirements, with reasons',
    description:
      'Every ID must be valid for the caller (in its audience, not expired, revoked or used up); one use of each is counted. Otherwise 403 names the refused positions and no use is counted.',
    allow: ['customer', 'provider'],
    request: { body: jsonBody(CompatibilityBody) },
    problems: [404, 410, 422],
    responses: { 200: jsonResponse(CompatibilityResult, 'One answer per ID, in order') },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const caller = c.get('principal');
    const body = c.req.valid('json');
    const target = await targetOf(db, caller, body);
    const verified = await requireHardwareIds(c.env, db, body.hardwareIds, caller, { requestId: c.get('requestId') });
    try {
      const units = verified.map((v) => ({ index: v.index, scope: v.scope, unitId: v.unitId }));
      const results = await checkUnits(db, units, target, { properties: body.include.includes('properties'), basis: 'released' });
      recordUsage(c.env, c.executionCtx, caller.id, 'compatibility-checks', results.length);
      return c.json({ platformId: target.platform?.id ?? null, results }, 200);
    } catch (err) {
      // The question could not be answered: the IDs keep their uses.
      await releaseUses(db, verified.map((v) => v.alias));
      throw err;
    }
  },
);

compatibilityRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/compatibility/rebuild',
    tags: ['Compatibility'],
    summary: 'Rebuild the whole compatibility table, in pages on the recompute queue (operator); follow it at GET /v1/compatibility/status',
    allow: ['operator'],
    request: { body: jsonBody(RebuildBody) },
    responses: { 202: jsonResponse(RebuildResult, 'The rebuild is queued') },
  }),
  async (c) => c.json(await startRebuild(getDb(c.env.DB), sender(c.env.RECOMPUTE)), 202),
);

compatibilityRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/compatibility/status',
    tags: ['Compatibility'],
    summary: 'Recomputation progress per platform (operator): the revision to compute, the one computed, the pass’s pages done',
    allow: ['operator'],
    responses: { 200: jsonResponse(CompatibilityStatus, 'Every platform’s pass') },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const [platforms, behind, sitesPending] = await Promise.all([
      passProgress(db),
      serversNewerThan(db, { table: compatServers, serverId: compatServers.serverId, basis: compatServers.basis }, COMPAT_STATUS_MAX_SERVERS),
      pendingSites(db),
    ]);
    return c.json({ fresh: !behind.length && !sitesPending && platforms.every((p) => p.fresh), serversBehind: behind.length, sitesPending, platforms }, 200);
  },
);

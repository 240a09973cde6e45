import { createRoute } from '@hono/zod-openapi';
import { authedRoute } from '../auth/route';
import { actsForCustomer } from '../inventory/acts-for';
import type { Principal } from '../auth/principal';
import { principalKinds } from '../auth/store';
import { JWKS_MAX_AGE_S } from '../constants';
import { getDb, type Db } from '../db';
import { createRouter, jsonBody, jsonResponse } from '../http/openapi';
import { problems } from '../http/problem';
import { recordUsage } from '../usage/recorder';
import { customerServersAt } from '../inventory/units';
import { keyRing } from './keys';
import { mintForCustomer, mintHardwareIds } from './mint';
import { revokeAliases, revokeAllOwnedBy } from './revocation';
import { DiscoverBody, HardwareIdSchema, JwksSchema, MintBody, MintResult, RevokeBody, RevokeResult, VerifyBody, VerifyResult } from './schema';
import { requireHardwareIds } from './verifier';

export const hardwareRouter = createRouter();

/** The audience of new IDs: the caller unless it names providers or customers (checked to exist). */
async function audienceOf(db: Db, me: Principal, requested: string[] | undefined): Promise<string[]> {
  if (!requested) return [me.id];
  const audience = [...new Set(requested)];
  const kinds = await principalKinds(db, audience);
  const errors = requested
    .map((id, i) => ({ id, i, kind: kinds.get(id) }))
    .filter((a) => a.kind !== 'provider' && a.kind !== 'customer')
    .map((a) => ({ field: `json.audience.${a.i}`, message: 'no such provider or customer' }));
  if (errors.length) throw problems.unprocessable('The audience names unknown principals.', errors);
  return audience;
}

hardwareRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/hardware-ids',
    tags: ['Hardware IDs'],
    summary: 'Masked, limited-use IDs of the units (servers, racks, rows or sites) holding a customer’s data',
    description:
      'By the customer for itself, or by its current provider (the provider of the platform its placements are on). Each ID is a fresh signed JWT whose subject is a random alias: IDs of the same unit differ for every request and requester.',
    allow: ['customer', 'provider'],
    request: { body: jsonBody(MintBody) },
    problems: [422],
    responses: { 201: jsonResponse(MintResult, 'The IDs') },
  }),
  async (c) => {
    const me = c.get('principal');
    const body = c.req.valid('json');
    const db = getDb(c.env.DB);
    const customerId = body.customerId ?? (me.kind === 'customer' ? me.id : undefined);
    if (!customerId) throw problems.validation([{ field: 'json.customerId', message: 'required for a provider' }]);
    if (!(await actsForCustomer(db, me, customerId))) {
      throw problems.forbidden('Only the customer or its current provider may request its hardware IDs.');
    }
    const audience = await audienceOf(db, me, body.audience);
    const items = await mintForCustomer(c.env, db, { customerId, requesterId: me.id, scope: body.scope, audience, ttlSeconds: body.ttlSeconds, maxUses: body.maxUses });
    recordUsage(c.env, c.executionCtx, me.id, 'hardware-ids');
    return c.json({ items }, 201);
  },
);

hardwareRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/hardware-ids/verify',
    tags: ['Hardware IDs'],
    summary: 'Check hardware IDs you were given (uses one use of each)',
    description:
      'All or nothing: when every ID is valid for you, one use of each is counted and their scope, expiry and remaining uses are returned in order; otherwise a 403 names the refused positions and no use is counted.',
    allow: ['customer', 'provider'],
    request: { body: jsonBody(VerifyBody) },
    responses: { 200: jsonResponse(VerifyResult, 'Every ID is valid') },
  }),
  async (c) => {
    const verified = await requireHardwareIds(c.env, getDb(c.env.DB), c.req.valid('json').hardwareIds, c.get('principal'), { requestId: c.get('requestId') });
    return c.json({ items: verified.map((v) => ({ scope: v.scope, expiresAt: v.expiresAt, usesLeft: v.usesLeft })) }, 200);
  },
);

hardwareRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/hardware-ids/revoke',
    tags: ['Hardware IDs'],
    summary: 'Revoke hardware IDs you own (about your data, or minted by you): some, or all',
    allow: ['customer', 'provider'],
    request: { body: jsonBody(RevokeBody) },
    responses: { 200: jsonResponse(RevokeResult, 'Revoked') },
  }),
  async (c) => {
    const me = c.get('principal');
    const body = c.req.valid('json');
    const db = getDb(c.env.DB);
    if ('all' in body) return c.json({ revoked: await revokeAllOwnedBy(db, me.id) }, 200);
    const owned = await requireHardwareIds(c.env, db, body.hardwareIds, me, { as: 'owner', requestId: c.get('requestId') });
    return c.json({ revoked: await revokeAliases(db, owned.map((o) => o.alias)) }, 200);
  },
);

hardwareRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/hardware-ids/discover',
    tags: ['Hardware IDs'],
    summary: 'The server-scope hardware ID of the host your VM sees (its Dom0 or internal IP)',
    description:
      'Answers only when that host holds your data. Any other address, whether it exists or not, gets the same 404, so this reveals nothing about hardware that is not yours.',
    allow: ['customer'],
    request: { body: jsonBody(DiscoverBody) },
    problems: [404, 409, 422],
    responses: { 200: jsonResponse(HardwareIdSchema, 'The host’s ID') },
  }),
  async (c) => {
    const me = c.get('principal');
    const body = c.req.valid('json');
    const db = getDb(c.env.DB);
    const hosts = await customerServersAt(db, me.id, body.address);
    if (!hosts[0]) throw problems.notFound('host');
    if (hosts.length > 1) throw problems.conflict('Several of your servers have this internal address; present the Dom0 address.');
    const audience = await audienceOf(db, me, body.audience);
    const terms = { customerId: me.id, requesterId: me.id, scope: 'server' as const, audience, ttlSeconds: body.ttlSeconds, maxUses: body.maxUses };
    const [minted] = await mintHardwareIds(c.env, db, terms, [{ unitId: hosts[0], coverage: 1 }]);
    recordUsage(c.env, c.executionCtx, me.id, 'hardware-ids');
    return c.json(minted!, 200);
  },
);

hardwareRouter.openapi(
  createRoute({
    method: 'get',
    path: '/.well-known/jwks.json',
    tags: ['Hardware IDs'],
    summary: 'Public keys that sign hardware IDs (no authentication)',
    description: 'Keys are chosen by the ID’s `kid`; a rotated-out key stays listed until the IDs it signed have expired.',
    security: [],
    responses: { 200: jsonResponse(JwksSchema, 'The JSON Web Key Set') },
  }),
  async (c) => {
    const { jwks } = await keyRing(c.env.HWID_SIGNING_KEYS);
    return c.json({ keys: jwks }, 200, { 'cache-control': `public, max-age=${JWKS_MAX_AGE_S}` });
  },
);

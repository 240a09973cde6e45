import { createRoute, z } from '@hono/zod-openapi';
import { authedRoute } from '../auth/route';
import { MAX_LIVE_KEYS_PER_PRINCIPAL } from '../constants';
import { getDb } from '../db';
import { bearerSecurity, createRouter, IdParams, jsonBody, jsonResponse, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { serverExists } from '../inventory/store';
import { forgetKeyHash } from '../auth/middleware';
import { ROOT_OPERATOR_KEY_ID } from '../auth/principal';
import { IssuedKeySchema, KeySchema, MintKeyBody } from '../auth/schema';
import { agentOfServer, countLiveKeys, keyInsert, listKeys, principalInsert, revokeKey } from '../auth/store';

export const apiKeysRouter = createRouter();

apiKeysRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/api-keys',
    tags: ['API keys'],
    summary: 'Mint an API key for yourself (or, as operator, for a server agent)',
    request: { body: jsonBody(MintKeyBody) },
    problems: [404, 409],
    responses: { 201: jsonResponse(IssuedKeySchema.extend({ principalId: z.string() }), 'The new key, shown once') },
  }),
  async (c) => {
    const me = c.get('principal');
    const body = c.req.valid('json');
    const db = getDb(c.env.DB);
    if (body.agentFor !== undefined) {
      if (me.kind !== 'operator') throw problems.forbidden('Only the operator mints agent keys.');
      if (!(await serverExists(db, body.agentFor))) throw problems.notFound('server');
      const existing = await agentOfServer(db, body.agentFor);
      if (existing) {
        const { issued, stmt } = await keyInsert(db, existing, 'agent', body.name);
        await stmt.run();
        return c.json({ ...issued, principalId: existing }, 201);
      }
      const agent = principalInsert(db, {
        kind: 'agent',
        name: `agent of ${body.agentFor}`,
        organisation: me.organisation,
        serviceLevel: 'standard',
        serverId: body.agentFor,
      });
      const { issued, stmt } = await keyInsert(db, agent.id, 'agent', body.name);
      await db.batch([agent.stmt, stmt]);
      return c.json({ ...issued, principalId: agent.id }, 201);
    }
    if ((await countLiveKeys(db, me.id)) >= MAX_LIVE_KEYS_PER_PRINCIPAL) {
      throw problems.conflict(`At most ${MAX_LIVE_KEYS_PER_PRINCIPAL} live keys; revoke one first.`);
    }
    const { issued, stmt } = await keyInsert(db, me.id, me.kind, body.name);
    await stmt.run();
    return c.json({ ...issued, principalId: me.id }, 201);
  },
);

apiKeysRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/api-keys',
    tags: ['API keys'],
    summary: 'List your own keys (never their values)',
    security: bearerSecurity,
    responses: {
      200: jsonResponse(z.object({ items: z.array(KeySchema) }), 'Your keys'),
      ...problemResponses(400, 401),
    },
  }),
  async (c) => c.json({ items: await listKeys(getDb(c.env.DB), c.get('principal').id) }, 200),
);

apiKeysRouter.openapi(
  authedRoute({
    method: 'delete',
    path: '/v1/api-keys/{id}',
    tags: ['API keys'],
    summary: 'Revoke one of your own keys',
    request: { params: IdParams },
    problems: [404],
    responses: { 204: { description: 'Revoked' } },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    if (id === ROOT_OPERATOR_KEY_ID) throw problems.forbidden('The bootstrap key is rotated through its Worker secret.');
    const hash = await revokeKey(getDb(c.env.DB), c.get('principal').id, id);
    if (!hash) throw problems.notFound('API key');
    forgetKeyHash(hash);
    return c.body(null, 204);
  },
);

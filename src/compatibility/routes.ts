import { createRoute, z } from '@hono/zod-openapi';
import { allow } from '../auth/middleware';
import { COMPAT_PAGE_SERVERS } from '../constants';
import { getDb } from '../db';
import { AUTHED, bearerSecurity, createRouter, decodeCursor, encodeCursor, jsonBody, jsonResponse, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { assertCustomerOrCurrentProvider } from './access';
import { mipList } from './mip';
import { rebuildStep, type RebuildCursor } from './recompute';
import { MipListSchema, MipQuery, RebuildBody, RebuildResult } from './schema';

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
    const { customerId } = c.req.valid('param');
    await assertCustomerOrCurrentProvider(db, c.get('principal'), customerId);
    return c.json(await mipList(db, customerId, c.req.valid('query').scope), 200);
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

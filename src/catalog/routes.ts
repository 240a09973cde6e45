import { createRoute, z } from '@hono/zod-openapi';
import { allow } from '../auth/middleware';
import { principalsById } from '../auth/store';
import { getDb, type Db } from '../db';
import { AUTHED, bearerSecurity, createRouter, decodeCursor, jsonBody, jsonResponse, PageQuery, pageOf, pageSchema, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { CatalogEntrySchema, CreatePlatformBody, PatchPlatformBody, PlatformSchema, type PlatformT } from './schema';
import { createPlatform, getPlatform, listPlatforms, patchPlatform } from './store';

export const catalogRouter = createRouter();

const PlatformParams = z.object({ id: z.string().max(100) });

/** The platforms with their providers' names (one query for the page). */
async function asCatalogEntries(db: Db, found: PlatformT[]) {
  const providers = await principalsById(db, found.map((p) => p.providerId));
  return found.map((p) => ({ ...p, providerName: providers.get(p.providerId)?.name ?? p.providerId }));
}

catalogRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/platforms',
    tags: ['Catalog'],
    summary: 'Publish a platform (provider)',
    security: bearerSecurity,
    middleware: [allow('provider')],
    request: { body: jsonBody(CreatePlatformBody) },
    responses: { 201: jsonResponse(PlatformSchema, 'The platform'), ...problemResponses(...AUTHED, 409, 422) },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const platform = await createPlatform(db, c.get('principal').id, c.req.valid('json'), c.env.ENVIRONMENT);
    await c.get('reactions').platformPublished(db, c.env, platform);
    return c.json(platform, 201);
  },
);

catalogRouter.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/platforms/{id}',
    tags: ['Catalog'],
    summary: 'Change one of your platforms (provider)',
    security: bearerSecurity,
    middleware: [allow('provider')],
    request: { params: PlatformParams, body: jsonBody(PatchPlatformBody) },
    responses: { 200: jsonResponse(PlatformSchema, 'The platform after the change'), ...problemResponses(...AUTHED, 404, 409, 422) },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const patch = c.req.valid('json');
    const platform = await patchPlatform(db, c.get('principal').id, c.req.valid('param').id, patch, c.env.ENVIRONMENT);
    await c.get('reactions').platformRevised(db, c.env, platform, patch.requirements !== undefined);
    return c.json(platform, 200);
  },
);

catalogRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/platforms',
    tags: ['Catalog'],
    summary: 'The platform catalog (readable by every principal)',
    security: bearerSecurity,
    request: { query: PageQuery.extend({ providerId: z.string().max(100).optional() }) },
    responses: {
      200: jsonResponse(pageSchema(CatalogEntrySchema), 'A page of platforms'),
      ...problemResponses(...AUTHED),
    },
  }),
  async (c) => {
    const { limit, cursor, providerId } = c.req.valid('query');
    const db = getDb(c.env.DB);
    const page = pageOf(await listPlatforms(db, { providerId }, limit, decodeCursor(cursor)), limit, (p) => p.id);
    return c.json({ items: await asCatalogEntries(db, page.items), nextCursor: page.nextCursor }, 200);
  },
);

catalogRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/platforms/{id}',
    tags: ['Catalog'],
    summary: 'One platform',
    security: bearerSecurity,
    request: { params: PlatformParams },
    responses: { 200: jsonResponse(CatalogEntrySchema, 'The platform'), ...problemResponses(...AUTHED, 404) },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const platform = await getPlatform(db, c.req.valid('param').id);
    if (!platform) throw problems.notFound('platform');
    const [entry] = await asCatalogEntries(db, [platform]);
    return c.json(entry!, 200);
  },
);

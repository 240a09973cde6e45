import { z } from '@hono/zod-openapi';
import { authedRoute } from '../auth/route';
import { principalsById } from '../auth/store';
import { getDb, type Db } from '../db';
import { createRouter, IdParams, jsonBody, jsonResponse, listPage, PageQuery, pageSchema } from '../http/openapi';
import { problems } from '../http/problem';
import { CatalogEntrySchema, CreatePlatformBody, PatchPlatformBody, PlatformSchema, type PlatformT } from './schema';
import { createPlatform, getPlatform, listPlatforms, patchPlatform } from './store';

export const catalogRouter = createRouter();


/** The platforms with their providers' names (one query for the page). */
async function asCatalogEntries(db: Db, found: PlatformT[]) {
  const providers = await principalsById(db, found.map((p) => p.providerId));
  return found.map((p) => ({ ...p, providerName: providers.get(p.providerId)?.name ?? p.providerId }));
}

catalogRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/platforms',
    tags: ['Catalog'],
    summary: 'Publish a platform (provider)',
    allow: ['provider'],
    request: { body: jsonBody(CreatePlatformBody) },
    problems: [409, 422],
    responses: { 201: jsonResponse(PlatformSchema, 'The platform') },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const platform = await createPlatform(db, c.get('principal').id, c.req.valid('json'), c.env.ENVIRONMENT);
    await c.get('reactions').platformPublished(db, c.env, platform);
    return c.json(platform, 201);
  },
);

catalogRouter.openapi(
  authedRoute({
    method: 'patch',
    path: '/v1/platforms/{id}',
    tags: ['Catalog'],
    summary: 'Change one of your platforms (provider)',
    allow: ['provider'],
    request: { params: IdParams, body: jsonBody(PatchPlatformBody) },
    problems: [404, 409, 422],
    responses: { 200: jsonResponse(PlatformSchema, 'The platform after the change') },
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
  authedRoute({
    method: 'get',
    path: '/v1/platforms',
    tags: ['Catalog'],
    summary: 'The platform catalog (readable by every principal)',
    request: { query: PageQuery.extend({ providerId: z.string().max(100).optional() }) },
    responses: { 200: jsonResponse(pageSchema(CatalogEntrySchema), 'A page of platforms') },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const page = await listPage(c.req.valid('query'), (filter, limit, after) => listPlatforms(db, filter, limit, after), (p) => p.id, (rows) => asCatalogEntries(db, rows));
    return c.json(page, 200);
  },
);

catalogRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/platforms/{id}',
    tags: ['Catalog'],
    summary: 'One platform',
    request: { params: IdParams },
    problems: [404],
    responses: { 200: jsonResponse(CatalogEntrySchema, 'The platform') },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const platform = await getPlatform(db, c.req.valid('param').id);
    if (!platform) throw problems.notFound('platform');
    const [entry] = await asCatalogEntries(db, [platform]);
    return c.json(entry!, 200);
  },
);

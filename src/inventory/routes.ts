import { z } from '@hono/zod-openapi';
import { authedRoute } from '../auth/route';
import { cursorOf, getDb } from '../db';
import { createRouter, jsonBody, jsonResponse, listPage, PageQuery, pageSchema } from '../http/openapi';
import { listPlacements, PlacementSchema, PlacementsBody, putPlacements } from './placements';
import { InventoryBody, InventoryResult, RackInput, RowInput, ServerListQuery, ServerSchema, SiteInput, UnitId } from './schema';
import { listServers, upsertInventory } from './store';
import { listUnits, UNIT_KINDS } from './unit-list';

export const inventoryRouter = createRouter();

inventoryRouter.openapi(
  authedRoute({
    method: 'put',
    path: '/v1/inventory',
    tags: ['Inventory'],
    summary: 'Bulk upsert of sites, rows, racks and servers (operator; idempotent, all or nothing)',
    allow: ['operator'],
    request: { body: jsonBody(InventoryBody) },
    problems: [409, 422],
    responses: { 200: jsonResponse(InventoryResult, 'What was received and what actually changed') },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const { changedServerIds, ...result } = await upsertInventory(db, c.req.valid('json'));
    await c.get('reactions').serversChanged(db, c.env, changedServerIds);
    return c.json(result, 200);
  },
);

inventoryRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/inventory/servers',
    tags: ['Inventory'],
    summary: 'List servers with their permanent identity (operator)',
    allow: ['operator'],
    request: { query: PageQuery.extend(ServerListQuery.shape) },
    responses: { 200: jsonResponse(pageSchema(ServerSchema), 'A page of servers') },
  }),
  async (c) => c.json(await listPage(c.req.valid('query'), (filter, limit, after) => listServers(getDb(c.env.DB), filter, limit, after), (s) => s.id), 200),
);

inventoryRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/inventory/units',
    tags: ['Inventory'],
    summary: 'List sites, rows or racks in the shape PUT /v1/inventory takes (operator)',
    allow: ['operator'],
    request: { query: PageQuery.extend({ kind: z.enum(UNIT_KINDS).openapi({ description: 'Which units to list' }) }) },
    responses: { 200: jsonResponse(pageSchema(z.union([SiteInput, RowInput, RackInput])), 'A page of units of one kind, in id order') },
  }),
  async (c) => c.json(await listPage(c.req.valid('query'), ({ kind }, limit, after) => listUnits(getDb(c.env.DB), kind, limit, after), (u) => u.id), 200),
);

inventoryRouter.openapi(
  authedRoute({
    method: 'put',
    path: '/v1/placements',
    tags: ['Inventory'],
    summary: 'Record which customer’s data sits on which server, under which platform (operator)',
    allow: ['operator'],
    request: { body: jsonBody(PlacementsBody) },
    problems: [422],
    responses: { 200: jsonResponse(z.object({ upserted: z.number().int(), removed: z.number().int() }), 'Applied, all or nothing') },
  }),
  async (c) => c.json(await putPlacements(getDb(c.env.DB), c.req.valid('json'), c.get('reactions').relationshipEnded), 200),
);

inventoryRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/placements',
    tags: ['Inventory'],
    summary: 'List placements (operator)',
    allow: ['operator'],
    request: { query: PageQuery.extend({ customerId: z.string().max(100).optional(), serverId: UnitId.optional() }) },
    responses: { 200: jsonResponse(pageSchema(PlacementSchema), 'A page of placements') },
  }),
  async (c) =>
    c.json(await listPage(c.req.valid('query'), (filter, limit, after) => listPlacements(getDb(c.env.DB), filter, limit, after), (p) => cursorOf(p.customerId, p.serverId)), 200),
);

import { createRoute } from '@hono/zod-openapi';
import { authedRoute } from '../auth/route';
import type { PrincipalKind } from '../auth/principal';
import { getPrincipal, keyInsert, listPrincipals, principalInsert } from '../auth/store';
import { getDb } from '../db';
import { bearerSecurity, createRouter, jsonBody, jsonResponse, listPage, PageQuery, pageSchema, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { newProviderSettings } from '../webhooks/endpoints';
import { AccountSchema, PrincipalSchema, RegisterCustomerBody, RegisteredProviderSchema, RegisteredSchema, RegisterProviderBody } from './schema';

export const accountRouter = createRouter();

accountRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/customers',
    tags: ['Principals'],
    summary: 'Register a customer (operator)',
    allow: ['operator'],
    request: { body: jsonBody(RegisterCustomerBody) },
    responses: { 201: jsonResponse(RegisteredSchema, 'The customer and its first API key (shown once)') },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const db = getDb(c.env.DB);
    const kind: PrincipalKind = 'customer';
    const p = principalInsert(db, { kind, ...body });
    const key = await keyInsert(db, p.id, kind, 'first key');
    await db.batch([p.stmt, key.stmt]);
    return c.json({ id: p.id, kind, ...body, apiKey: key.issued }, 201);
  },
);

accountRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/providers',
    tags: ['Principals'],
    summary: 'Register a platform provider (operator)',
    allow: ['operator'],
    request: { body: jsonBody(RegisterProviderBody) },
    responses: { 201: jsonResponse(RegisteredProviderSchema, 'The provider, its first API key and webhook secret (shown once)') },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const db = getDb(c.env.DB);
    const kind: PrincipalKind = 'provider';
    const p = principalInsert(db, { kind, ...body });
    const key = await keyInsert(db, p.id, kind, 'first key');
    const { webhookSecret, stmt: settings } = await newProviderSettings(db, c.env.SECRETS_KEY, p.id);
    await db.batch([p.stmt, key.stmt, settings]);
    return c.json({ id: p.id, kind, ...body, apiKey: key.issued, webhookSecret }, 201);
  },
);

const LISTED = [
  { kind: 'customer', path: '/v1/customers', plural: 'customers' },
  { kind: 'provider', path: '/v1/providers', plural: 'platform providers' },
] as const;

for (const { kind, path, plural } of LISTED) {
  accountRouter.openapi(
    authedRoute({
      method: 'get',
      path,
      tags: ['Principals'],
      summary: `List the registered ${plural} (operator)`,
      description: `A page of ${plural} ordered by id, never their keys or secrets. Pass \`nextCursor\` back as \`cursor\` for the next page; it is null on the last one.`,
      allow: ['operator'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(pageSchema(PrincipalSchema), `A page of ${plural}`) },
    }),
    async (c) => {
      const page = await listPage(
        c.req.valid('query'),
        (_, limit, after) => listPrincipals(getDb(c.env.DB), kind, limit, after),
        (p) => p.id,
        (rows) => rows.map(({ id, kind, name, organisation, serviceLevel, createdAt }) => ({ id, kind, name, organisation, serviceLevel, createdAt })),
      );
      return c.json(page, 200);
    },
  );
}

accountRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/account',
    tags: ['Account'],
    summary: 'Your principal, organisation and service level',
    security: bearerSecurity,
    responses: { 200: jsonResponse(AccountSchema, 'Your account'), ...problemResponses(400, 401) },
  }),
  async (c) => {
    const me = c.get('principal');
    const row = await getPrincipal(getDb(c.env.DB), me.id);
    if (!row) throw problems.notFound('account');
    return c.json(
      {
        id: row.id,
        kind: row.kind,
        name: row.name,
        organisation: row.organisation,
        serviceLevel: row.serviceLevel,
        serverId: row.serverId,
        createdAt: row.createdAt,
        keyId: me.keyId,
      },
      200,
    );
  },
);

/** Composes the API: middleware, error rendering, capability routers and the OpenAPI document. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { accountRouter } from './account/routes';
import { agentReportRouter } from './agent/report-routes';
import { agentTasksRouter } from './agent/task-routes';
import { authenticate } from './auth/middleware';
import { apiKeysRouter } from './account/api-keys';
import type { CatalogReactions } from './catalog/reactions';
import { catalogRouter } from './catalog/routes';
import { sender, startPass } from './compatibility/passes';
import { platformRevised, serversChanged } from './compatibility/recompute';
import { compatibilityRouter } from './compatibility/routes';
import { consoleRouter } from './console/routes';
import { docsRouter } from './docs/routes';
import type { AppEnv } from './env';
import { revokeHeldByFormerProvider } from './hardware/revocation';
import { hardwareRouter } from './hardware/routes';
import type { InventoryReactions } from './inventory/reactions';
import { inventoryRouter } from './inventory/routes';
import { usageRouter } from './usage/routes';
import { readSession } from './http/d1-session';
import { allowedMethods, limitBody, renderError, requireJson } from './http/middleware';
import { API_INTRODUCTION, API_TAGS } from './http/introduction';
import { withOperationDocs } from './http/operation-docs';
import { withOperationIds } from './http/operation-ids';
import { problems } from './http/problem';
import { migrationsRouter } from './migrations/routes';
import { analysisRouter } from './migrations/analysis-routes';
import { sbcRouter } from './sbc/routes';
import { registerWebhooks } from './webhooks/events';
import { webhooksRouter } from './webhooks/routes';

export const app = new OpenAPIHono<AppEnv>();

const reactions: CatalogReactions & InventoryReactions = {
  platformPublished: (db, env, platform) => startPass(db, sender(env.RECOMPUTE), platform),
  platformRevised: (db, env, platform, requirementsChanged) => platformRevised(db, sender(env.RECOMPUTE), platform, requirementsChanged),
  serversChanged: (db, env, ids) => serversChanged(db, env.RECOMPUTE, ids),
  relationshipEnded: revokeHeldByFormerProvider,
};

app.use('*', requestId(), limitBody, async (c, next) => {
  c.set('reactions', reactions);
  await next();
});
app.use('/v1/*', readSession, authenticate, requireJson);

app.get('/healthz', (c) => c.json({ status: 'ok' }));
// A person opening the service's address lands in the console (which asks for a key); the API lives under /v1.
app.get('/', (c) => c.redirect('/console', 302));

app.route('/', accountRouter);
app.route('/', usageRouter);
app.route('/', apiKeysRouter);
app.route('/', inventoryRouter);
app.route('/', catalogRouter);
app.route('/', compatibilityRouter);
app.route('/', docsRouter);
app.route('/', webhooksRouter);
app.route('/', hardwareRouter);
app.route('/', agentReportRouter);
app.route('/', consoleRouter((req, env, ctx) => app.fetch(req, env, ctx)));
app.route('/', migrationsRouter);
app.route('/', agentTasksRouter);
app.route('/', sbcRouter);
app.route('/', analysisRouter);

app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
  type: 'http',
  scheme: 'bearer',
  description: 'An InPlace API key (`inp_…`)',
});

registerWebhooks(app.openAPIRegistry);

const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'InPlace API',
    version: '1.0.0',
    description: API_INTRODUCTION,
    license: { name: 'Proprietary', url: 'https://inplace.invalid/license' },
  },
  servers: [{ url: '/', description: 'This service' }],
  tags: API_TAGS,
};

let openApiDocument: unknown;
app.get('/openapi.json', (c) => c.json((openApiDocument ??= withOperationDocs(withOperationIds(app.getOpenAPI31Document(OPENAPI_CONFIG))))));

const allowed = allowedMethods(app);

app.notFound((c) => {
  const methods = allowed(c.req.path);
  return renderError(methods.length ? problems.methodNotAllowed(methods) : problems.notFound('route'), c);
});

app.onError((err, c) => renderError(err, c));

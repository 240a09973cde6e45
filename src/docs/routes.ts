import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { problems } from '../http/problem';

/** Interactive API docs: Swagger UI, its files bundled into the Worker (see wrangler.toml rules). */
export const docsRouter = new Hono<AppEnv>();

// Loaded on first request only: no isolate pays for Swagger UI's 1.9 MB unless someone opens the docs.
const FILES: Record<string, { load: () => Promise<{ default: string }>; type: string }> = {
  'swagger-ui.css': { load: () => import('swagger-ui-dist/swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { load: () => import('swagger-ui-dist/swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>InPlace API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true, persistAuthorization: false });`;

docsRouter.get('/docs', (c) => c.html(PAGE));
docsRouter.get('/docs/swagger-init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
docsRouter.get('/docs/:file', async (c) => {
  const file = FILES[c.req.param('file')];
  if (!file) throw problems.notFound('document');
  return c.body((await file.load()).default, 200, { 'content-type': file.type, 'cache-control': 'public, max-age=3600' });
});

import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { problems } from '../http/problem';

/** Interactive API docs: Swagger UI served from the Worker's own static assets. */
export const docsRouter = new Hono<AppEnv>();

const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png']);

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>InPlace API</title>
<link rel="icon" href="/docs/favicon-32x32.png">
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
  const file = c.req.param('file');
  if (!ASSETS.has(file)) throw problems.notFound('document');
  const res = await c.env.ASSETS.fetch(new Request(new URL(`/${file}`, c.req.url)));
  if (!res.ok) throw problems.notFound('document');
  return new Response(res.body, { headers: { 'content-type': res.headers.get('content-type') ?? 'application/octet-stream', 'cache-control': 'public, max-age=3600' } });
});

import { Hono } from 'hono';
import type { AppEnv } from '../env';

/**
 * Interactive API docs: the page and its init script; Swagger UI's own files are static assets in
 * front of the Worker (wrangler.toml [assets], copied by scripts/docs-assets.mjs).
 */
export const docsRouter = new Hono<AppEnv>();

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

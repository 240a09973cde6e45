import { createRoute } from '@hono/zod-openapi';
import { allow } from '../auth/middleware';
import { getDb } from '../db';
import { AUTHED, bearerSecurity, createRouter, jsonBody, jsonResponse, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { getEndpoint, setEndpoint } from './endpoints';
import { EndpointSchema, RotatedEndpointSchema, SetEndpointBody } from './schema';
import { checkWebhookUrl } from './ssrf';

export const webhooksRouter = createRouter();

webhooksRouter.openapi(
  createRoute({
    method: 'put',
    path: '/v1/providers/me/webhook',
    tags: ['Webhooks'],
    summary: 'Set your webhook endpoint URL and rotate its signing secret (provider)',
    description:
      'The previous secret keeps signing beside the new one for a day, so receivers can switch without losing messages. A disabled endpoint is re-enabled.',
    security: bearerSecurity,
    middleware: [allow('provider')],
    request: { body: jsonBody(SetEndpointBody) },
    responses: { 200: jsonResponse(RotatedEndpointSchema, 'The endpoint and its new secret (shown once)'), ...problemResponses(...AUTHED, 404, 422) },
  }),
  async (c) => {
    const { url } = c.req.valid('json');
    const check = checkWebhookUrl(url, c.env.ENVIRONMENT);
    if (!check.ok) throw problems.unprocessable('The webhook URL is not allowed.', [{ field: 'url', message: check.reason }]);
    const set = await setEndpoint(getDb(c.env.DB), c.env.SECRETS_KEY, c.get('principal').id, check.url.href, Date.now());
    if (!set) throw problems.notFound('provider settings');
    return c.json({ url: set.url, secret: set.secret, disabledAt: null, previousSecretExpiresAt: set.previousSecretExpiresAt }, 200);
  },
);

webhooksRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/providers/me/webhook',
    tags: ['Webhooks'],
    summary: 'Your webhook endpoint (never its secret)',
    security: bearerSecurity,
    middleware: [allow('provider')],
    responses: { 200: jsonResponse(EndpointSchema, 'The endpoint'), ...problemResponses(...AUTHED, 404) },
  }),
  async (c) => {
    const endpoint = await getEndpoint(getDb(c.env.DB), c.get('principal').id, Date.now());
    if (!endpoint) throw problems.notFound('provider settings');
    return c.json(endpoint, 200);
  },
);

import { authedRoute } from '../auth/route';
import { cursorOf, getDb } from '../db';
import { createRouter, IdParams, jsonBody, jsonResponse, listPage, PageQuery, pageSchema } from '../http/openapi';
import { problems } from '../http/problem';
import { coordinatorFor } from '../lib/coordinator';
import { unwrap } from '../http/outcome';
import { getEndpoint, setEndpoint } from './endpoints';
import { findOwnDelivery, listDeliveries, presentDelivery } from './log';
import { DeliveryListQuery, DeliverySchema, EndpointSchema, RedeliverySchema, RotatedEndpointSchema, SetEndpointBody } from './schema';
import { checkProviderUrl } from '../http/url-policy';

export const webhooksRouter = createRouter();

webhooksRouter.openapi(
  authedRoute({
    method: 'put',
    path: '/v1/providers/me/webhook',
    tags: ['Webhooks'],
    summary: 'Set your webhook endpoint URL and rotate its signing secret (provider)',
    description:
      'The previous secret keeps signing beside the new one for a day, so receivers can switch without losing messages. A disabled endpoint is re-enabled.',
    allow: ['provider'],
    request: { body: jsonBody(SetEndpointBody) },
    problems: [404, 422],
    responses: { 200: jsonResponse(RotatedEndpointSchema, 'The endpoint and its new secret (shown once)') },
  }),
  async (c) => {
    const { url } = c.req.valid('json');
    const check = checkProviderUrl(url, c.env.ENVIRONMENT);
    if (!check.ok) throw problems.unprocessable('The webhook URL is not allowed.', [{ field: 'url', message: check.reason }]);
    const set = await setEndpoint(getDb(c.env.DB), c.env.SECRETS_KEY, c.get('principal').id, check.url.href, Date.now());
    if (!set) throw problems.notFound('provider settings');
    return c.json({ url: set.url, secret: set.secret, disabledAt: null, previousSecretExpiresAt: set.previousSecretExpiresAt }, 200);
  },
);

webhooksRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/providers/me/webhook',
    tags: ['Webhooks'],
    summary: 'Your webhook endpoint (never its secret)',
    allow: ['provider'],
    problems: [404],
    responses: { 200: jsonResponse(EndpointSchema, 'The endpoint') },
  }),
  async (c) => {
    const endpoint = await getEndpoint(getDb(c.env.DB), c.get('principal').id, Date.now());
    if (!endpoint) throw problems.notFound('provider settings');
    return c.json(endpoint, 200);
  },
);

webhooksRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/webhook-deliveries',
    tags: ['Webhooks'],
    summary: 'Your webhook delivery log, newest first (provider)',
    allow: ['provider'],
    request: { query: PageQuery.extend(DeliveryListQuery.shape) },
    responses: { 200: jsonResponse(pageSchema(DeliverySchema), 'A page of deliveries') },
  }),
  async (c) => {
    const page = await listPage(
      c.req.valid('query'),
      (filter, limit, after) => listDeliveries(getDb(c.env.DB), c.get('principal').id, filter, limit, after),
      (d) => cursorOf(d.createdAt, d.id),
      (rows) => rows.map(presentDelivery),
    );
    return c.json(page, 200);
  },
);

webhooksRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/webhook-deliveries/{id}/redeliver',
    tags: ['Webhooks'],
    summary: 'Send one of your deliveries again, as a new delivery with the same webhook-id (provider)',
    allow: ['provider'],
    request: { params: IdParams },
    problems: [404],
    responses: { 202: jsonResponse(RedeliverySchema, 'Queued; it shows in the log as a new delivery') },
  }),
  async (c) => {
    const me = c.get('principal');
    const original = await findOwnDelivery(getDb(c.env.DB), me.id, c.req.valid('param').id);
    if (!original) throw problems.notFound('delivery');
    const copy = unwrap(await coordinatorFor(c.env, original.customerId).redeliver(original.id, me.id));
    return c.json({ id: copy.id, eventId: copy.eventId, state: 'pending' as const }, 202);
  },
);

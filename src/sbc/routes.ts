import { createRoute, z } from '@hono/zod-openapi';
import { allow } from '../auth/middleware';
import type { Principal } from '../auth/principal';
import { AUTHED, bearerSecurity, createRouter, jsonResponse, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { assign, bucketOf } from './assign';
import { coordinatorFor } from '../migrations/coordinator-client';
import { flush } from './outcomes';
import { proxy } from './proxy';
import { CustomerIdParam, RouteDecisionSchema, RouteQuery, TrafficSchema } from './schema';
import { currentSplit } from './split-cache';
import type { TrafficView } from './traffic-state';

export const sbcRouter = createRouter();

/** The operator and the providers of A and B; for reading the traffic, the customer itself too. */
function isParty(p: Principal, view: TrafficView, customerId: string, customerMay: boolean): boolean {
  if (p.kind === 'operator') return true;
  if (p.kind === 'customer') return customerMay && p.id === customerId;
  return p.kind === 'provider' && (view.a?.providerId === p.id || view.b?.providerId === p.id);
}

sbcRouter.all('/sbc/:customerId', proxy);
sbcRouter.all('/sbc/:customerId/*', proxy);

const ProxyParams = z.object({ customerId: CustomerIdParam, path: z.string().openapi({ description: 'Forwarded to the platform as is' }) });
for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
  sbcRouter.openAPIRegistry.registerPath({
    method,
    path: '/sbc/{customerId}/{path}',
    tags: ['Session border controller'],
    summary: 'End-user call, proxied to the platform serving this session (any method)',
    security: [],
    description:
      'Session key: `x-session-id`, else the signed `inplace_sbc` cookie set on the first call. The answer carries `x-inplace-platform` and `x-inplace-side`. ' +
      '`x-inplace-route: A|B` with `x-inplace-key: <operator or involved provider key>` forces a side for smoke tests.',
    request: { params: ProxyParams },
    responses: {
      200: { description: 'Whatever the platform answered' },
      ...problemResponses(403, 404, 502),
    },
  });
}

sbcRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/sbc/route',
    tags: ['Session border controller'],
    summary: 'Routing decision for one call, for external SBCs and load balancers',
    security: bearerSecurity,
    middleware: [allow('operator', 'provider')],
    request: { query: RouteQuery },
    responses: { 200: jsonResponse(RouteDecisionSchema, 'Where this session goes'), ...problemResponses(...AUTHED, 404) },
  }),
  async (c) => {
    const { customerId, session } = c.req.valid('query');
    const view = await currentSplit(c.env, c.executionCtx, customerId);
    if (!view?.a || !isParty(c.get('principal'), view, customerId, false)) throw problems.notFound('customer');
    const bucket = bucketOf(customerId, session);
    const side = assign({ epoch: view.epoch, weightB: view.weightB, hasB: view.b !== null }, bucket);
    const target = side === 'B' && view.b ? view.b : view.a;
    return c.json({ customerId, session, side, platformId: target.platformId, upstreamUrl: target.upstreamUrl, weightB: view.weightB, epoch: view.epoch, bucket }, 200);
  },
);

sbcRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/customers/{customerId}/traffic',
    tags: ['Session border controller'],
    summary: 'Current split and per-platform request and error counts',
    security: bearerSecurity,
    request: { params: z.object({ customerId: CustomerIdParam }) },
    responses: { 200: jsonResponse(TrafficSchema, 'The customer’s traffic'), ...problemResponses(...AUTHED, 404) },
  }),
  async (c) => {
    const { customerId } = c.req.valid('param');
    // What this isolate counted but has not reported yet is reported first (read your own calls).
    await flush(c.env, customerId);
    const report = await coordinatorFor(c.env, customerId).trafficReport(customerId);
    const view = report.view;
    if (!view?.a || !isParty(c.get('principal'), view, customerId, true)) throw problems.notFound('customer');
    return c.json(
      {
        customerId,
        epoch: view.epoch,
        weightB: view.weightB,
        percentB: view.weightB / 100,
        a: view.a,
        b: view.b,
        migrationId: view.migrationId,
        totals: report.totals,
        window: report.window,
      },
      200,
    );
  },
);

import { z } from '@hono/zod-openapi';
import { authedRoute } from '../auth/route';
import type { Principal } from '../auth/principal';
import { createRouter, jsonBody, jsonResponse, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { assign, bucketOf } from './assign';
import { coordinatorFor } from '../lib/coordinator';
import { unwrap, type Outcome } from '../http/outcome';
import type { TrafficReport } from './desk';
import { flush } from './outcomes';
import { proxy } from './proxy';
import { stepErrors } from './schedule';
import { CustomerIdParam, RouteDecisionSchema, RouteQuery, ScheduleBody, TrafficSchema } from './schema';
import { currentSplit, forgetSplit } from './split-cache';
import type { TrafficView } from './traffic-state';
import { percentOf } from './weight';

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
  authedRoute({
    method: 'get',
    path: '/v1/sbc/route',
    tags: ['Session border controller'],
    summary: 'Routing decision for one call, for external SBCs and load balancers',
    allow: ['operator', 'provider'],
    request: { query: RouteQuery },
    problems: [404],
    responses: { 200: jsonResponse(RouteDecisionSchema, 'Where this session goes') },
  }),
  async (c) => {
    const { customerId, session } = c.req.valid('query');
    const view = await currentSplit(c.env, c.executionCtx, customerId);
    if (!view?.a || !isParty(c.get('principal'), view, customerId, false)) throw problems.notFound('customer');
    const bucket = await bucketOf(c.env.SECRETS_KEY, customerId, session);
    const side = assign({ epoch: view.epoch, weightB: view.weightB, hasB: view.b !== null }, bucket);
    const target = side === 'B' && view.b ? view.b : view.a;
    return c.json({ customerId, session, side, platformId: target.platformId, upstreamUrl: target.upstreamUrl, weightB: view.weightB, epoch: view.epoch, bucket }, 200);
  },
);

/** The traffic as the API shows it; `view` is known to be set. */
function present(customerId: string, report: TrafficReport, now = Date.now()) {
  const view = report.view!;
  const s = report.schedule;
  return {
    customerId,
    epoch: view.epoch,
    weightB: view.weightB,
    percentB: percentOf(view.weightB),
    a: view.a,
    b: view.b,
    migrationId: view.migrationId,
    mode: s ? ('schedule' as const) : ('progress' as const),
    schedule: s && {
      steps: s.steps,
      currentStep: s.step,
      status: s.status,
      nextStepAt: s.dueAt,
      pauseLeftSeconds: Math.ceil((s.dueAt === null ? s.remainingMs : Math.max(0, s.dueAt - now)) / 1000),
      setBy: s.setBy,
      setAt: s.setAt,
    },
    totals: report.totals,
    window: report.window,
  };
}

sbcRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/customers/{customerId}/traffic',
    tags: ['Session border controller'],
    summary: 'Current split and per-platform request and error counts',
    request: { params: z.object({ customerId: CustomerIdParam }) },
    problems: [404],
    responses: { 200: jsonResponse(TrafficSchema, 'The customer’s traffic') },
  }),
  async (c) => {
    const { customerId } = c.req.valid('param');
    // What this isolate counted but has not reported yet is reported first (read your own calls).
    await flush(c.env, customerId);
    const report = await coordinatorFor(c.env, customerId).trafficReport(customerId);
    const view = report.view;
    if (!view?.a || !isParty(c.get('principal'), view, customerId, true)) throw problems.notFound('customer');
    return c.json(present(customerId, report), 200);
  },
);

const SCHEDULE_PATH = '/v1/customers/{customerId}/traffic/schedule';
const SCHEDULE_DOC =
  'While a schedule runs, B’s share is the current step’s weight capped by the data migrated (segments done / total), and never goes down. ' +
  'A step’s pause runs only while B holds its weight, the migration is migrating and the schedule is not paused. ' +
  'The cutover waits until the last step (100) has run its pause. Rollback, cancel, failure and the automatic rollback send every session back to A and drop the schedule.';

/** The customer itself or the operator shapes the traffic; another customer gets 404 (nothing says the id exists). */
function changeTraffic(p: Principal, customerId: string): void {
  if (p.kind === 'customer' && p.id !== customerId) throw problems.notFound('customer');
}

function changed(customerId: string, outcome: Outcome<TrafficReport>) {
  const report = unwrap(outcome);
  forgetSplit(customerId);
  return present(customerId, report);
}

sbcRouter.openapi(
  authedRoute({
    method: 'put',
    path: SCHEDULE_PATH,
    tags: ['Session border controller'],
    summary: 'Set or replace the traffic schedule of the customer’s migration (the customer, the operator)',
    description: `Explicit steps of B’s share, like canary steps (e.g. 1, 5, 25, 50, 100 % with pauses), instead of following the data migrated. Once platform B is deployed; a replaced schedule starts again at its first step. ${SCHEDULE_DOC}`,
    allow: ['customer', 'operator'],
    request: { params: z.object({ customerId: CustomerIdParam }), body: jsonBody(ScheduleBody) },
    problems: [404, 409, 422],
    responses: { 200: jsonResponse(TrafficSchema, 'The traffic, now in schedule mode') },
  }),
  async (c) => {
    const { customerId } = c.req.valid('param');
    const me = c.get('principal');
    changeTraffic(me, customerId);
    const { steps } = c.req.valid('json');
    const errors = stepErrors(steps);
    if (errors.length) throw problems.unprocessable('The steps do not make a schedule.', errors);
    const outcome = await coordinatorFor(c.env, customerId).setTrafficSchedule(customerId, steps, { id: me.id, kind: me.kind });
    return c.json(changed(customerId, outcome), 200);
  },
);

sbcRouter.openapi(
  authedRoute({
    method: 'delete',
    path: SCHEDULE_PATH,
    tags: ['Session border controller'],
    summary: 'Drop the traffic schedule: B’s share follows the data migrated again (the customer, the operator)',
    description: 'B’s share catches up with the data migrated at once; with every segment migrated, the migration cuts over.',
    allow: ['customer', 'operator'],
    request: { params: z.object({ customerId: CustomerIdParam }) },
    problems: [404, 409],
    responses: { 200: jsonResponse(TrafficSchema, 'The traffic, now in progress mode') },
  }),
  async (c) => {
    const { customerId } = c.req.valid('param');
    const me = c.get('principal');
    changeTraffic(me, customerId);
    const outcome = await coordinatorFor(c.env, customerId).setTrafficSchedule(customerId, null, { id: me.id, kind: me.kind });
    return c.json(changed(customerId, outcome), 200);
  },
);

const HOLDS = {
  pause: 'Pause the traffic schedule: B keeps its share and the step’s pause stops (the customer, the operator)',
  resume: 'Resume the traffic schedule where its step’s pause stopped (the customer, the operator)',
} as const;

for (const action of ['pause', 'resume'] as const) {
  sbcRouter.openapi(
    authedRoute({
      method: 'post',
      path: `${SCHEDULE_PATH}/${action}`,
      tags: ['Session border controller'],
      summary: HOLDS[action],
      allow: ['customer', 'operator'],
      request: { params: z.object({ customerId: CustomerIdParam }) },
      problems: [404, 409],
      responses: { 200: jsonResponse(TrafficSchema, 'The traffic with its schedule') },
    }),
    async (c) => {
      const { customerId } = c.req.valid('param');
      changeTraffic(c.get('principal'), customerId);
      const outcome = await coordinatorFor(c.env, customerId).holdTrafficSchedule(customerId, action === 'pause');
      return c.json(changed(customerId, outcome), 200);
    },
  );
}

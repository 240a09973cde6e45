/**
 * The declaration every authenticated route repeats, in one place: bearer security, the kinds of
 * principal allowed (403 for the others), and the problem responses (400, 401, 403 always; 413 and
 * 415 on writes, which the body limit and the JSON check answer before the handler; plus the
 * route's own). The rest is `createRoute`'s.
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { AUTHED, BODY_REFUSALS, bearerSecurity, problemResponses } from '../http/openapi';
import { allow as allowOnly } from './middleware';
import type { PrincipalKind } from './principal';

type AuthedRouteConfig = Omit<RouteConfig, 'security' | 'middleware'> & {
  /** Only these kinds of principal may call the route; absent: every authenticated principal. */
  allow?: PrincipalKind[];
  /** Problem statuses the route answers besides 400, 401 and 403 (and 413, 415 on writes). */
  problems?: number[];
};

const WRITES = new Set(['post', 'put', 'patch']);

export function authedRoute<P extends string, R extends Omit<AuthedRouteConfig, 'path'> & { path: P }>({ allow, problems = [], ...route }: R) {
  return createRoute({
    ...route,
    security: bearerSecurity,
    ...(allow ? { middleware: [allowOnly(...allow)] } : {}),
    // Typed as the route's own responses: handlers return those; problems are thrown, not returned.
    responses: { ...route.responses, ...problemResponses(...AUTHED, ...(WRITES.has(route.method) ? BODY_REFUSALS : []), ...problems) } as R['responses'],
  });
}

import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { problems } from '../http/problem';
import { apiClient, type Api, type ApiFetch } from './api';
import { csrfMatches, readSession, type Session } from './session';

export interface ConsoleEnv {
  Bindings: AppEnv['Bindings'];
  Variables: AppEnv['Variables'] & { session: Session; api: Api };
}

/**
 * Every console page but sign-in: a valid session (else to the sign-in page), an API client acting
 * with the session's key, and for writes the session's CSRF token in the form.
 */
export function requireSession(fetcher: ApiFetch) {
  return createMiddleware<ConsoleEnv>(async (c, next) => {
    const session = await readSession(c);
    if (!session) {
      if (c.req.path.startsWith('/console/api/')) throw problems.unauthorized();
      return c.redirect('/console/sign-in', 303);
    }
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (!csrfMatches(session, form._csrf)) throw problems.forbidden('The form has expired; reload the page and try again.');
    }
    c.set('session', session);
    c.set('api', apiClient(fetcher, c.env, c.executionCtx, new URL(c.req.url).origin, session.key, c.get('requestId')));
    await next();
  });
}

/** Only these kinds of principal see the page (others get 403). */
export function consoleFor(...kinds: Session['principal']['kind'][]) {
  return createMiddleware<ConsoleEnv>(async (c, next) => {
    if (!kinds.includes(c.get('session').principal.kind)) throw problems.forbidden('This page is for another role.');
    await next();
  });
}

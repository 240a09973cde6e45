import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { FORM_MAX_BODY_BYTES, MAX_BODY_BYTES } from '../constants';
import type { AppEnv } from '../env';
import { ApiError, problemResponse, problems } from './problem';
import { errorMessage, log } from '../lib/log';

function limitTo(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw problems.payloadTooLarge(maxSize);
    },
  });
}

const limitApiBody = limitTo(MAX_BODY_BYTES);
const limitFormBody = limitTo(FORM_MAX_BODY_BYTES);

/**
 * 413 for bodies over the route's limit before anything reads them: an announced content-length
 * is refused unread, a streamed body is cut off once past the limit. The JSON API takes bulk
 * upserts; everything else (console forms) takes a few fields. The SBC proxy streams end users'
 * bodies to the platform under its own cap.
 */
export const limitBody = createMiddleware<AppEnv>(async (c, next) => {
  const path = c.req.path;
  if (path.startsWith('/sbc/')) return next();
  return (path.startsWith('/v1/') ? limitApiBody : limitFormBody)(c, next);
});

/** Writes to the JSON API must say they send JSON. */
export const requireJson = createMiddleware<AppEnv>(async (c, next) => {
  const method = c.req.method;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    const type = c.req.header('content-type');
    const hasBody = c.req.header('content-length') !== undefined ? c.req.header('content-length') !== '0' : c.req.raw.body !== null;
    if (hasBody && !/^application\/(.+\+)?json\s*(;|$)/i.test(type ?? '')) throw problems.unsupportedMediaType();
  }
  await next();
});

/** Maps anything thrown to problem+json; unknown errors are logged with the request id only. */
export function renderError(err: Error, c: { req: { path: string }; get: (k: 'requestId') => string }): Response {
  const requestId = c.get('requestId');
  let problem: ApiError;
  if (err instanceof ApiError) problem = err;
  else if (err instanceof HTTPException) problem = fromHttpException(err);
  else {
    // Database errors are logged by their cause only: drizzle's own message carries bound values.
    const cause = err.cause instanceof Error ? err.cause : err;
    log('error', 'request.failed', { requestId, message: errorMessage(err), stack: cause.stack });
    problem = problems.internal();
  }
  return problemResponse(problem, c.req.path, requestId);
}

function fromHttpException(err: HTTPException): ApiError {
  switch (err.status) {
    case 400:
      return /json/i.test(err.message) ? problems.malformedJson() : problems.validation([], err.message);
    case 401:
      return problems.unauthorized();
    case 413:
      return problems.payloadTooLarge(MAX_BODY_BYTES);
    case 415:
      return problems.unsupportedMediaType();
    default:
      return new ApiError(err.status as ApiError['status'], 'http', err.message || 'Error');
  }
}

/**
 * Distinguishes 405 from 404 for paths the app does serve under other methods. Built lazily from
 * the app's own route table, so it never drifts from the routes.
 */
export function allowedMethods(app: Hono<AppEnv>) {
  let table: { pattern: RegExp; method: string }[] | null = null;
  return (path: string): string[] => {
    table ??= app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[^/]+/g, '/[^/]+').replace(/\*/g, '.*')}/?$`),
      }));
    const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

/**
 * `ANY /sbc/{customerId}/*`: the end users' path to the customer's services. Per call: one cached
 * split lookup, one hash, one upstream fetch (and an HMAC only when a session cookie must be set or
 * seen for the first time in this isolate); no D1 query and no coordinator call.
 */
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { resolveKey } from '../auth/middleware';
import { SBC_COOKIE, SBC_COOKIE_MAX_AGE_S, SBC_UPSTREAM_TIMEOUT_MS } from '../constants';
import type { AppEnv } from '../env';
import { problems } from '../http/problem';
import { recordUsage } from '../usage/recorder';
import { assign, bucketOf, type Side } from './assign';
import { newSessionId, readCookie, signCookie } from './cookie';
import { downstreamResponseHeaders, SBC_HEADERS, upstreamRequestHeaders } from './headers';
import { recordOutcome } from './outcomes';
import { CustomerIdParam } from './schema';
import { currentSplit } from './split-cache';
import type { TrafficView } from './traffic-state';

const SESSION_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** A smoke-test override to a side, allowed only for the operator and the two providers involved. */
async function override(c: Context<AppEnv>, view: TrafficView): Promise<Side | null> {
  const asked = c.req.header(SBC_HEADERS.route)?.toUpperCase();
  if (!asked) return null;
  const key = c.req.header(SBC_HEADERS.key);
  const principal = key ? await resolveKey(c.env, key) : null;
  const parties = [view.a?.providerId, view.b?.providerId].filter(Boolean);
  if (!principal || !(principal.kind === 'operator' || (principal.kind === 'provider' && parties.includes(principal.id)))) {
    throw problems.forbidden('Only the operator and the providers involved may choose a platform.');
  }
  if (asked !== 'A' && asked !== 'B') throw problems.validation([{ field: `header.${SBC_HEADERS.route}`, message: 'A or B' }]);
  if (asked === 'B' && !view.b) throw problems.conflict('This customer has no platform B at the moment.');
  return asked;
}

export async function proxy(c: Context<AppEnv>): Promise<Response> {
  const customerId = c.req.param('customerId') ?? '';
  if (!CustomerIdParam.safeParse(customerId).success) throw problems.notFound('customer');
  const view = await currentSplit(c.env, c.executionCtx, customerId);
  if (!view?.a) throw problems.notFound('customer');

  const headerSession = c.req.header(SBC_HEADERS.session);
  if (headerSession !== undefined && !SESSION_PATTERN.test(headerSession)) {
    throw problems.validation([{ field: `header.${SBC_HEADERS.session}`, message: '1–128 visible ASCII characters' }]);
  }
  const cookie = await readCookie(c.env.SECRETS_KEY, getCookie(c, SBC_COOKIE));
  const session = headerSession ?? cookie?.session ?? newSessionId();
  const remembered = cookie && cookie.session === session ? cookie : undefined;
  const split = { epoch: view.epoch, weightB: view.weightB, hasB: view.b !== null };
  // The session's own assignment; a smoke-test override serves this call only and is never remembered.
  const assigned = assign(split, bucketOf(customerId, session), remembered);
  const side = (await override(c, view)) ?? assigned;
  const target = side === 'B' && view.b ? view.b : view.a;

  recordUsage(c.env, c.executionCtx, customerId, 'sbc-calls');
  const prefix = `/sbc/${customerId}`;
  const incoming = new URL(c.req.url);
  const upstream = new URL(target.upstreamUrl);
  upstream.pathname = upstream.pathname.replace(/\/$/, '') + (incoming.pathname.slice(prefix.length) || '/');
  upstream.search = incoming.search;
  const method = c.req.method;
  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(upstream, {
      method,
      headers: upstreamRequestHeaders(c.req.raw.headers, SBC_COOKIE, c.req.header('cf-connecting-ip') ?? null, incoming.protocol.replace(':', '')),
      body: method === 'GET' || method === 'HEAD' ? null : c.req.raw.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(SBC_UPSTREAM_TIMEOUT_MS),
    });
  } catch {
    recordOutcome(c.env, c.executionCtx, customerId, { platformId: target.platformId, onB: side === 'B', epoch: view.epoch, status: null, latencyMs: Date.now() - started });
    const err = problems.badGateway(`Platform ${side} did not answer.`);
    return new Response(JSON.stringify(err.body(c.req.path, c.get('requestId'))), {
      status: 502,
      headers: { 'content-type': 'application/problem+json', 'x-request-id': c.get('requestId'), 'x-inplace-platform': target.platformId },
    });
  }
  recordOutcome(c.env, c.executionCtx, customerId, { platformId: target.platformId, onB: side === 'B', epoch: view.epoch, status: res.status, latencyMs: Date.now() - started });

  const headers = downstreamResponseHeaders(res.headers);
  headers.set('x-inplace-platform', target.platformId);
  headers.set('x-inplace-side', side);
  const out = new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  // The cookie carries the session id when the caller sent none, and remembers B for this epoch;
  // remembering A changes nothing (see assign), so a session on A with its own id gets no cookie.
  const rememberedB = remembered?.side === 'B' && remembered.epoch === view.epoch;
  if ((headerSession === undefined && !cookie) || (assigned === 'B' && !rememberedB)) {
    const value = await signCookie(c.env.SECRETS_KEY, { session, side: assigned, epoch: view.epoch });
    c.res = out;
    setCookie(c, SBC_COOKIE, value, {
      path: prefix,
      httpOnly: true,
      secure: c.env.ENVIRONMENT !== 'development' && c.env.ENVIRONMENT !== 'test',
      sameSite: 'Lax',
      maxAge: SBC_COOKIE_MAX_AGE_S,
    });
    return c.res;
  }
  return out;
}

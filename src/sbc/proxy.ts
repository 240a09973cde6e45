/**
 * `ANY /sbc/{customerId}/*`: the end users' path to the customer's services. Per call: one cached
 * split lookup, one upstream fetch, and HMACs only for what this isolate has not seen yet (a
 * session's bucket, a client's id, a session cookie); no D1 query and no coordinator call. The body
 * is streamed with a cap, and every outcome is attributed (attribution.ts) before it is counted.
 */
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { resolveKey } from '../auth/middleware';
import { SBC_COOKIE, SBC_COOKIE_MAX_AGE_S, SBC_MAX_BODY_BYTES, SBC_UPSTREAM_TIMEOUT_MS } from '../constants';
import type { AppEnv } from '../env';
import { ApiError, problemResponse as renderProblem, problems } from '../http/problem';
import { recordUsage } from '../usage/recorder';
import { assign, sessionKey, type Side } from './assign';
import { attribute, type BodyState } from './attribution';
import { meteredBody } from './body';
import { clientAddress, clientTag } from './clients';
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

/**
 * The customer id segment exactly as sent, and what follows it: the path forwarded as is, however
 * the id was encoded (Hono's param is decoded, so its length says nothing about the raw segment).
 */
function splitPath(pathname: string): { rawId: string; rest: string } {
  const after = pathname.slice('/sbc/'.length);
  const slash = after.indexOf('/');
  return slash === -1 ? { rawId: after, rest: '/' } : { rawId: after.slice(0, slash), rest: after.slice(slash) };
}

function bodyProblem(state: BodyState): ApiError | null {
  if (state === 'too-large') return problems.payloadTooLarge(SBC_MAX_BODY_BYTES);
  if (state === 'client-error') return problems.validation([{ field: 'body', message: 'the request body broke off before its end' }], 'The request body did not arrive in full.');
  return null;
}

function problemResponse(err: ApiError, instance: string, requestId: string, platformId: string): Response {
  const out = renderProblem(err, instance, requestId);
  out.headers.set('x-inplace-platform', platformId);
  return out;
}

export async function proxy(c: Context<AppEnv>): Promise<Response> {
  const customerId = c.req.param('customerId') ?? '';
  if (!CustomerIdParam.safeParse(customerId).success) throw problems.notFound('customer');
  const length = c.req.header('content-length');
  const declared = length !== undefined && /^\d{1,16}$/.test(length) ? Number(length) : null;
  if (declared !== null && declared > SBC_MAX_BODY_BYTES) throw problems.payloadTooLarge(SBC_MAX_BODY_BYTES);
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
  const placed = await sessionKey(c.env.SECRETS_KEY, customerId, session);
  // The session's own assignment; a smoke-test override serves this call only and is never remembered.
  const assigned = assign(split, placed.bucket, remembered);
  const overridden = await override(c, view);
  const side = overridden ?? assigned;
  const target = side === 'B' && view.b ? view.b : view.a;
  // End-user calls while B serves feed the analysis; smoke tests and calls outside a shift do not.
  const analysed = view.b && !overridden ? { client: await clientTag(c.env.SECRETS_KEY, clientAddress(c.req.raw.headers, c.env.ENVIRONMENT)), session: placed.tag } : null;

  recordUsage(c.env, c.executionCtx, customerId, 'sbc-calls');
  const requestId = c.get('requestId');
  const incoming = new URL(c.req.url);
  const { rawId, rest } = splitPath(incoming.pathname);
  const upstream = new URL(target.upstreamUrl);
  upstream.pathname = upstream.pathname.replace(/\/$/, '') + rest;
  upstream.search = incoming.search;
  const method = c.req.method;
  const { body, meter } = meteredBody(method === 'GET' || method === 'HEAD' ? null : c.req.raw.body, SBC_MAX_BODY_BYTES, declared);
  const timeout = AbortSignal.timeout(SBC_UPSTREAM_TIMEOUT_MS);
  const started = Date.now();
  const counted = (status: number | null) =>
    recordOutcome(c.env, c.executionCtx, customerId, {
      platformId: target.platformId,
      side,
      epoch: view.epoch,
      attribution: attribute({ status, body: meter.state, timedOut: timeout.aborted }),
      status,
      latencyMs: Date.now() - started,
      analysed,
    });
  let res: Response;
  try {
    res = await fetch(upstream, {
      method,
      headers: upstreamRequestHeaders(c.req.raw.headers, SBC_COOKIE, c.req.header('cf-connecting-ip') ?? null, incoming.protocol.replace(':', ''), requestId),
      body,
      redirect: 'manual',
      signal: timeout,
    });
  } catch {
    counted(null);
    return problemResponse(bodyProblem(meter.state) ?? problems.badGateway(`Platform ${side} did not answer.`), c.req.path, requestId, target.platformId);
  }
  counted(res.status);
  // The body broke or overflowed yet the platform answered (it saw an early end): that answer was to
  // a request the client never made in full, so the client hears why instead.
  const broken = bodyProblem(meter.state);
  if (broken) {
    await res.body?.cancel();
    return problemResponse(broken, c.req.path, requestId, target.platformId);
  }

  const headers = downstreamResponseHeaders(res.headers);
  headers.set('x-inplace-platform', target.platformId);
  headers.set('x-inplace-side', side);
  headers.set('x-request-id', requestId);
  const out = new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  // The cookie carries the session id when the caller sent none, and remembers B for this epoch;
  // remembering A changes nothing (see assign), so a session on A with its own id gets no cookie.
  const rememberedB = remembered?.side === 'B' && remembered.epoch === view.epoch;
  if ((headerSession === undefined && !cookie) || (assigned === 'B' && !rememberedB)) {
    const value = await signCookie(c.env.SECRETS_KEY, { session, side: assigned, epoch: view.epoch });
    c.res = out;
    setCookie(c, SBC_COOKIE, value, {
      // The path as the browser sent it, so the cookie comes back however the id was encoded.
      path: `/sbc/${rawId}`,
      httpOnly: true,
      secure: c.env.ENVIRONMENT !== 'development' && c.env.ENVIRONMENT !== 'test',
      sameSite: 'Lax',
      maxAge: SBC_COOKIE_MAX_AGE_S,
    });
    return c.res;
  }
  return out;
}

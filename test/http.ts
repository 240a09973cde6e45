import type { Paths, Schemas } from '../scripts/lib/api-types';
import { exports } from 'cloudflare:workers';
import { TEST_OPERATOR_KEY } from './keys';

export const OPERATOR = TEST_OPERATOR_KEY;
const BASE = 'http://inplace.test';

/** A request's options: the API key to send (none for null), its body, extra headers. */
export interface CallOptions<Body = unknown> {
  key?: string | null;
  body?: Body;
  headers?: Record<string, string>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// The typed client's whole machinery: the path a test sends (a literal or a template literal type,
// query string dropped) is matched segment by segment against the OpenAPI document's path
// templates, where `{name}` takes any one segment. The reply is then a union over the statuses that
// operation documents, each with its documented body (the JSON schema, or text for other media),
// and the body sent must be the operation's documented JSON request body (none if it takes none).
type Segments<S extends string> = S extends `${infer Head}/${infer Tail}` ? [Head, ...Segments<Tail>] : [S];
type Fits<Sent extends string[], Doc extends string[]> = Sent extends [infer S, ...infer SentRest extends string[]]
  ? Doc extends [infer D, ...infer DocRest extends string[]]
    ? (D extends `{${string}}` ? true : [S] extends [D] ? true : false) extends true
      ? Fits<SentRest, DocRest>
      : false
    : false
  : Doc extends []
    ? true
    : false;
type Content<C> = [keyof C] extends [never] ? string : { [K in keyof C]: K extends `${string}json` ? C[K] : string }[keyof C];
type Json<C> = { [K in keyof C]: K extends `${string}json` ? C[K] : never }[keyof C];
type Replies<R> = { [S in keyof R & number]: { status: S; headers: Headers; body: R[S] extends { content: infer C } ? Content<C> : never } }[keyof R & number];
/** The operations (one, unless two path templates fit) of this method whose path template fits P. */
type Operations<M extends Method, P extends string> = P extends unknown
  ? {
      [T in keyof Paths & string]: Lowercase<M> extends keyof Paths[T]
        ? Fits<Segments<P extends `${infer Path}?${string}` ? Path : P>, Segments<T>> extends true
          ? Paths[T][Lowercase<M> & keyof Paths[T]]
          : never
        : never;
    }[keyof Paths & string]
  : never;
type RepliesOf<O> = O extends { responses: infer R } ? Replies<R> : never;
type RequestOf<O> = O extends { requestBody?: infer B } ? (B extends { content: infer C } ? Json<C> : never) : never;
export type Documented<M extends Method, P extends string> = RepliesOf<Operations<M, P>>;
/** The JSON body the operation takes (never: it takes none). */
export type RequestBody<M extends Method, P extends string> = RequestOf<Operations<M, P>>;

/** A call's options, or (for a path no documented operation of this method matches) an error naming it. */
type Options<M extends Method, P extends string> = [Documented<M, P>] extends [never]
  ? [undocumented: `no ${M} operation in the OpenAPI document matches ${P}; use raw()`]
  : [opts?: CallOptions<RequestBody<M, P>>];

/**
 * A body the operation's document refuses (a field missing, out of range or of the wrong type, a
 * text that is not JSON), sent on purpose to test that refusal: the one way past `call`'s typed
 * body. Each use says why next to it.
 */
export function offSchema(body: unknown): never {
  return body as never;
}

/** What a request the OpenAPI document does not describe answers: any status, an untyped body. */
export interface RawReply {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * One documented operation through the Worker's own fetch handler, on the real bindings. The path
 * must match an operation of the OpenAPI document for this method (else the call does not type
 * check), and the reply's status and body are that operation's documented responses.
 */
export function call<M extends Method, P extends string>(method: M, path: P, ...opts: Options<M, P>): Promise<Documented<M, P>> {
  return raw(method, path, opts[0] as CallOptions | undefined) as Promise<Documented<M, P>>;
}

/** A set-up step: the documented success body of one call; fails with the reply on any other status. */
export async function succeed<M extends Method, P extends string>(method: M, path: P, ...opts: Options<M, P>): Promise<Extract<Documented<M, P>, { status: 200 | 201 | 202 | 204 }>['body']> {
  const reply = await raw(method, path, opts[0] as CallOptions | undefined);
  if (reply.status < 200 || reply.status > 299) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as Extract<Documented<M, P>, { status: 200 | 201 | 202 | 204 }>['body'];
}

/**
 * A request outside the OpenAPI document, on purpose: a route it does not list (health, docs, the
 * document itself), a method a route lacks, or a path built at run time across many routes.
 */
export async function raw(method: string, path: string, opts: CallOptions = {}): Promise<RawReply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await exports.default.fetch(new Request(BASE + path, { method, headers, body }));
  const text = await res.text();
  let parsed: unknown = text;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A raw reply keeps its shape; a documented one narrows to the status asked for. */
type WithStatus<R extends RawReply, S> = number extends R['status'] ? R : Extract<R, { status: S }>;

/** Fails unless the reply has this status (one the operation documents), and narrows its body. */
export function expectStatus<R extends RawReply, S extends R['status']>(reply: R, status: S): asserts reply is WithStatus<R, S> {
  if (reply.status !== status) throw new Error(`expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
}

/** Fails unless the reply has this status; its body, typed as documented for that status. */
export function bodyOf<R extends RawReply, S extends R['status']>(reply: R, status: S): WithStatus<R, S>['body'] {
  expectStatus(reply, status);
  return reply.body;
}

/** Fails unless the reply is a problem+json of this status and type, with a request id. */
export function expectProblem<R extends RawReply, S extends R['status']>(reply: R, status: S, slug: string): asserts reply is WithStatus<R, S> & { body: Schemas['Problem'] } {
  const type = (reply.body as { type?: unknown } | null)?.type;
  if (reply.status !== status || type !== `urn:inplace:problem:${slug}`) {
    throw new Error(`expected ${status} ${slug}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  if (!reply.headers.get('content-type')?.startsWith('application/problem+json')) throw new Error('not problem+json');
  if (!reply.headers.get('x-request-id')) throw new Error('no x-request-id');
}

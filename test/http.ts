import { exports } from 'cloudflare:workers';
import { TEST_OPERATOR_KEY } from './keys';

export const OPERATOR = TEST_OPERATOR_KEY;
const BASE = 'http://inplace.test';

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** One request through the Worker's own fetch handler, on the real bindings. */
export async function call<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<Reply<T>> {
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
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export function expectProblem(reply: Reply, status: number, slug: string) {
  if (reply.status !== status || reply.body?.type !== `urn:inplace:problem:${slug}`) {
    throw new Error(`expected ${status} ${slug}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  if (!reply.headers.get('content-type')?.startsWith('application/problem+json')) throw new Error('not problem+json');
  if (!reply.headers.get('x-request-id')) throw new Error('no x-request-id');
}

/**
 * The console reads and writes through the same HTTP API as everyone else, in process: each call
 * is a Request to the app's own fetch with the signed-in key, so every authorization rule of the
 * API applies to the console unchanged, and usage is counted the same way.
 */
import type { ExecutionContext } from 'hono';
import type { ProblemBody } from '../http/problem';
import type { Env } from '../env';

export type ApiFetch = (req: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

/** An API call that failed: carries the problem document the API answered with. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemBody,
  ) {
    super(problem.detail ?? problem.title);
  }
}

/** A refused API call, for people: the detail and each failing field. */
export function problemText(err: ApiCallError): string {
  const fields = (err.problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return [err.problem.detail ?? err.problem.title, ...fields].join(' · ');
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

export function apiClient(fetcher: ApiFetch, env: Env, ctx: ExecutionContext, origin: string, key: string, requestId: string): Api {
  async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const init: RequestInit = {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        'x-request-id': requestId,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    };
    const res = await fetcher(new Request(new URL(path, origin), init), env, ctx);
    const text = await res.text();
    const data: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) throw new ApiCallError(res.status, data as ProblemBody);
    return data as T;
  }
  return {
    get: (path) => request('GET', path),
    post: (path, body, headers) => request('POST', path, body ?? {}, headers),
    put: (path, body) => request('PUT', path, body),
    delete: (path) => request('DELETE', path),
  };
}

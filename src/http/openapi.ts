/**
 * The one way routers are built: an OpenAPIHono whose validation failures become problem+json
 * (400, one entry per failing field), plus the shared OpenAPI pieces every route reuses.
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '../constants';
import type { AppEnv } from '../env';
import { base64url, fromBase64url } from '../lib/encoding';
import { problems, type FieldError } from './problem';

function fieldErrors(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw problems.validation(fieldErrors(result.error, result.target));
    },
  });
}

const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:inplace:problem:validation' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (fields listed in `errors`)',
  401: 'Missing, unknown or revoked API key',
  403: 'The key may not perform this operation',
  404: 'No such object visible to the caller',
  409: 'Conflicts with the current state',
  410: 'No longer available',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Well-formed but not acceptable',
  429: 'Too many requests',
  502: 'Upstream failed',
};

/** OpenAPI response entries for the listed problem statuses. */
export function problemResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }> = {};
  for (const status of statuses) {
    out[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }
  return out;
}

/** The statuses every authenticated route can answer with. */
export const AUTHED = [400, 401, 403] as const;

/** What a write under /v1 can answer before its handler: a body over the limit, a body not JSON. */
export const BODY_REFUSALS = [413, 415] as const;

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, content: { 'application/json': { schema } }, ...(description ? { description } : {}) };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export const bearerSecurity = [{ bearer: [] }];

/** The path parameter of every `/{id}` route. */
export const IdParams = z.object({ id: z.string().max(100) });

/** Cursor pagination shared by every list. The cursor is opaque to clients. */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_LIMIT_MAX)
    .default(PAGE_LIMIT_DEFAULT)
    .openapi({ description: `Page size (1–${PAGE_LIMIT_MAX})` }),
  cursor: z.string().max(200).optional().openapi({ description: 'The `nextCursor` of the previous page' }),
});

function encodeCursor(value: string): string {
  return base64url(value);
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(fromBase64url(cursor));
  } catch {
    throw problems.validation([{ field: 'query.cursor', message: 'Not a cursor this API issued' }]);
  }
}

/** A page of `item`s: the one list shape of the API. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * The one list handler. `list` reads up to `limit + 1` rows after the query's cursor (keyset
 * conditions from src/db.ts); the page is the first `limit` of them, its `nextCursor` the opaque key
 * of the last one, and `present` shapes the page's rows for the response.
 */
export async function listPage<Q extends { limit: number; cursor?: string }, T, U = T>(
  query: Q,
  list: (filter: Omit<Q, 'limit' | 'cursor'>, limit: number, after: string | undefined) => Promise<T[]>,
  keyOf: (row: T) => string,
  present: (rows: T[]) => U[] | Promise<U[]> = (rows) => rows as unknown as U[],
): Promise<Page<U>> {
  const { limit, cursor, ...filter } = query;
  const rows = await list(filter, limit, decodeCursor(cursor));
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { items: await present(page), nextCursor: hasMore && last ? encodeCursor(keyOf(last)) : null };
}

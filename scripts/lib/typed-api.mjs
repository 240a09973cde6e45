// @ts-check
// The typed API client: one call per operation of the OpenAPI document, by operationId, with the
// path, query, body and response types generated into api-types.d.ts (npm run gen:api). Errors come
// back as problem+json and are thrown as ApiError (scripts/lib/api.mjs) with the problem attached.
import { ApiError } from './api.mjs';
import { OPERATIONS } from './api-operations.mjs';

/** @typedef {import('./api-types.js').Operations} Operations */
/** @typedef {import('./api-types.js').Schemas} Schemas */

/**
 * @template {keyof Operations} K
 * @typedef {{ path?: Operations[K]['path']; query?: Operations[K]['query']; body?: Operations[K]['body']; headers?: Record<string, string> }} Input
 */

/** @param {string} baseUrl @param {string | undefined} key */
export function typedClient(baseUrl, key) {
  /**
   * @template {keyof Operations} K
   * @param {K} operation
   * @param {Input<K>} [input]
   * @returns {Promise<Operations[K]['response']>}
   */
  async function call(operation, input = {}) {
    const [method, template] = OPERATIONS[operation];
    const pathParams = /** @type {Record<string, string>} */ (input.path ?? {});
    const url = new URL(template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(pathParams[name] ?? '')), baseUrl);
    for (const [name, value] of Object.entries(input.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const res = await fetch(url, {
      method: method.toUpperCase(),
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...input.headers,
      },
      body: input.body !== undefined ? JSON.stringify(input.body) : undefined,
    });
    const text = await res.text();
    const data = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text || null;
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
  return { call };
}

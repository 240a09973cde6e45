/**
 * What coordinator RPC methods return instead of throwing (an exception thrown across RPC loses its
 * type, and trips the test runner): a value, or a refusal the Worker renders through the problem
 * factories. A refusal names either what does not exist (404) or why the change is refused.
 */
import { ApiError, problems, type FieldError } from './problem';

export type Refusal = { ok: false; status: 404; missing: string } | { ok: false; status: 403 | 409 | 422; detail: string; errors?: FieldError[] };
export type Outcome<T> = { ok: true; value: T } | Refusal;

/** Nothing by that name for this caller (the same whether it exists elsewhere or not). */
export const missing = (what: string): Refusal => ({ ok: false, status: 404, missing: what });

export const refusal = (status: 403 | 409 | 422, detail: string, errors?: FieldError[]): Refusal => ({ ok: false, status, detail, ...(errors ? { errors } : {}) });

function toProblem(r: Refusal): ApiError {
  switch (r.status) {
    case 404:
      return problems.notFound(r.missing);
    case 403:
      return problems.forbidden(r.detail);
    case 409:
      return problems.conflict(r.detail);
    case 422:
      return problems.unprocessable(r.detail, r.errors);
  }
}

export function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  throw toProblem(o);
}

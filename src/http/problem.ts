/**
 * RFC 9457 problem details. Every error the API returns is built by one of the factories below,
 * each with a stable `type` URN, and rendered by `renderProblem` from the app's one `onError`.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface FieldError {
  /** Dotted path of the failing field inside the body, query or path (`servers.3.rackId`). */
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

const TYPE_PREFIX = 'urn:inplace:problem:';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  /** A problem the API answered (read back by the console), passed on as it is. */
  static from(body: ProblemBody): ApiError {
    return new ApiError(body.status as ContentfulStatusCode, body.type.slice(TYPE_PREFIX.length), body.title, body.detail, body.errors);
  }

  get type(): string {
    return TYPE_PREFIX + this.slug;
  }

  body(instance: string, requestId: string): ProblemBody {
    const body: ProblemBody = { type: this.type, title: this.title, status: this.status };
    if (this.detail) body.detail = this.detail;
    if (this.errors?.length) body.errors = this.errors;
    body.instance = instance;
    body.requestId = requestId;
    return body;
  }
}

export const problems = {
  validation: (errors: FieldError[], detail = 'The request has invalid fields.') =>
    new ApiError(400, 'validation', 'Invalid request', detail, errors),
  malformedJson: () => new ApiError(400, 'malformed-json', 'Malformed JSON', 'The body is not valid JSON.'),
  unauthorized: () =>
    new ApiError(401, 'unauthorized', 'Unauthorized', 'A valid API key is required.', undefined, {
      'www-authenticate': 'Bearer realm="inplace"',
    }),
  forbidden: (detail = 'Your key may not perform this operation.') =>
    new ApiError(403, 'forbidden', 'Forbidden', detail),
  /** The same for every reason a hardware ID is refused; the precise reason goes to logs only. */
  hardwareIdRefused: (errors: FieldError[]) =>
    new ApiError(
      403,
      'hardware-id-refused',
      'Hardware ID not accepted',
      'A hardware ID is not valid for you: it may be malformed, expired, revoked, used up or meant for someone else.',
      errors,
    ),
  notFound: (what = 'resource') => new ApiError(404, 'not-found', 'Not found', `No such ${what}.`),
  methodNotAllowed: (allow: string[]) =>
    new ApiError(405, 'method-not-allowed', 'Method not allowed', `Allowed: ${allow.join(', ')}.`, undefined, {
      allow: allow.join(', '),
    }),
  conflict: (detail: string) => new ApiError(409, 'conflict', 'Conflict', detail),
  gone: (detail: string) => new ApiError(410, 'gone', 'Gone', detail),
  payloadTooLarge: (limit: number) =>
    new ApiError(413, 'payload-too-large', 'Payload too large', `The body exceeds ${limit} bytes.`),
  unsupportedMediaType: () =>
    new ApiError(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json.'),
  unprocessable: (detail: string, errors?: FieldError[]) =>
    new ApiError(422, 'unprocessable', 'Unprocessable request', detail, errors),
  tooManyRequests: (detail: string) => new ApiError(429, 'too-many-requests', 'Too many requests', detail),
  internal: () => new ApiError(500, 'internal', 'Internal error', 'The request failed; quote the request id.'),
  badGateway: (detail: string) => new ApiError(502, 'bad-gateway', 'Bad gateway', detail),
};

export function problemResponse(err: ApiError, instance: string, requestId: string): Response {
  return new Response(JSON.stringify(err.body(instance, requestId)), {
    status: err.status,
    headers: { 'content-type': 'application/problem+json', 'x-request-id': requestId, ...err.headers },
  });
}

// A small client for the InPlace API, shared by the scripts (start, seed, bench, simulator, CLI).
// Errors come back as problem+json; they are thrown as ApiError with the problem attached.

export class ApiError extends Error {
  constructor(status, problem) {
    super(`${status} ${problem?.title ?? ''}${problem?.detail ? `: ${problem.detail}` : ''}${problem?.errors ? ` ${JSON.stringify(problem.errors)}` : ''}`);
    this.status = status;
    this.problem = problem;
  }
}

export function client(baseUrl, key) {
  async function request(method, path, body, headers = {}) {
    const res = await fetch(new URL(path, baseUrl), {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const data = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
  return {
    get: (path, headers) => request('GET', path, undefined, headers),
    post: (path, body, headers) => request('POST', path, body, headers),
    put: (path, body, headers) => request('PUT', path, body, headers),
    patch: (path, body, headers) => request('PATCH', path, body, headers),
    del: (path, headers) => request('DELETE', path, undefined, headers),
    as: (otherKey) => client(baseUrl, otherKey),
  };
}

/** Polls /healthz until the service answers or the deadline passes. */
export async function waitForHealthy(baseUrl, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(new URL('/healthz', baseUrl));
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${baseUrl} did not become healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Calls `fn` every `everyMs` until it returns something truthy (returned), or throws after `timeoutMs`. */
export async function until(what, fn, timeoutMs = 60_000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

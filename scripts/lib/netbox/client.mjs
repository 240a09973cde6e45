// @ts-check
// A read-only client for NetBox's REST API: `Authorization: Token …`, LimitOffset pagination that
// follows each page's `next` link, at most `concurrency` requests in flight, and retries with
// exponential backoff (honouring Retry-After) on 429, 5xx and network failures. The token is only
// ever put in the request header: no message, error or log line carries it.
import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';

/** NetBox's default MAX_PAGE_SIZE; a NetBox configured lower answers smaller pages and `next` still leads on. */
const NETBOX_PAGE_SIZE = 1000;
const NETBOX_CONCURRENCY = 4;
const NETBOX_RETRIES = 5;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;
/** Longest Retry-After honoured; a longer one is capped so an import never stalls for hours. */
const RETRY_AFTER_MAX_MS = 60_000;

/** NetBox answered with an error that retrying does not fix (or retries ran out). */
class NetBoxError extends Error {
  /** @param {number} status @param {string} path @param {string} message */
  constructor(status, path, message) {
    super(message);
    this.status = status;
    this.path = path;
  }
}

/** What to tell the operator for a refused request; NetBox's own `detail` is kept (it never echoes the token). */
function explain(/** @type {number} */ status, /** @type {string} */ path, /** @type {string} */ detail) {
  const said = detail ? ` (NetBox said: ${detail})` : '';
  if (status === 401) return `NetBox refused the token for ${path}: 401 Unauthorized${said}. Check --netbox-token (or NETBOX_TOKEN).`;
  if (status === 403)
    return `NetBox refused the token for ${path}: 403 Forbidden${said}. The token needs read permission on dcim sites, locations, racks, devices and interfaces, and on ipam ip-addresses.`;
  if (status === 404) return `NetBox has no ${path} (404): is --netbox-url the NetBox base URL (without /api)?`;
  return `NetBox answered ${status} for ${path}${said}.`;
}

/** @param {Response} res */
async function detailOf(res) {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    return typeof body?.detail === 'string' ? body.detail : '';
  } catch {
    return '';
  }
}

/** Retry-After in ms (seconds or an HTTP date), or null. @param {Response} res */
function retryAfterMs(res) {
  const value = res.headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), RETRY_AFTER_MAX_MS) : null;
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {string} baseUrl NetBox's base URL, e.g. https://netbox.example.com (a path prefix is kept)
 * @param {string} token an API token (v1 `0123…` or v2 `nbt_…`; sent as `Token …` or `Bearer …` accordingly)
 * @param {{ concurrency?: number, retries?: number, pageSize?: number, onRetry?: (message: string) => void }} [options]
 */
export function netboxClient(baseUrl, token, { concurrency = NETBOX_CONCURRENCY, retries = NETBOX_RETRIES, pageSize = NETBOX_PAGE_SIZE, onRetry = () => {} } = {}) {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const limit = pLimit(concurrency);
  // NetBox 4.5's v2 tokens (nbt_<key>.<secret>) are sent as Bearer; the classic 40-hex ones as Token.
  const authorization = token.startsWith('nbt_') ? `Bearer ${token}` : `Token ${token}`;

  /**
   * A path under the base URL. A `next` link is absolute and built from the Host NetBox saw, which
   * behind a proxy can differ from ours: its path and query are taken onto our own base, so the
   * token only ever goes to the URL the operator gave.
   * @param {string} pathOrLink
   */
  function resolve(pathOrLink) {
    if (/^https?:/i.test(pathOrLink)) {
      const link = new URL(pathOrLink);
      const at = link.pathname.indexOf('/api/');
      return new URL(`${link.pathname.slice(at >= 0 ? at + 1 : 1)}${link.search}`, base);
    }
    return new URL(pathOrLink.replace(/^\//, ''), base);
  }

  /** One GET, retried on 429/5xx and network errors. @param {URL} url */
  async function get(url) {
    const shown = url.pathname;
    return pRetry(
      async () => {
        const res = await fetch(url, { headers: { authorization, accept: 'application/json' } });
        if (res.ok) return res.json();
        if (res.status === 429 || res.status >= 500) {
          const wait = retryAfterMs(res);
          await res.body?.cancel();
          if (wait !== null) await sleep(wait);
          throw new NetBoxError(res.status, shown, explain(res.status, shown, ''));
        }
        throw new AbortError(new NetBoxError(res.status, shown, explain(res.status, shown, await detailOf(res))));
      },
      {
        retries,
        minTimeout: RETRY_MIN_MS,
        maxTimeout: RETRY_MAX_MS,
        factor: 2,
        randomize: true,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft > 0) onRetry(`NetBox ${shown}: ${error.message} (attempt ${attemptNumber}, retrying)`);
        },
      },
    ).catch((err) => {
      if (err instanceof NetBoxError) throw err;
      // fetch() failed: say where, never with the request's headers.
      const cause = /** @type {{ cause?: { code?: string } }} */ (err).cause?.code ?? err.message;
      throw new NetBoxError(0, shown, `NetBox at ${base.origin} is not reachable (${cause}).`);
    });
  }

  /**
   * Every object of a list endpoint, following `next` until it is null.
   * @param {string} path e.g. api/dcim/devices/
   * @param {Record<string, string | number | boolean | (string | number)[] | undefined>} [query]
   * @param {(loaded: number, total: number) => void} [onPage]
   * @returns {Promise<any[]>}
   */
  async function list(path, query = {}, onPage = () => {}) {
    const url = resolve(path);
    url.searchParams.set('limit', String(pageSize));
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
    }
    const items = [];
    /** @type {URL | null} */
    let next = url;
    while (next) {
      const page = await limit(() => get(/** @type {URL} */ (next)));
      items.push(...page.results);
      onPage(items.length, page.count);
      next = page.next ? resolve(page.next) : null;
    }
    return items;
  }

  return { list, origin: base.origin };
}

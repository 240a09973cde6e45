/** Console test helpers: sign in through the form and carry the session cookie like a browser. */
import { exports } from 'cloudflare:workers';

export const ORIGIN = 'http://inplace.test';

export interface Page {
  status: number;
  headers: Headers;
  html: string;
}

/** One console request, with the cookie and same-origin headers a browser would send. */
export async function visit(path: string, opts: { cookie?: string; form?: Record<string, string>; origin?: string | null; base?: string } = {}): Promise<Page> {
  const base = opts.base ?? ORIGIN;
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  let body: string | undefined;
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    if (opts.origin !== null) headers.origin = opts.origin ?? base;
    body = new URLSearchParams(opts.form).toString();
  }
  const res = await exports.default.fetch(new Request(base + path, { method: opts.form ? 'POST' : 'GET', headers, body, redirect: 'manual' }));
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** `name=value` of the session cookie a response set. */
export function cookieOf(page: Page): string {
  const set = page.headers.get('set-cookie') ?? '';
  const pair = set.split(';')[0] ?? '';
  if (!pair.includes('=')) throw new Error(`no cookie set: ${page.status} ${page.html.slice(0, 200)}`);
  return pair;
}

export async function signIn(key: string, base?: string): Promise<string> {
  const page = await visit('/console/sign-in', { form: { key }, ...(base ? { base } : {}) });
  if (page.status !== 303) throw new Error(`sign-in: ${page.status}`);
  return cookieOf(page);
}

export function csrfOf(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]+)"/);
  if (!match?.[1]) throw new Error('no CSRF token in the page');
  return match[1];
}

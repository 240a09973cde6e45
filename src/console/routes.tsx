/**
 * The web console under /console: server-rendered pages (Hono JSX) over the same API, a session
 * cookie instead of a bearer header, forms protected against CSRF (Origin/Sec-Fetch-Site check plus
 * a per-session synchronizer token), and a strict Content-Security-Policy (no inline script/style).
 */
import { Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { renderError } from '../http/middleware';
import { ApiError } from '../http/problem';
import { errorMessage, log } from '../lib/log';
import { ApiCallError, type ApiFetch } from './api';
import { requireSession, type ConsoleEnv } from './context';
import { customerPages } from './customer';
import { handoffPages } from './handoff';
import { checkPages } from './provider-check';
import { migrationPages } from './migrations';
import { Layout, Notice } from './layout';
import { operatorPages } from './operator';
import { operatorViews } from './operator-views';
import { providerPages } from './provider';
import { readSession, signIn, signOut } from './session';
import { SCRIPT } from './script';
import { CSS } from './styles';
import { usagePages } from './usage';

const HOME = { customer: '/console/customer', provider: '/console/provider', operator: '/console/operator' } as const;

const securityHeaders = createMiddleware(async (c, next) => {
  await next();
  c.header(
    'content-security-policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'no-referrer');
  c.header('x-frame-options', 'DENY');
  if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
});

const ASSETS: Record<string, { body: string; type: string }> = {
  'console.css': { body: CSS, type: 'text/css; charset=utf-8' },
  'console.js': { body: SCRIPT, type: 'text/javascript; charset=utf-8' },
};

const SignInPage = ({ error }: { error?: string }) => (
  <Layout title="Sign in">
    <section class="signin">
      <p>Sign in with one of your InPlace API keys. It is kept only in an encrypted, HttpOnly session cookie for this browser.</p>
      {error ? <Notice kind="error">{error}</Notice> : null}
      <form method="post" action="/console/sign-in">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required />
        <p>
          <button type="submit" class="primary">
            Sign in
          </button>
        </p>
      </form>
    </section>
  </Layout>
);

export function consoleRouter(fetcher: ApiFetch) {
  const router = new Hono<ConsoleEnv>();
  router.use('/console/*', securityHeaders, csrf());

  router.get('/console/assets/:file', (c) => {
    const asset = ASSETS[c.req.param('file')];
    if (!asset) return c.text('Not found', 404);
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=300' });
  });

  router.get('/console/sign-in', async (c) => {
    const session = await readSession(c);
    if (session && session.principal.kind !== 'agent') return c.redirect(HOME[session.principal.kind], 303);
    return c.html(<SignInPage />);
  });

  router.post('/console/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === 'string' ? form.key.trim() : '';
    const principal = await signIn(c, key);
    if (!principal || principal.kind === 'agent') return c.html(<SignInPage error="That key was not accepted. Use a live operator, provider or customer key." />, 401);
    return c.redirect(HOME[principal.kind], 303);
  });

  const pages = new Hono<ConsoleEnv>();
  pages.use('*', requireSession(fetcher));
  pages.get('/', (c) => {
    const kind = c.get('session').principal.kind;
    return c.redirect(kind === 'agent' ? '/console/sign-in' : HOME[kind], 303);
  });
  pages.post('/sign-out', (c) => {
    signOut(c);
    return c.redirect('/console/sign-in', 303);
  });
  pages.route('/', usagePages);
  pages.route('/', customerPages);
  pages.route('/', handoffPages);
  pages.route('/', checkPages);
  pages.route('/', migrationPages);
  pages.route('/', providerPages);
  pages.route('/', operatorPages);
  pages.route('/', operatorViews);
  router.route('/console', pages);

  router.all('/console/*', (c) => c.html(<ErrorPage status={404} title="Not found" detail="No such console page." />, 404));

  router.onError((err, c) => {
    if (err instanceof ApiCallError && err.status === 401) {
      signOut(c);
      return c.redirect('/console/sign-in', 303);
    }
    // The console's JSON (the live view's polls) answers errors as the API does: problem+json.
    if (c.req.path.startsWith('/console/api/')) return renderError(err instanceof ApiCallError ? ApiError.from(err.problem) : err, c);
    const status = err instanceof ApiCallError || err instanceof ApiError || err instanceof HTTPException ? err.status : 500;
    if (status === 500) log('error', 'console.failed', { requestId: c.get('requestId'), message: errorMessage(err) });
    const detail = status === 500 ? 'Something went wrong; quote the request id.' : err instanceof HTTPException ? 'The request was refused.' : err.message;
    return c.html(<ErrorPage status={status} title={status === 403 ? 'Not allowed' : 'Something went wrong'} detail={detail} requestId={c.get('requestId')} />, status as 400);
  });
  return router;
}

const ErrorPage = ({ status, title, detail, requestId }: { status: number; title: string; detail: string; requestId?: string }) => (
  <Layout title={title}>
    <Notice kind="error">{detail}</Notice>
    <p class="muted">
      {`HTTP ${status}`}
      {requestId ? ` · request ${requestId}` : ''} · <a href="/console">Back to the console</a>
    </p>
  </Layout>
);

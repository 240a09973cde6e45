/** The console's page shell and small shared pieces. Pure JSX: no client script needed to render. */
import type { Child, FC, PropsWithChildren } from 'hono/jsx';
import type { Principal, PrincipalKind } from '../auth/principal';
import { formatMicros } from '../usage/billing';

const NAV: Record<Exclude<PrincipalKind, 'agent'>, { href: string; label: string }[]> = {
  customer: [
    { href: '/console/customer', label: 'Hardware & platforms' },
    { href: '/console/customer/hand-off', label: 'Hand-off' },
    { href: '/console/customer/migrations', label: 'Migrations' },
    { href: '/console/usage', label: 'Usage & billing' },
  ],
  provider: [
    { href: '/console/provider', label: 'Platforms & requests' },
    { href: '/console/provider/check', label: 'Check hardware IDs' },
    { href: '/console/provider/webhooks', label: 'Webhook deliveries' },
    { href: '/console/usage', label: 'Usage & billing' },
  ],
  operator: [
    { href: '/console/operator', label: 'Map' },
    { href: '/console/operator/inventory', label: 'Inventory' },
    { href: '/console/operator/migrations', label: 'Migrations' },
    { href: '/console/operator/agents', label: 'Agent flags' },
    { href: '/console/operator/principals', label: 'Accounts' },
    { href: '/console/operator/reconciliation', label: 'Reconciliation' },
    { href: '/console/usage', label: 'Usage' },
  ],
};

export interface PageProps {
  title: string;
  /** Absent on the sign-in and error pages. */
  principal?: Principal;
  csrf?: string;
  path?: string;
  /** Pages with live parts load the console script. */
  script?: boolean;
}

export const Layout: FC<PropsWithChildren<PageProps>> = ({ title, principal, csrf, path, script, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · InPlace console`}</title>
      <link rel="stylesheet" href="/console/assets/console.css" />
      <link rel="icon" href="data:," />
      {script ? <script src="/console/assets/console.js" defer></script> : null}
    </head>
    <body>
      <header class="top">
        <a class="brand" href="/console">
          InPlace <span>console</span>
        </a>
        {principal && principal.kind !== 'agent' ? (
          <nav>
            {NAV[principal.kind].map((item) => (
              <a href={item.href} class={path === item.href ? 'active' : ''}>
                {item.label}
              </a>
            ))}
          </nav>
        ) : null}
        {principal ? (
          <form method="post" action="/console/sign-out" class="who">
            <span title={principal.id}>
              {principal.name} · <em>{principal.kind}</em>
            </span>
            <CsrfField token={csrf ?? ''} />
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        ) : null}
      </header>
      <main>
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

export const CsrfField: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />;

export const Notice: FC<PropsWithChildren<{ kind?: 'info' | 'error' | 'ok' }>> = ({ kind = 'info', children }) => (
  <p class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    {children}
  </p>
);

export const Section: FC<PropsWithChildren<{ title: string; id?: string; aside?: Child }>> = ({ title, id, aside, children }) => (
  <section id={id}>
    <div class="section-head">
      <h2>{title}</h2>
      {aside}
    </div>
    {children}
  </section>
);

export function when(ms: number | null | undefined): string {
  if (!ms) return '—';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

export function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)}%` : '—';
}

/** Money for people: the exact micro-unit amount, without trailing zeros past the cents. */
export function money(micros: number): string {
  const [whole = '0', fraction = ''] = formatMicros(micros).split('.');
  return `${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}

/** A one-button form that POSTs to `action` with the session's CSRF token. */
export const ActionButton: FC<{ action: string; csrf: string; step: string; label: string; primary?: boolean; hidden?: boolean }> = ({ action, csrf, step, label, primary, hidden }) => (
  <form method="post" action={action} hidden={hidden}>
    <CsrfField token={csrf} />
    <button type="submit" class={primary ? 'primary' : 'secondary'} data-step={step}>
      {label}
    </button>
  </form>
);

/**
 * A GET form of labelled choices that re-renders the page it names (filters, map colouring). Each
 * choice lists `[value, label]` options; `any` adds a first, empty choice with that label.
 */
export const ChoiceForm: FC<{
  action: string;
  submit: string;
  choices: { name: string; label: string; options: readonly (readonly [string, string])[]; selected?: string; any?: string }[];
}> = ({ action, submit, choices }) => (
  <form method="get" action={action} class="controls">
    {choices.map((ch) => (
      <div>
        <label for={ch.name}>{ch.label}</label>
        <select name={ch.name} id={ch.name}>
          {ch.any !== undefined ? <option value="">{ch.any}</option> : null}
          {ch.options.map(([value, label]) => (
            <option value={value} selected={value === ch.selected}>
              {label}
            </option>
          ))}
        </select>
      </div>
    ))}
    <button type="submit" class="secondary">
      {submit}
    </button>
  </form>
);

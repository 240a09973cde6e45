/** The provider's pages: its platforms, incoming migration requests, webhook endpoint and deliveries. */
import { Hono, type Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { PlatformT } from '../catalog/schema';
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '../constants';
import { DELIVERY_STATES } from '../lib/lifecycle';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events';
import type { DeliverySchema, EndpointSchema, RedeliverySchema, RotatedEndpointSchema } from '../webhooks/schema';
import { ApiCallError, problemText } from './api';
import { PlatformTable } from './catalog';
import { consoleFor, type ConsoleEnv } from './context';
import { ActionButton, ChoiceForm, CsrfField, Layout, Notice, Section, when } from './layout';
import { myMigrations, platformNames } from './migrations';
import { MigrationTable, stepsFor } from './migration-view';

export const providerPages = new Hono<ConsoleEnv>();
providerPages.use('/provider', consoleFor('provider'));
providerPages.use('/provider/*', consoleFor('provider'));

providerPages.get('/provider', async (c) => {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const [platforms, migrations, name] = await Promise.all([
    api.get<{ items: PlatformT[] }>(`/v1/platforms?providerId=${encodeURIComponent(principal.id)}&limit=${PAGE_LIMIT_MAX}`),
    myMigrations(api),
    platformNames(api),
  ]);
  const incoming = migrations.filter((m) => stepsFor(m, principal.kind, principal.id).includes('accept'));
  return c.html(
    <Layout title={`${principal.name}: platforms & requests`} principal={principal} csrf={csrf} path="/console/provider">
      <Section title={`Incoming migration requests (${incoming.length})`}>
        {incoming.length === 0 ? (
          <Notice>No customer is waiting for you to accept a migration.</Notice>
        ) : (
          <table data-table="incoming">
            <thead>
              <tr>
                <th>Customer</th>
                <th>From → to</th>
                <th>Scope</th>
                <th>Requested</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {incoming.map((m) => (
                <tr data-migration={m.id}>
                  <td class="mono">{m.customerId}</td>
                  <td>{`${name(m.source.platformId)} → ${name(m.target.platformId)}`}</td>
                  <td>{m.scope}</td>
                  <td>{when(m.createdAt)}</td>
                  <td>
                    <ActionButton action={`/console/provider/migrations/${m.id}/accept`} csrf={csrf} step="accept" label="Accept" primary />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Migrations you take part in">
        <MigrationTable items={migrations} base="/console/provider/migrations" platformName={name} />
      </Section>
      <Section title={`Your platforms (${platforms.items.length})`}>
        {platforms.items.length ? <PlatformTable platforms={platforms.items} mine /> : <Notice>No platforms yet: publish one with POST /v1/platforms.</Notice>}
      </Section>
    </Layout>,
  );
});

interface DeliveryFilter {
  state: string;
  eventType: string;
  cursor: string;
}

/** The delivery log a page at a time, filtered by state and event type; the endpoint, settable here (its new secret shown once). */
async function webhooksPage(c: Context<ConsoleEnv>, rotated: { secret: string } | null, error: string | null) {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const filter: DeliveryFilter = {
    state: (DELIVERY_STATES as readonly string[]).includes(c.req.query('state') ?? '') ? (c.req.query('state') ?? '') : '',
    eventType: (WEBHOOK_EVENT_TYPES as readonly string[]).includes(c.req.query('eventType') ?? '') ? (c.req.query('eventType') ?? '') : '',
    cursor: c.req.query('cursor') ?? '',
  };
  const query = new URLSearchParams({ limit: String(PAGE_LIMIT_DEFAULT) });
  for (const [k, v] of Object.entries(filter)) if (v) query.set(k, v);
  const [endpoint, deliveries] = await Promise.all([
    api.get<z.infer<typeof EndpointSchema>>('/v1/providers/me/webhook'),
    api.get<{ items: z.infer<typeof DeliverySchema>[]; nextCursor: string | null }>(`/v1/webhook-deliveries?${query}`),
  ]);
  const pageLink = (cursor: string | null) => {
    const q = new URLSearchParams();
    if (filter.state) q.set('state', filter.state);
    if (filter.eventType) q.set('eventType', filter.eventType);
    if (cursor) q.set('cursor', cursor);
    return `/console/provider/webhooks${q.size ? `?${q}` : ''}`;
  };
  const redelivered = c.req.query('redelivered');
  return c.html(
    <Layout title="Webhook deliveries" principal={principal} csrf={csrf} path="/console/provider/webhooks">
      <Section title="Endpoint">
        {rotated ? (
          <Notice kind="ok">
            {'Endpoint set. Its new signing secret, shown only this once (the previous one keeps signing beside it for a day): '}
            <code data-field="secret">{rotated.secret}</code>
          </Notice>
        ) : null}
        {error ? <Notice kind="error">{error}</Notice> : null}
        <dl class="kv">
          <dt>URL</dt>
          <dd class="mono">{endpoint.url ?? 'not set'}</dd>
          <dt>State</dt>
          <dd>{endpoint.disabledAt ? <span class="badge bad">{`disabled since ${when(endpoint.disabledAt)}`}</span> : <span class="badge ok">enabled</span>}</dd>
          <dt>Previous secret valid until</dt>
          <dd>{when(endpoint.previousSecretExpiresAt)}</dd>
        </dl>
        <form method="post" action="/console/provider/webhook" class="controls">
          <CsrfField token={csrf} />
          <div>
            <label for="url">New endpoint URL (rotates the signing secret)</label>
            <input type="text" id="url" name="url" value={endpoint.url ?? ''} required />
          </div>
          <button type="submit" class="secondary" data-step="set-webhook">
            Set endpoint
          </button>
        </form>
      </Section>
      <Section
        title={filter.cursor ? 'Older deliveries' : 'Latest deliveries'}
        aside={
          <ChoiceForm
            action="/console/provider/webhooks"
            submit="Filter"
            choices={[
              { name: 'state', label: 'State', any: 'any', selected: filter.state, options: DELIVERY_STATES.map((st) => [st, st] as const) },
              { name: 'eventType', label: 'Event type', any: 'any', selected: filter.eventType, options: WEBHOOK_EVENT_TYPES.map((t) => [t, t] as const) },
            ]}
          />
        }
      >
        {redelivered ? <Notice kind="ok">{`Queued again as delivery ${redelivered}.`}</Notice> : null}
        {deliveries.items.length === 0 ? (
          <Notice>{filter.state || filter.eventType ? 'No delivery matches.' : 'No deliveries yet: migration events are sent here as they happen.'}</Notice>
        ) : (
          <table data-table="deliveries">
            <thead>
              <tr>
                <th>Event</th>
                <th>Migration</th>
                <th>State</th>
                <th class="num">Attempts</th>
                <th>Last answer</th>
                <th>Next attempt</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {deliveries.items.map((d) => (
                <tr data-delivery={d.id} data-state={d.state} data-event-type={d.eventType}>
                  <td>
                    {d.eventType}
                    <div class="mono muted">{d.eventId}</div>
                  </td>
                  <td class="mono">{d.migrationId ?? '—'}</td>
                  <td>
                    <span class={`badge ${d.state === 'succeeded' ? 'ok' : d.state === 'failed' ? 'bad' : 'warn'}`}>{d.state}</span>
                  </td>
                  <td class="num">{d.attempts}</td>
                  <td>{d.lastStatus ? `HTTP ${d.lastStatus}` : (d.lastError ?? '—')}</td>
                  <td>{when(d.nextAttemptAt)}</td>
                  <td>
                    <ActionButton action={`/console/provider/webhooks/${d.id}/redeliver`} csrf={csrf} step="redeliver" label="Redeliver" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="pager">
          {filter.cursor ? <a href={pageLink(null)}>Newest</a> : null}
          {deliveries.nextCursor ? (
            <a href={pageLink(deliveries.nextCursor)} data-next>
              Older deliveries →
            </a>
          ) : null}
        </p>
      </Section>
    </Layout>,
  );
}

providerPages.get('/provider/webhooks', (c) => webhooksPage(c, null, null));

providerPages.post('/provider/webhook', async (c) => {
  const form = await c.req.parseBody();
  const url = typeof form.url === 'string' ? form.url.trim() : '';
  try {
    const set = await c.get('api').put<z.infer<typeof RotatedEndpointSchema>>('/v1/providers/me/webhook', { url });
    return webhooksPage(c, { secret: set.secret }, null);
  } catch (err) {
    if (err instanceof ApiCallError && err.status < 500) return webhooksPage(c, null, problemText(err));
    throw err;
  }
});

providerPages.post('/provider/webhooks/:id/redeliver', async (c) => {
  const again = await c.get('api').post<z.infer<typeof RedeliverySchema>>(`/v1/webhook-deliveries/${encodeURIComponent(c.req.param('id'))}/redeliver`);
  return c.redirect(`/console/provider/webhooks?redelivered=${encodeURIComponent(again.id)}`, 303);
});

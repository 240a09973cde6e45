/** The provider's pages: its platforms, incoming migration requests, webhook endpoint and deliveries. */
import { Hono } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { PlatformT } from '../catalog/schema';
import { PAGE_LIMIT_MAX } from '../constants';
import type { DeliverySchema, EndpointSchema, RedeliverySchema } from '../webhooks/schema';
import { PlatformTable } from './catalog';
import { consoleFor, type ConsoleEnv } from './context';
import { ActionButton, Layout, Notice, Section, when } from './layout';
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

providerPages.get('/provider/webhooks', async (c) => {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const [endpoint, deliveries] = await Promise.all([
    api.get<z.infer<typeof EndpointSchema>>('/v1/providers/me/webhook'),
    api.get<{ items: z.infer<typeof DeliverySchema>[] }>(`/v1/webhook-deliveries?limit=100`),
  ]);
  const redelivered = c.req.query('redelivered');
  return c.html(
    <Layout title="Webhook deliveries" principal={principal} csrf={csrf} path="/console/provider/webhooks">
      <Section title="Endpoint">
        <dl class="kv">
          <dt>URL</dt>
          <dd class="mono">{endpoint.url ?? 'not set (PUT /v1/providers/me/webhook)'}</dd>
          <dt>State</dt>
          <dd>{endpoint.disabledAt ? <span class="badge bad">{`disabled since ${when(endpoint.disabledAt)}`}</span> : <span class="badge ok">enabled</span>}</dd>
          <dt>Previous secret valid until</dt>
          <dd>{when(endpoint.previousSecretExpiresAt)}</dd>
        </dl>
      </Section>
      <Section title={`Latest deliveries (${deliveries.items.length})`}>
        {redelivered ? <Notice kind="ok">{`Queued again as delivery ${redelivered}.`}</Notice> : null}
        {deliveries.items.length === 0 ? (
          <Notice>No deliveries yet: migration events are sent here as they happen.</Notice>
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
                <tr data-delivery={d.id} data-state={d.state}>
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
      </Section>
    </Layout>,
  );
});

providerPages.post('/provider/webhooks/:id/redeliver', async (c) => {
  const again = await c.get('api').post<z.infer<typeof RedeliverySchema>>(`/v1/webhook-deliveries/${encodeURIComponent(c.req.param('id'))}/redeliver`);
  return c.redirect(`/console/provider/webhooks?redelivered=${encodeURIComponent(again.id)}`, 303);
});

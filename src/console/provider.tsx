/** The provider's pages: its platforms, incoming migration requests, webhook endpoint and deliveries. */
import { Hono } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { PlatformT } from '../catalog/schema';
import { PAGE_LIMIT_MAX } from '../constants';
import type { EndpointSchema } from '../webhooks/schema';
import { PlatformTable } from './catalog';
import { consoleFor, type ConsoleEnv } from './context';
import { Layout, Notice, NotAvailable, Section, when } from './layout';

export const providerPages = new Hono<ConsoleEnv>();
providerPages.use('/provider', consoleFor('provider'));
providerPages.use('/provider/*', consoleFor('provider'));

providerPages.get('/provider', async (c) => {
  const { principal, csrf } = c.get('session');
  const platforms = await c.get('api').get<{ items: PlatformT[] }>(`/v1/platforms?providerId=${encodeURIComponent(principal.id)}&limit=${PAGE_LIMIT_MAX}`);
  return c.html(
    <Layout title={`${principal.name}: platforms & requests`} principal={principal} csrf={csrf} path="/console/provider">
      <Section title="Incoming migration requests">
        <NotAvailable what="Migration in place" />
      </Section>
      <Section title={`Your platforms (${platforms.items.length})`}>
        {platforms.items.length ? <PlatformTable platforms={platforms.items} mine /> : <Notice>No platforms yet: publish one with POST /v1/platforms.</Notice>}
      </Section>
    </Layout>,
  );
});

providerPages.get('/provider/webhooks', async (c) => {
  const { principal, csrf } = c.get('session');
  const endpoint = await c.get('api').get<z.infer<typeof EndpointSchema>>('/v1/providers/me/webhook');
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
      <Section title="Deliveries">
        <NotAvailable what="The webhook delivery log" />
      </Section>
    </Layout>,
  );
});

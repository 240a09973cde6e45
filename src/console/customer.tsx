/** The customer's pages: its hardware, where it can move in place, and its migrations. */
import { Hono } from 'hono';
import type { z } from '@hono/zod-openapi';
import type { AccountSchema } from '../account/schema';
import type { PlatformT } from '../catalog/schema';
import { PAGE_LIMIT_MAX } from '../constants';
import { PlatformTable } from './catalog';
import { consoleFor, type ConsoleEnv } from './context';
import { Layout, NotAvailable, Section } from './layout';

export const customerPages = new Hono<ConsoleEnv>();
customerPages.use('/customer', consoleFor('customer'));
customerPages.use('/customer/*', consoleFor('customer'));

customerPages.get('/customer', async (c) => {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const [account, platforms] = await Promise.all([
    api.get<z.infer<typeof AccountSchema>>('/v1/account'),
    api.get<{ items: PlatformT[] }>(`/v1/platforms?limit=${PAGE_LIMIT_MAX}`),
  ]);
  return c.html(
    <Layout title={`${account.name}: hardware & platforms`} principal={principal} csrf={csrf} path="/console/customer">
      <Section title="Hardware holding your data">
        <NotAvailable what="Hardware identification" />
      </Section>
      <Section title="Where you can move in place">
        <NotAvailable what="The migration-in-place list" />
      </Section>
      <Section title="Platform catalogue">
        <PlatformTable platforms={platforms.items} />
      </Section>
    </Layout>,
  );
});

customerPages.get('/customer/migrations', (c) => {
  const { principal, csrf } = c.get('session');
  return c.html(
    <Layout title="Migrations" principal={principal} csrf={csrf} path="/console/customer/migrations">
      <Section title="Your migrations">
        <NotAvailable what="Migration in place" />
      </Section>
    </Layout>,
  );
});

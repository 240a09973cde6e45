/**
 * The demo data center of `npm start` (scripts/lib/demo-data.mjs, seed 42: 200 servers, six
 * platforms, four customers), seeded through the API the way scripts/lib/seed.mjs does it.
 */
// @ts-expect-error: plain JavaScript module without type declarations
import { CUSTOMERS, generateInventory, planPlacements, PROVIDERS } from '../../scripts/lib/demo-data.mjs';
import type { Schemas } from '../../scripts/lib/api-types';
import { OPERATOR, succeed } from '../http';

/** A demo server, as the operator's PUT /v1/inventory takes it, with its allocated capacity. */
export type DemoServer = NonNullable<Schemas['InventoryUpsert']['servers']>[number] & { capacity: { coresAllocated: number; memoryAllocatedGib: number } };

/** The demo's inventory, as the operator's PUT /v1/inventory takes it. */
export type DemoInventory = Omit<Required<Schemas['InventoryUpsert']>, 'servers'> & { servers: DemoServer[] };

export interface Account {
  id: string;
  key: string;
}

export interface Demo {
  inventory: DemoInventory;
  providers: (Account & { platforms: { id: string; name: string }[] })[];
  customers: (Account & { name: string; platformId: string; servers: string[] })[];
}

export async function seedDemo(): Promise<Demo> {
  const inventory = generateInventory({ servers: 200, seed: 42 }) as DemoInventory;
  await succeed('PUT', '/v1/inventory', { key: OPERATOR, body: inventory });
  const providers: Demo['providers'] = [];
  const platformIds = new Map<string, string>();
  for (const p of PROVIDERS as (Schemas['RegisterProvider'] & { platforms: (Omit<Schemas['CreatePlatform'], 'upstreamUrl' | 'modules'> & { modules: Pick<Schemas['Module'], 'name' | 'version'>[] })[] })[]) {
    const reg = await succeed('POST', '/v1/providers', { key: OPERATOR, body: { name: p.name, organisation: p.organisation, serviceLevel: p.serviceLevel } });
    const platforms = [];
    for (const body of p.platforms) {
      // The demo's artifacts and upstreams are built and served by scripts/start.mjs; here any loopback
      // URL and digest do (nothing is deployed: only compatibility answers are compared).
      const published = { ...body, upstreamUrl: 'http://127.0.0.1:9/', modules: body.modules.map((m) => ({ ...m, artifactUrl: `http://127.0.0.1:9/${m.name}.tar.gz`, sha256: '0'.repeat(64) })) };
      const platform = await succeed('POST', '/v1/platforms', { key: reg.apiKey.key, body: published });
      platformIds.set(platform.name, platform.id);
      platforms.push({ id: platform.id, name: platform.name });
    }
    providers.push({ id: reg.id, key: reg.apiKey.key, platforms });
  }
  const customers: Demo['customers'] = [];
  for (const { customer, servers } of planPlacements(inventory, CUSTOMERS) as { customer: { name: string; organisation: string; platform: string }; servers: DemoServer[] }[]) {
    const reg = await succeed('POST', '/v1/customers', { key: OPERATOR, body: { name: customer.name, organisation: customer.organisation } });
    const platformId = platformIds.get(customer.platform)!;
    const placements = servers.map((s, i) => ({ customerId: reg.id, serverId: s.id, platformId, storageAddress: `iscsi://10.0.0.1/${reg.id}/${i}`, cores: 8, memoryGib: 32 }));
    await succeed('PUT', '/v1/placements', { key: OPERATOR, body: { placements } });
    customers.push({ id: reg.id, key: reg.apiKey.key, name: customer.name, platformId, servers: servers.map((s) => s.id) });
  }
  return { inventory, providers, customers };
}

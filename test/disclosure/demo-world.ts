/**
 * The demo data center of `npm start` (scripts/lib/demo-data.mjs, seed 42: 200 servers, six
 * platforms, four customers), seeded through the API the way scripts/lib/seed.mjs does it.
 */
// @ts-expect-error: plain JavaScript module without type declarations
import { CUSTOMERS, generateInventory, planPlacements, PROVIDERS } from '../../scripts/lib/demo-data.mjs';
import { call, OPERATOR } from '../http';

export interface DemoServer {
  id: string;
  rackId: string;
  identity: Record<string, string>;
  properties: Record<string, unknown>;
  capacity: { coresAllocated: number; memoryAllocatedGib: number };
}

export interface DemoInventory {
  sites: { id: string }[];
  rows: { id: string; siteId: string }[];
  racks: { id: string; rowId: string }[];
  servers: DemoServer[];
}

export interface Account {
  id: string;
  key: string;
}

export interface Demo {
  inventory: DemoInventory;
  providers: (Account & { platforms: { id: string; name: string }[] })[];
  customers: (Account & { name: string; platformId: string; servers: string[] })[];
}

async function ok(method: string, path: string, key: string, body: unknown, status = 200) {
  const r = await call(method, path, { key, body });
  if (r.status !== status) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function seedDemo(): Promise<Demo> {
  const inventory = generateInventory({ servers: 200, seed: 42 }) as DemoInventory;
  await ok('PUT', '/v1/inventory', OPERATOR, inventory);
  const providers: Demo['providers'] = [];
  const platformIds = new Map<string, string>();
  for (const p of PROVIDERS as { name: string; organisation: string; serviceLevel: string; platforms: { name: string; modules: { name: string }[] }[] }[]) {
    const reg = await ok('POST', '/v1/providers', OPERATOR, { name: p.name, organisation: p.organisation, serviceLevel: p.serviceLevel }, 201);
    const platforms = [];
    for (const body of p.platforms) {
      // The demo's artifacts and upstreams are built and served by scripts/start.mjs; here any loopback
      // URL and digest do (nothing is deployed: only compatibility answers are compared).
      const published = { ...body, upstreamUrl: 'http://127.0.0.1:9/', modules: body.modules.map((m) => ({ ...m, artifactUrl: `http://127.0.0.1:9/${m.name}.tar.gz`, sha256: '0'.repeat(64) })) };
      const platform = await ok('POST', '/v1/platforms', reg.apiKey.key, published, 201);
      platformIds.set(platform.name, platform.id);
      platforms.push({ id: platform.id as string, name: platform.name as string });
    }
    providers.push({ id: reg.id, key: reg.apiKey.key, platforms });
  }
  const customers: Demo['customers'] = [];
  for (const { customer, servers } of planPlacements(inventory, CUSTOMERS) as { customer: { name: string; organisation: string; platform: string }; servers: DemoServer[] }[]) {
    const reg = await ok('POST', '/v1/customers', OPERATOR, { name: customer.name, organisation: customer.organisation }, 201);
    const platformId = platformIds.get(customer.platform)!;
    const placements = servers.map((s, i) => ({ customerId: reg.id, serverId: s.id, platformId, storageAddress: `iscsi://10.0.0.1/${reg.id}/${i}`, cores: 8, memoryGib: 32 }));
    await ok('PUT', '/v1/placements', OPERATOR, { placements });
    customers.push({ id: reg.id, key: reg.apiKey.key, name: customer.name, platformId, servers: servers.map((s) => s.id) });
  }
  return { inventory, providers, customers };
}

// Seeds a running InPlace service through its own API: inventory, providers and their platforms,
// customers and their placements. Returns the credentials (shown once by the API).
import { CUSTOMERS, generateInventory, planPlacements, PLATFORMS, PROVIDERS } from './demo-data.mjs';
import { UPSTREAM_BASE_PORT, upstreamUrl } from './demo-upstreams.mjs';

const SERVERS_PER_REQUEST = 2000;
/** PUT /v1/inventory takes at most 2,000 units of each kind (MAX_INVENTORY_UNITS). */
const UNITS_PER_REQUEST = 2000;

export async function putInventoryInChunks(api, inventory) {
  await api.put('/v1/inventory', { sites: inventory.sites, rows: inventory.rows });
  for (let i = 0; i < inventory.racks.length; i += UNITS_PER_REQUEST) await api.put('/v1/inventory', { racks: inventory.racks.slice(i, i + UNITS_PER_REQUEST) });
  for (let i = 0; i < inventory.servers.length; i += SERVERS_PER_REQUEST) {
    await api.put('/v1/inventory', { servers: inventory.servers.slice(i, i + SERVERS_PER_REQUEST) });
  }
}

/** Every module the demo platforms publish ({name, version}), for building their artifacts. */
export const demoModules = () => PROVIDERS.flatMap((p) => p.platforms.flatMap((x) => x.modules));

/**
 * `artifacts`: name@version → the module as published (artifactUrl, sha256), from
 * publishModules(…, demoModules()) in scripts/lib/artifacts.mjs. `upstreamPort`: where the
 * platforms' local upstreams listen (platform i on upstreamPort + i).
 */
export async function seed(api, { servers = 200, seed: seedValue = 42, artifacts, upstreamPort = UPSTREAM_BASE_PORT, log = () => {} }) {
  const inventory = generateInventory({ servers, seed: seedValue });
  await putInventoryInChunks(api, inventory);
  log(`inventory: ${inventory.sites.length} sites, ${inventory.rows.length} rows, ${inventory.racks.length} racks, ${inventory.servers.length} servers`);

  const providers = [];
  const platformIds = new Map();
  for (const p of PROVIDERS) {
    const reg = await api.post('/v1/providers', { name: p.name, organisation: p.organisation, serviceLevel: p.serviceLevel });
    const mine = api.as(reg.apiKey.key);
    const platforms = [];
    for (const body of p.platforms) {
      const modules = body.modules.map((m) => artifacts.get(`${m.name}@${m.version}`));
      const platform = await mine.post('/v1/platforms', { ...body, modules, upstreamUrl: upstreamUrl(PLATFORMS.indexOf(body), upstreamPort) });
      platformIds.set(platform.name, platform.id);
      platforms.push({ id: platform.id, name: platform.name });
    }
    providers.push({ id: reg.id, name: reg.name, key: reg.apiKey.key, webhookSecret: reg.webhookSecret, platforms });
  }
  log(`catalog: ${providers.length} providers, ${platformIds.size} platforms`);

  const customers = [];
  const plan = planPlacements(inventory, CUSTOMERS);
  for (const { customer, servers: placed } of plan) {
    const reg = await api.post('/v1/customers', { name: customer.name, organisation: customer.organisation, serviceLevel: customer.serviceLevel });
    const platformId = platformIds.get(customer.platform);
    await api.put('/v1/placements', {
      placements: placed.map((s, i) => ({
        customerId: reg.id,
        serverId: s.id,
        platformId,
        storageAddress: `iscsi://${s.identity.internalIp}:3260/iqn.2026-01.inplace:${reg.id}.vol${i + 1}`,
        cores: 8,
        memoryGib: 32,
      })),
    });
    customers.push({ id: reg.id, name: reg.name, key: reg.apiKey.key, platform: { id: platformId, name: customer.platform }, servers: placed.length });
  }
  log(`customers: ${customers.map((c) => `${c.name} (${c.servers} servers on ${c.platform.name})`).join(', ')}`);
  const agentServers = plan.flatMap(({ servers: placed }) => placed.map((s) => s.id));
  // Compatibility is computed on the queue: hand over a data center whose answers are all fresh.
  await waitForCompatibility(api);
  return { upstreamPort, providers, customers, agentServers, inventory: { sites: inventory.sites.length, racks: inventory.racks.length, servers: inventory.servers.length } };
}

/**
 * Waits until the recompute queue has caught up (every platform and server computed), polling the
 * operator's status; returns how long it took, in ms.
 */
export async function waitForCompatibility(operator, timeoutMs = 600_000) {
  const t0 = Date.now();
  for (;;) {
    const status = await operator.get('/v1/compatibility/status');
    if (status.fresh) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`compatibility still behind after ${timeoutMs} ms: ${JSON.stringify({ serversBehind: status.serversBehind, lagging: status.platforms.filter((p) => !p.fresh).length })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

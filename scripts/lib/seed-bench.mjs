// Seeds a benchmark data center through the API: N servers, 50 platforms over ten providers, and one
// big customer with 1,000 servers spread over many racks (on the first, permissive platform).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishModules, startArtifactServer } from './artifacts.mjs';
import { benchCatalog, generateInventory } from './demo-data.mjs';
import { putInventoryInChunks, waitForCompatibility } from './seed.mjs';

export async function seedBench(api, { servers, platforms = 50, customerServers = 1000, upstreamPort, log = () => {} }) {
  // The catalog first, its passes done before any server exists: a pass evaluates every server there
  // is, an inventory upsert only the servers it writes (every platform), so each server is evaluated
  // once. A pass still on the queue while the inventory arrives would evaluate the servers there by
  // then a second time (measured at 100,000 servers: 1,238 pages more, fresh 195 s after the last
  // inventory write instead of 22 s).
  const providers = [];
  for (let i = 0; i < 10; i++) {
    const reg = await api.post('/v1/providers', { name: `Bench Provider ${i + 1}`, organisation: `Bench ${i + 1}` });
    providers.push({ id: reg.id, key: reg.apiKey.key });
  }
  // Real artifacts, served on loopback for as long as the benchmark runs (nothing deploys them there).
  const catalog = benchCatalog(platforms, { upstreamPort });
  const server = await startArtifactServer({ unref: true });
  const artifacts = await publishModules(server, mkdtempSync(join(tmpdir(), 'inplace-bench-artifacts-')), catalog.flatMap((p) => p.body.modules));
  const platformIds = [];
  for (const p of catalog) {
    const body = { ...p.body, modules: p.body.modules.map((m) => artifacts.get(`${m.name}@${m.version}`)) };
    platformIds.push((await api.as(providers[p.provider].key).post('/v1/platforms', body)).id);
  }
  await waitForCompatibility(api);
  log(`catalog: ${platformIds.length} platforms over ${providers.length} providers`);

  const inventory = generateInventory({ servers, seed: 1234 });
  const t0 = Date.now();
  await putInventoryInChunks(api, inventory);
  log(`inventory: ${inventory.servers.length} servers in ${inventory.racks.length} racks (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const waited = await waitForCompatibility(api);
  log(`compatibility computed on the queue ${(waited / 1000).toFixed(1)} s after the last inventory write`);

  const customer = await api.post('/v1/customers', { name: 'Bench Customer', organisation: 'Bench Customer AG' });
  // Ten servers in each of 100 racks spread across the fleet.
  const stride = Math.max(1, Math.floor(inventory.racks.length / 100));
  const chosen = [];
  for (let r = 0; r < inventory.racks.length && chosen.length < customerServers; r += stride) {
    const rackId = inventory.racks[r].id;
    chosen.push(...inventory.servers.filter((s) => s.rackId === rackId).slice(0, 10));
  }
  const placed = chosen.slice(0, customerServers);
  for (let i = 0; i < placed.length; i += 1000) {
    await api.put('/v1/placements', {
      placements: placed.slice(i, i + 1000).map((s) => ({ customerId: customer.id, serverId: s.id, platformId: platformIds[0], storageAddress: `nfs://${s.identity.internalIp}/export/${customer.id}`, cores: 2, memoryGib: 8 })),
    });
  }
  log(`customer: ${placed.length} servers over ${new Set(placed.map((s) => s.rackId)).size} racks`);
  return {
    upstreamPort,
    customer: { id: customer.id, key: customer.apiKey.key },
    providers,
    platformIds,
    serverIds: placed.map((s) => s.id),
  };
}

import type { z } from '@hono/zod-openapi';
import type { CreatePlatformBody } from '../src/catalog/schema';
import type { InventoryBody, ServerInput } from '../src/inventory/schema';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';
import { OPERATOR, succeed } from './http';

type ServerIn = z.input<typeof ServerInput>;
type InventoryIn = z.input<typeof InventoryBody>;

let seq = 0;
const next = () => ++seq;

export async function registerCustomer(name = `customer-${next()}`) {
  const r = await succeed('POST', '/v1/customers', { key: OPERATOR, body: { name, organisation: `${name} Ltd` } });
  return { id: r.id, key: r.apiKey.key };
}

export async function registerProvider(name = `provider-${next()}`) {
  const r = await succeed('POST', '/v1/providers', { key: OPERATOR, body: { name, organisation: `${name} Inc` } });
  return { id: r.id, key: r.apiKey.key, webhookSecret: r.webhookSecret };
}

/** The properties every test server has unless a test says otherwise: a 64-core AMD host with SEV. */
export function serverProperties() {
  return {
    cpuArch: 'x86_64',
    cpuVendor: 'AMD',
    cpuModel: 'EPYC 9354',
    cores: 64,
    memoryGib: 256,
    storageKind: 'nvme',
    storageGib: 3840,
    gpus: 0,
    hypervisor: 'kvm',
    traits: ['sev'],
    certifications: [] as string[],
  } satisfies ServerIn['properties'];
}

export function server(id: string, rackId: string, overrides: Partial<ServerIn['properties']> = {}, capacity?: ServerIn['capacity']): ServerIn {
  const n = next();
  const hex = (v: number) => (v & 0xff).toString(16).padStart(2, '0');
  return {
    id,
    rackId,
    identity: {
      serial: `SN-${id}-${n}`,
      mac: `02:00:${hex(n >> 16)}:${hex(n >> 8)}:${hex(n)}:${hex(n * 7)}`,
      dom0Ip: `10.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`,
      internalIp: `172.16.${(n >> 8) & 0xff}.${n & 0xff}`,
    },
    properties: { ...serverProperties(), ...overrides },
    ...(capacity ? { capacity } : {}),
  };
}

/** One site, `rows` rows of `racks` racks of `perRack` servers; ids like `s1-r1-k2-v3`. */
export function dataCenter(prefix = `dc${next()}`, rows = 2, racks = 2, perRack = 2): InventoryIn & { serverIds: string[] } {
  const body = { sites: [{ id: prefix, name: `Site ${prefix}`, region: 'eu-central' }], rows: [], racks: [], servers: [] } as Required<InventoryIn>;
  const serverIds: string[] = [];
  for (let r = 1; r <= rows; r++) {
    const rowId = `${prefix}-r${r}`;
    body.rows.push({ id: rowId, siteId: prefix, name: `Row ${r}` });
    for (let k = 1; k <= racks; k++) {
      const rackId = `${rowId}-k${k}`;
      body.racks.push({ id: rackId, rowId, name: `Rack ${k}` });
      for (let v = 1; v <= perRack; v++) {
        const id = `${rackId}-v${v}`;
        body.servers.push(server(id, rackId));
        serverIds.push(id);
      }
    }
  }
  // Not enumerable, so the object can be sent as the request body as it is.
  Object.defineProperty(body, 'serverIds', { value: serverIds, enumerable: false });
  return body as typeof body & { serverIds: string[] };
}

export async function putInventory(body: InventoryIn) {
  const r = await succeed('PUT', '/v1/inventory', { key: OPERATOR, body });
  await settled();
  return r;
}

export function platformBody(overrides: Partial<z.input<typeof CreatePlatformBody>> = {}): z.input<typeof CreatePlatformBody> {
  return {
    name: `platform-${next()}`,
    serviceProfile: { supportLevel: 'business', multiSite: false, pricing: { currency: 'USD', monthlyBase: 100, perCoreMonth: 2 } },
    modules: [{ name: 'runtime', version: '1.0.0', artifactUrl: 'https://artifacts.example/runtime-1.0.0.tar', sha256: 'a'.repeat(64) }],
    upstreamUrl: 'https://platform.example',
    ...overrides,
  };
}

export async function createPlatform(providerKey: string, overrides: Partial<z.input<typeof CreatePlatformBody>> = {}) {
  const r = await succeed('POST', '/v1/platforms', { key: providerKey, body: platformBody(overrides) });
  await settled();
  return r;
}

export async function place(customerId: string, serverIds: string[], platformId: string) {
  await succeed('PUT', '/v1/placements', {
    key: OPERATOR,
    body: { placements: serverIds.map((serverId) => ({ customerId, serverId, platformId, storageAddress: `iscsi://storage/${customerId}/${serverId}`, cores: 8, memoryGib: 32 })) },
  });
}

/**
 * Waits until the recompute queue has caught up: every platform's verdicts computed for its
 * revision, every server's row computed from its latest change, no data center's released
 * records or census waiting for their refresh, and no revocation waiting for its census.
 */
export async function settled(timeout = 20_000) {
  await vi.waitUntil(
    async () =>
      (await env.DB.prepare(
        `select (select count(*) from platforms p left join compat_platforms c on c.platform_id = p.id where c.revision is null or c.revision != p.revision)
          + (select count(*) from servers s left join compat_servers c on c.server_id = s.id where c.basis is null or s.updated_at > c.basis)
          + (select count(*) from disclosure_released where kind in ('pending', 'pending-census'))
          + (select count(*) from compat_flips) as n`,
      ).first<number>('n')) === 0,
    { timeout, interval: 10 },
  );
}

import { z } from '@hono/zod-openapi';
import { CPU_ARCHES, MAX_INVENTORY_SERVERS, MAX_INVENTORY_UNITS, STORAGE_KINDS } from '../constants';
import { text } from '../http/text';

/** Operator-chosen names identify units and servers; they are permanent identifiers. */
export const UnitId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" or "-", at most 100')
  .openapi({ example: 'fra1-a03-r07' });

const Label = text({ max: 100 });
const Tag = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._:-]{0,63}$/, 'lower-case letters, digits, ".", "_", ":" or "-", at most 64');
const Count = z.number().int().min(0).max(1_000_000);

export const SiteInput = z
  .strictObject({ id: UnitId, name: Label, region: Label })
  .openapi('SiteInput');
export const RowInput = z
  .strictObject({ id: UnitId, siteId: UnitId, name: Label })
  .openapi('RowInput');
export const RackInput = z
  .strictObject({ id: UnitId, rowId: UnitId, name: Label })
  .openapi('RackInput');

export const ServerIdentity = z
  .strictObject({
    serial: text({ max: 100 }),
    mac: z
      .string()
      .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'lower-case colon-separated MAC')
      .openapi({ example: '02:42:ac:11:00:02' }),
    dom0Ip: z.union([z.ipv4(), z.ipv6()]).openapi({ description: 'Address of the hypervisor (Dom0)' }),
    internalIp: z.union([z.ipv4(), z.ipv6()]).openapi({ description: 'Address guests see on the internal network' }),
  })
  .openapi('ServerIdentity');


export const ServerProperties = z
  .strictObject({
    cpuArch: z.enum(CPU_ARCHES),
    cpuVendor: Label,
    cpuModel: Label,
    cores: z.number().int().min(1).max(4096),
    memoryGib: z.number().int().min(1).max(1_048_576),
    storageKind: z.enum(STORAGE_KINDS),
    storageGib: Count,
    gpus: z.number().int().min(0).max(64).default(0),
    hypervisor: Label.openapi({ example: 'kvm' }),
    traits: z.array(Tag).max(64).default([]).openapi({ example: ['sev', 'avx512'] }),
    certifications: z.array(Tag).max(32).default([]).openapi({ example: ['pci-dss', 'iso27001'] }),
    privateNetworkId: text({ max: 100 }).nullable().default(null),
  })
  .openapi('ServerProperties');

const ServerCapacity = z
  .strictObject({ coresAllocated: Count.default(0), memoryAllocatedGib: Count.default(0) })
  .openapi('ServerCapacity');

export const ServerInput = z
  .strictObject({
    id: UnitId,
    rackId: UnitId,
    identity: ServerIdentity,
    properties: ServerProperties,
    capacity: ServerCapacity.default({ coresAllocated: 0, memoryAllocatedGib: 0 }),
  })
  .superRefine((s, ctx) => {
    if (s.capacity.coresAllocated > s.properties.cores)
      ctx.addIssue({ code: 'custom', path: ['capacity', 'coresAllocated'], message: 'exceeds the server’s cores' });
    if (s.capacity.memoryAllocatedGib > s.properties.memoryGib)
      ctx.addIssue({ code: 'custom', path: ['capacity', 'memoryAllocatedGib'], message: 'exceeds the server’s memory' });
  })
  .openapi('ServerInput');

export type ServerInputT = z.infer<typeof ServerInput>;

export const InventoryBody = z
  .strictObject({
    sites: z.array(SiteInput).max(MAX_INVENTORY_UNITS).default([]),
    rows: z.array(RowInput).max(MAX_INVENTORY_UNITS).default([]),
    racks: z.array(RackInput).max(MAX_INVENTORY_UNITS).default([]),
    servers: z.array(ServerInput).max(MAX_INVENTORY_SERVERS).default([]),
  })
  .openapi('InventoryUpsert');

export type InventoryBodyT = z.infer<typeof InventoryBody>;

const KindCount = z.object({ received: z.number().int(), changed: z.number().int() });
export const InventoryResult = z
  .object({ sites: KindCount, rows: KindCount, racks: KindCount, servers: KindCount })
  .openapi('InventoryUpsertResult');

export const ServerSchema = z
  .object({
    id: z.string(),
    siteId: z.string(),
    rowId: z.string(),
    rackId: z.string(),
    identity: ServerIdentity,
    properties: ServerProperties,
    capacity: z.object({
      cores: z.number().int(),
      coresAllocated: z.number().int(),
      memoryGib: z.number().int(),
      memoryAllocatedGib: z.number().int(),
    }),
    updatedAt: z.number().int(),
  })
  .openapi('Server');

export const ServerListQuery = z.object({
  site: UnitId.optional(),
  row: UnitId.optional(),
  rack: UnitId.optional(),
});

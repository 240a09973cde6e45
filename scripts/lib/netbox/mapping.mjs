// @ts-check
// The mapping from a NetBox to InPlace's inventory: which devices are servers, what a row is, and
// which custom fields hold each server property. Every key is optional; DEFAULT_MAPPING is what an
// absent key means (and what the README documents).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The server properties a mapping can point at a custom field, with the InPlace field each fills. */
const PROPERTIES = /** @type {const} */ ([
  'cpuArch', 'cpuVendor', 'cpuModel', 'cores', 'memoryGib', 'storageKind', 'storageGib', 'gpus', 'hypervisor',
  'traits', 'certifications', 'privateNetworkId', 'internalIp', 'coresAllocated', 'memoryAllocatedGib',
]);
/** Without a value for these (from NetBox or `defaults`) a device cannot be imported. */
export const REQUIRED = /** @type {const} */ (['cpuArch', 'cpuVendor', 'cpuModel', 'cores', 'memoryGib', 'storageKind', 'storageGib', 'hypervisor', 'internalIp']);

const DEFAULT_MAPPING = {
  servers: { roles: ['server'], statuses: ['active'] },
  rows: { from: /** @type {'location' | 'rack-group'} */ ('location'), depth: /** @type {number | null} */ (null), withoutLocation: 'unassigned' },
  defaultRegion: 'default',
  customFields: {
    cpuArch: 'cpu_arch',
    cpuVendor: 'cpu_vendor',
    cpuModel: 'cpu_model',
    cores: 'cpu_cores',
    memoryGib: 'memory_gib',
    storageKind: 'storage_kind',
    storageGib: 'storage_gib',
    gpus: 'gpus',
    hypervisor: 'hypervisor',
    traits: 'traits',
    certifications: 'certifications',
    privateNetworkId: 'private_network',
    internalIp: 'internal_ip',
    coresAllocated: 'cores_allocated',
    memoryAllocatedGib: 'memory_allocated_gib',
  },
  internalIpPrefix: null,
  defaults: {},
};

const Slug = z.string().regex(/^[-\w]+$/, 'a NetBox slug (letters, digits, "-" or "_")');
const FieldName = z.string().regex(/^[a-z0-9_]{1,50}$/, 'a NetBox custom field name (lower-case letters, digits, "_")');
const Prefix = z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'a prefix such as 10.64.0.0/16');

const Mapping = z.strictObject({
  servers: z
    .strictObject({
      roles: z.array(Slug).min(1).describe('device role slugs that are servers').default(DEFAULT_MAPPING.servers.roles),
      statuses: z.array(Slug).min(1).describe('device status values that are running').default(DEFAULT_MAPPING.servers.statuses),
    })
    .default(DEFAULT_MAPPING.servers),
  rows: z
    .strictObject({
      from: z.enum(['location', 'rack-group']).default('location'),
      depth: z.number().int().min(0).max(20).nullable().default(null),
      withoutLocation: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/, 'letters, digits, ".", "_" or "-"').default('unassigned'),
    })
    .default(DEFAULT_MAPPING.rows),
  defaultRegion: z.string().trim().min(1).max(100).default(DEFAULT_MAPPING.defaultRegion),
  customFields: z
    .strictObject(Object.fromEntries(PROPERTIES.map((p) => [p, FieldName.nullable().default(DEFAULT_MAPPING.customFields[p])])))
    .default(DEFAULT_MAPPING.customFields),
  internalIpPrefix: Prefix.nullable().default(null),
  defaults: z
    .strictObject(Object.fromEntries(PROPERTIES.filter((p) => p !== 'internalIp').map((p) => [p, z.union([z.string(), z.number(), z.array(z.string())]).optional()])))
    .default({}),
});

/** @typedef {{ servers: { roles: string[], statuses: string[] }, rows: { from: 'location' | 'rack-group', depth: number | null, withoutLocation: string }, defaultRegion: string, customFields: Record<typeof PROPERTIES[number], string | null>, internalIpPrefix: string | null, defaults: Partial<Record<typeof PROPERTIES[number], string | number | string[]>> }} MappingT */

/** The mapping in `file` (JSON) over the defaults; a mistake is an Error naming each bad key. @returns {MappingT} */
export function loadMapping(/** @type {string | undefined} */ file) {
  let raw = {};
  if (file) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`mapping file ${file}: ${/** @type {Error} */ (err).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new Error(`mapping file ${file} is not JSON: ${/** @type {Error} */ (err).message}`);
    }
  }
  const parsed = Mapping.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new Error(`mapping file ${file} is not valid:\n${lines.join('\n')}`);
  }
  return /** @type {MappingT} */ (parsed.data);
}

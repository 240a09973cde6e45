import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { platforms } from './catalog';
import { principals } from './principals';

/** The operator's physical hierarchy: site → row → rack → server. Ids are the operator's own names. */
export const sites = sqliteTable('sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  region: text('region').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const rows = sqliteTable(
  'rows',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    name: text('name').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('rows_site_idx').on(t.siteId)],
);

export const racks = sqliteTable(
  'racks',
  {
    id: text('id').primaryKey(),
    rowId: text('row_id')
      .notNull()
      .references(() => rows.id),
    name: text('name').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('racks_row_idx').on(t.rowId)],
);

/**
 * A server: permanent identity (never leaves operator endpoints), typed properties, capacity.
 * `traits` and `certifications` are JSON arrays of strings.
 */
export const servers = sqliteTable(
  'servers',
  {
    id: text('id').primaryKey(),
    rackId: text('rack_id')
      .notNull()
      .references(() => racks.id),
    serial: text('serial').notNull().unique(),
    mac: text('mac').notNull().unique(),
    dom0Ip: text('dom0_ip').notNull().unique(),
    internalIp: text('internal_ip').notNull(),
    cpuArch: text('cpu_arch').notNull(),
    cpuVendor: text('cpu_vendor').notNull(),
    cpuModel: text('cpu_model').notNull(),
    cores: integer('cores').notNull(),
    memoryGib: integer('memory_gib').notNull(),
    storageKind: text('storage_kind').notNull(),
    storageGib: integer('storage_gib').notNull(),
    gpus: integer('gpus').notNull(),
    hypervisor: text('hypervisor').notNull(),
    traits: text('traits').notNull(),
    certifications: text('certifications').notNull(),
    privateNetworkId: text('private_network_id'),
    coresAllocated: integer('cores_allocated').notNull(),
    memoryAllocatedGib: integer('memory_allocated_gib').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('servers_rack_idx').on(t.rackId, t.id), index('servers_internal_ip_idx').on(t.internalIp)],
);

/** Which customer's data sits on which server, under which platform, at which storage address. */
export const placements = sqliteTable(
  'placements',
  {
    customerId: text('customer_id')
      .notNull()
      .references(() => principals.id),
    serverId: text('server_id')
      .notNull()
      .references(() => servers.id),
    platformId: text('platform_id')
      .notNull()
      .references(() => platforms.id),
    storageAddress: text('storage_address').notNull(),
    /** What the customer's workload uses on that server. */
    cores: integer('cores').notNull(),
    memoryGib: integer('memory_gib').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.serverId] }),
    index('placements_server_idx').on(t.serverId),
    index('placements_platform_idx').on(t.platformId),
    // Whether a provider still has one of the customer's placements on one of its platforms (every
    // hardware ID a provider minted is checked this way): one probe per platform, not a scan of the
    // customer's placements.
    index('placements_customer_platform_idx').on(t.customerId, t.platformId),
  ],
);

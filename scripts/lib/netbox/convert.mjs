// @ts-check
// NetBox's objects → InPlace's inventory (sites, rows, racks, servers), and every device that cannot
// be imported with its reason. Pure: it reads what was fetched and the mapping, nothing else.
import { isIP } from 'node:net';
import { REQUIRED } from './mapping.mjs';

/** @typedef {import('./mapping.mjs').MappingT} MappingT */
/** @typedef {{ device: string, netboxId: number, reason: SkipReason, detail: string, inInPlace?: boolean }} Skip */
/** @typedef {'not a server' | 'not active' | 'no rack' | 'no address' | 'missing property' | 'invalid property' | 'duplicate' | 'conflict' | 'refused by InPlace'} SkipReason */

export const SKIP_REASONS = /** @type {const} */ (['not a server', 'not active', 'no rack', 'no address', 'missing property', 'invalid property', 'duplicate', 'conflict', 'refused by InPlace']);

/** A NetBox slug or name as (part of) an InPlace id: runs of other characters become "-". */
function idPart(/** @type {string} */ value) {
  return value.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
}

/** The server id a device would get (its name), or null for an unnamed device. @param {any} device */
export const serverIdOf = (device) => (typeof device.name === 'string' && idPart(device.name) ? idPart(device.name) : null);

/** An address without its prefix length ("192.0.2.5/24" → "192.0.2.5"), or null when it is not one. */
function bareAddress(/** @type {unknown} */ value) {
  if (typeof value !== 'string') return null;
  const address = value.trim().split('/')[0] ?? '';
  return isIP(address) ? address : null;
}

const ARCH = /** @type {Record<string, string>} */ ({ amd64: 'x86_64', 'x86-64': 'x86_64', x64: 'x86_64', aarch64: 'arm64', arm64: 'arm64' });
const INTEGERS = new Set(['cores', 'memoryGib', 'storageGib', 'gpus', 'coresAllocated', 'memoryAllocatedGib']);
const LISTS = new Set(['traits', 'certifications']);

/**
 * One property's value in InPlace's terms from a custom field or default, or an error message.
 * @param {string} name @param {unknown} raw
 * @returns {{ value: unknown } | { error: string }}
 */
function propertyValue(name, raw) {
  if (INTEGERS.has(name)) {
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    return typeof n === 'number' && Number.isInteger(n) ? { value: n } : { error: `${name} is not a whole number (${JSON.stringify(raw)})` };
  }
  if (LISTS.has(name)) {
    const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
    if (!items || !items.every((t) => typeof t === 'string')) return { error: `${name} is not a list of tags (${JSON.stringify(raw)})` };
    return { value: [...new Set(items.map((t) => t.trim().toLowerCase()).filter(Boolean))].sort() };
  }
  if (name === 'internalIp') {
    const address = bareAddress(raw);
    return address ? { value: address } : { error: `internal IP ${JSON.stringify(raw)} is not an address` };
  }
  if (typeof raw !== 'string' || !raw.trim()) return { error: `${name} is not text (${JSON.stringify(raw)})` };
  const text = raw.trim();
  if (name === 'cpuArch') return { value: ARCH[text.toLowerCase()] ?? text.toLowerCase() };
  if (name === 'storageKind') return { value: text.toLowerCase() };
  return { value: text };
}

/** The MAC of the device's first non-management interface that has one, lower-case. @param {any[]} interfaces */
function serverMac(interfaces) {
  for (const i of interfaces) {
    if (i.mgmt_only) continue;
    const mac = i.mac_address ?? i.primary_mac_address?.mac_address ?? i.mac_addresses?.[0]?.mac_address ?? null;
    if (typeof mac === 'string' && mac) return mac.toLowerCase().replace(/-/g, ':');
  }
  return null;
}

/**
 * @param {{ sites: any[], locations: any[], racks: any[], devices: any[], interfaces: Map<number, any[]>, internalIps: Map<number, string> | null }} netbox
 * @param {MappingT} mapping
 * @param {Map<string, any>} existing InPlace's servers by id (their current values fill optional properties NetBox leaves empty)
 */
export function convert(netbox, mapping, existing) {
  const sitesById = new Map(netbox.sites.map((s) => [s.id, s]));
  const locationsById = new Map(netbox.locations.map((l) => [l.id, l]));
  const racksById = new Map(netbox.racks.map((r) => [r.id, r]));
  /** @type {Map<string, { id: string, name: string, region: string }>} */
  const sites = new Map();
  /** @type {Map<string, { id: string, siteId: string, name: string }>} */
  const rows = new Map();
  /** @type {Map<string, { id: string, rowId: string, name: string }>} */
  const racks = new Map();
  /** @type {any[]} */
  const servers = [];
  /** @type {Skip[]} */
  const skipped = [];
  /** Which device each server id and identity value was first given to (duplicates are skipped). */
  const taken = new Map();

  /** The row a rack stands in, per the mapping: a location (or its ancestor at `depth`), or a rack group. @param {any} rack @param {any} site */
  function rowOf(rack, site) {
    let unit = mapping.rows.from === 'location' ? rack.location : rack.group;
    if (unit && mapping.rows.from === 'location' && mapping.rows.depth !== null) {
      let loc = locationsById.get(unit.id) ?? unit;
      while (loc && (loc._depth ?? 0) > mapping.rows.depth && loc.parent) loc = locationsById.get(loc.parent.id) ?? loc.parent;
      unit = loc;
    }
    if (!unit) return { id: `${idPart(site.slug)}.${mapping.rows.withoutLocation}`, siteId: idPart(site.slug), name: mapping.rows.withoutLocation };
    return { id: `${idPart(site.slug)}.${idPart(unit.slug)}`, siteId: idPart(site.slug), name: String(unit.name).trim() };
  }

  /** @param {any} device @param {SkipReason} reason @param {string} detail */
  const skip = (device, reason, detail) => {
    const id = serverIdOf(device);
    skipped.push({ device: device.name ?? `(unnamed, NetBox id ${device.id})`, netboxId: device.id, reason, detail, ...(id && existing.has(id) ? { inInPlace: true } : {}) });
  };

  for (const device of netbox.devices) {
    if (!mapping.servers.roles.includes(device.role?.slug)) {
      skip(device, 'not a server', `role ${device.role?.slug ?? 'none'}`);
      continue;
    }
    if (!mapping.servers.statuses.includes(device.status?.value)) {
      skip(device, 'not active', `status ${device.status?.value ?? 'none'}`);
      continue;
    }
    const rack = device.rack ? racksById.get(device.rack.id) : null;
    if (!rack) {
      skip(device, 'no rack', device.rack ? `rack ${device.rack.name} is not in the racks read` : 'not mounted in a rack');
      continue;
    }
    const dom0Ip = bareAddress(device.primary_ip4?.address);
    if (!dom0Ip) {
      skip(device, 'no address', device.primary_ip4 ? `primary IPv4 ${device.primary_ip4.address} is not an address` : 'no primary IPv4');
      continue;
    }
    const mac = serverMac(netbox.interfaces.get(device.id) ?? []);
    if (!mac) {
      skip(device, 'no address', 'no MAC on a non-management interface');
      continue;
    }
    const id = serverIdOf(device);
    const serial = typeof device.serial === 'string' ? device.serial.trim() : '';
    const current = id ? existing.get(id) : undefined;
    /** @type {Record<string, unknown>} */
    const values = {};
    const missing = [];
    const invalid = [];
    if (!id) missing.push('name');
    if (!serial) missing.push('serial');
    for (const [name, field] of Object.entries(mapping.customFields)) {
      const fromNetBox = name === 'internalIp' && mapping.internalIpPrefix ? netbox.internalIps?.get(device.id) : field ? device.custom_fields?.[field] : undefined;
      const raw = fromNetBox ?? mapping.defaults[/** @type {keyof MappingT['defaults']} */ (name)];
      if (raw === undefined || raw === null || raw === '') {
        if (/** @type {readonly string[]} */ (REQUIRED).includes(name)) missing.push(name);
        continue;
      }
      const got = propertyValue(name, raw);
      if ('error' in got) invalid.push(got.error);
      else values[name] = got.value;
    }
    if (missing.length) {
      skip(device, 'missing property', missing.join(', '));
      continue;
    }
    if (invalid.length) {
      skip(device, 'invalid property', invalid.join('; '));
      continue;
    }
    // Optional properties NetBox leaves empty keep what InPlace has (e.g. capacity kept elsewhere).
    const keep = (/** @type {string} */ name, /** @type {unknown} */ fallback) => values[name] ?? fallback;
    const server = {
      id: /** @type {string} */ (id),
      rackId: '',
      identity: { serial, mac, dom0Ip, internalIp: values.internalIp },
      properties: {
        cpuArch: values.cpuArch,
        cpuVendor: values.cpuVendor,
        cpuModel: values.cpuModel,
        cores: values.cores,
        memoryGib: values.memoryGib,
        storageKind: values.storageKind,
        storageGib: values.storageGib,
        gpus: keep('gpus', current?.properties.gpus ?? 0),
        hypervisor: values.hypervisor,
        traits: keep('traits', current?.properties.traits ?? []),
        certifications: keep('certifications', current?.properties.certifications ?? []),
        privateNetworkId: keep('privateNetworkId', current?.properties.privateNetworkId ?? null),
      },
      capacity: {
        coresAllocated: keep('coresAllocated', current?.capacity.coresAllocated ?? 0),
        memoryAllocatedGib: keep('memoryAllocatedGib', current?.capacity.memoryAllocatedGib ?? 0),
      },
    };
    const clash = [['id', server.id], ['serial', serial], ['MAC', mac], ['Dom0 IP', dom0Ip]].find(([what, v]) => taken.has(`${what}\n${v}`));
    if (clash) {
      skip(device, 'duplicate', `${clash[0]} ${clash[1]} is also on device ${taken.get(`${clash[0]}\n${clash[1]}`)}`);
      continue;
    }
    for (const [what, v] of [['id', server.id], ['serial', serial], ['MAC', mac], ['Dom0 IP', dom0Ip]]) taken.set(`${what}\n${v}`, device.name);
    const site = sitesById.get(rack.site.id) ?? rack.site;
    const row = rowOf(rack, site);
    const rackId = `${row.id}.${idPart(rack.name)}`;
    server.rackId = rackId;
    servers.push({ server, netboxId: device.id, device: device.name, unit: { site, row, rack: { id: rackId, rowId: row.id, name: String(rack.name).trim() } } });
  }

  for (const { unit } of servers) {
    const siteId = idPart(unit.site.slug);
    sites.set(siteId, { id: siteId, name: String(unit.site.name).trim(), region: String(unit.site.region?.name ?? mapping.defaultRegion).trim() });
    rows.set(unit.row.id, unit.row);
    racks.set(unit.rack.id, unit.rack);
  }
  return { sites: [...sites.values()], rows: [...rows.values()], racks: [...racks.values()], servers, skipped };
}

// A NetBox 4.x stand-in on loopback, for the import's tests and benchmark. It serves the list
// endpoints the import reads with NetBox's response shapes (as its REST serializers write them:
// full objects in lists, brief nested objects for relations, {value, label} choices, CIDR
// addresses, MACs upper-case as NetBox shows them), LimitOffset pagination with absolute `next`
// links, token authentication and its 403s, and the filters the import uses.
import { createServer } from 'node:http';

const CREATED = '2026-01-05T09:00:00.000000Z';
const choice = (value, label = value.charAt(0).toUpperCase() + value.slice(1)) => ({ value, label });

/**
 * The world a stand-in serves, built with NetBox's shapes. Relations are given as the objects
 * returned by the builder (`w.site(...)` etc.); ids are assigned in order.
 */
export function netboxWorld() {
  const store = { regions: [], sites: [], locations: [], racks: [], roles: new Map(), types: new Map(), devices: [], interfaces: [], ipAddresses: [], macs: 0 };
  const url = (path, id) => `/api/${path}/${id}/`;
  const ui = (path, id) => `/${path}/${id}/`;
  const next = (list) => list.length + 1;

  const briefRegion = (r) => r && { id: r.id, url: r.url, display: r.display, name: r.name, slug: r.slug, description: '', site_count: 1, _depth: 0 };
  const briefSite = (s) => ({ id: s.id, url: s.url, display: s.display, name: s.name, slug: s.slug, description: s.description });
  const briefLocation = (l) => l && { id: l.id, url: l.url, display: l.display, name: l.name, slug: l.slug, description: '', rack_count: l.rack_count, _depth: l._depth };
  const nestedLocation = (l) => l && { id: l.id, url: l.url, display: l.display, name: l.name, slug: l.slug, _depth: l._depth };
  const briefRack = (r) => r && { id: r.id, url: r.url, display: r.display, name: r.name, description: '' };
  const briefDevice = (d) => ({ id: d.id, url: d.url, display: d.display, name: d.name, description: '' });
  const briefIp = (ip) => ip && { id: ip.id, url: ip.url, display: ip.address, family: ip.family, address: ip.address, description: '', dns_name: '', nat_inside: null, nat_outside: [] };

  function role(slug) {
    if (!store.roles.has(slug)) {
      const id = store.roles.size + 1;
      const name = slug.replace(/(^|-)(\w)/g, (_, s, c) => `${s ? ' ' : ''}${c.toUpperCase()}`);
      store.roles.set(slug, { id, url: url('dcim/device-roles', id), display: name, name, slug, description: '', device_count: 0, virtualmachine_count: 0, _depth: 0 });
    }
    return store.roles.get(slug);
  }

  function deviceType(model) {
    if (!store.types.has(model)) {
      const id = store.types.size + 1;
      const slug = model.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      const manufacturer = { id: 1, url: url('dcim/manufacturers', 1), display: 'Generic', name: 'Generic', slug: 'generic', description: '' };
      store.types.set(model, { id, url: url('dcim/device-types', id), display: model, manufacturer, model, slug, description: '' });
    }
    return store.types.get(model);
  }

  return {
    store,
    region(name, slug = name.toLowerCase()) {
      const id = next(store.regions);
      const r = { id, url: url('dcim/regions', id), display: name, name, slug };
      store.regions.push(r);
      return r;
    },
    site({ slug, name = slug.toUpperCase(), region = null }) {
      const id = next(store.sites);
      const s = {
        id, url: url('dcim/sites', id), display_url: ui('dcim/sites', id), display: name, name, slug, status: choice('active'),
        region: briefRegion(region), group: null, tenant: null, facility: '', time_zone: 'Europe/Berlin', description: '',
        physical_address: '', shipping_address: '', latitude: null, longitude: null, comments: '', asns: [], tags: [],
        custom_fields: {}, created: CREATED, last_updated: CREATED, circuit_count: 0, device_count: 0, prefix_count: 0,
        rack_count: 0, virtualmachine_count: 0, vlan_count: 0,
      };
      store.sites.push(s);
      return s;
    },
    location({ site, slug, name = slug, parent = null }) {
      const id = next(store.locations);
      const l = {
        id, url: url('dcim/locations', id), display_url: ui('dcim/locations', id), display: name, name, slug, site: briefSite(site),
        parent: nestedLocation(parent), status: choice('active'), tenant: null, facility: '', description: '', tags: [],
        custom_fields: {}, created: CREATED, last_updated: CREATED, rack_count: 0, device_count: 0, _depth: parent ? parent._depth + 1 : 0,
      };
      store.locations.push(l);
      return l;
    },
    rack({ site, name, location = null }) {
      const id = next(store.racks);
      const r = {
        id, url: url('dcim/racks', id), display_url: ui('dcim/racks', id), display: name, name, facility_id: null, site: briefSite(site),
        location: briefLocation(location), group: null, tenant: null, status: choice('active'), role: null, serial: '', asset_tag: null,
        rack_type: null, form_factor: choice('4-post-cabinet', '4-post cabinet'), width: { value: 19, label: '19 inches' }, u_height: 42,
        starting_unit: 1, weight: null, max_weight: null, weight_unit: null, desc_units: false, outer_width: null, outer_height: null,
        outer_depth: null, outer_unit: null, mounting_depth: null, airflow: null, description: '', owner: null, comments: '', tags: [],
        custom_fields: {}, created: CREATED, last_updated: CREATED, device_count: 0, powerfeed_count: 0,
      };
      site.rack_count++;
      if (location) location.rack_count++;
      store.racks.push(r);
      return r;
    },
    /**
     * A device; `interfaces` are [{ name, mac, mgmtOnly }] in NetBox's order; `ip` a CIDR string set
     * as its primary IPv4 (and assigned to its first non-management interface).
     */
    device({ name, site, rack = null, location = rack ? undefined : null, role: roleSlug = 'server', status = 'active', serial = '', model = 'PowerEdge R760', customFields = {}, interfaces = [], ip = null, extraIps = [] }) {
      const id = next(store.devices);
      const loc = location !== undefined ? location : rack?.location ? store.locations.find((l) => l.id === rack.location.id) : null;
      const d = {
        id, url: url('dcim/devices', id), display_url: ui('dcim/devices', id), display: name ?? `Unnamed device (${id})`, name,
        device_type: deviceType(model), role: role(roleSlug), tenant: null, platform: null, serial, asset_tag: null, site: briefSite(site),
        location: briefLocation(loc), rack: briefRack(rack), position: rack ? 10 : null, face: rack ? choice('front') : null,
        latitude: null, longitude: null, parent_device: null, status: choice(status), airflow: null, cooling_method: null,
        primary_ip: null, primary_ip4: null, primary_ip6: null, oob_ip: null, cluster: null, virtual_chassis: null, vc_position: null,
        vc_priority: null, description: '', owner: null, comments: '', config_template: null, config_context: {}, local_context_data: null,
        tags: [], custom_fields: customFields, created: CREATED, last_updated: CREATED, console_port_count: 0, console_server_port_count: 0,
        power_port_count: 2, power_outlet_count: 0, cooling_intake_count: 0, cooling_outflow_count: 0, interface_count: interfaces.length,
        front_port_count: 0, rear_port_count: 0, device_bay_count: 0, module_bay_count: 0, inventory_item_count: 0,
      };
      store.devices.push(d);
      role(roleSlug).device_count++;
      site.device_count++;
      const made = interfaces.map((i) => this.interface(d, i));
      const addIp = (address, on) => {
        const ipId = next(store.ipAddresses);
        const family = address.includes(':') ? { value: 6, label: 'IPv6' } : { value: 4, label: 'IPv4' };
        const assigned = on && { id: on.id, url: on.url, display: on.display, device: briefDevice(d), name: on.name, description: '', cable: null, _occupied: false };
        const entry = {
          id: ipId, url: url('ipam/ip-addresses', ipId), display_url: ui('ipam/ip-addresses', ipId), display: address, family, address, vrf: null,
          tenant: null, status: choice('active'), role: null, assigned_object_type: on ? 'dcim.interface' : null, assigned_object_id: on?.id ?? null,
          assigned_object: assigned ?? null, nat_inside: null, nat_outside: [], dns_name: '', description: '', comments: '', tags: [],
          custom_fields: {}, created: CREATED, last_updated: CREATED,
        };
        store.ipAddresses.push(entry);
        return entry;
      };
      const data = made.find((i) => !i.mgmt_only) ?? null;
      if (ip) {
        const entry = addIp(ip, data);
        d.primary_ip4 = briefIp(entry);
        d.primary_ip = briefIp(entry);
      }
      for (const extra of extraIps) addIp(extra, made[made.length - 1] ?? null);
      return d;
    },
    interface(device, { name, mac = null, mgmtOnly = false }) {
      const id = next(store.interfaces);
      const macObject = mac && { id: ++store.macs, url: url('dcim/mac-addresses', store.macs), display: mac, mac_address: mac, description: '' };
      const i = {
        id, url: url('dcim/interfaces', id), display_url: ui('dcim/interfaces', id), display: name, device: briefDevice(device), vdcs: [],
        module: null, name, label: '', type: mgmtOnly ? choice('1000base-t', '1000BASE-T (1GE)') : choice('25gbase-x-sfp28', 'SFP28 (25GE)'),
        enabled: true, parent: null, bridge: null, lag: null, mtu: null, mac_address: mac, primary_mac_address: macObject, speed: null,
        duplex: null, wwn: null, mgmt_only: mgmtOnly, description: '', mode: null, rf_role: null, rf_channel: null, poe_mode: null,
        poe_type: null, rf_channel_frequency: null, rf_channel_width: null, tx_power: null, untagged_vlan: null, tagged_vlans: [],
        qinq_svlan: null, vlan_translation_policy: null, mark_connected: false, cable: null, cable_end: '', wireless_link: null,
        link_peers: [], link_peers_type: null, wireless_lans: [], vrf: null, l2vpn_termination: null, connected_endpoints: null,
        connected_endpoints_type: null, connected_endpoints_reachable: null, tags: [], custom_fields: {}, created: CREATED,
        last_updated: CREATED, count_ipaddresses: 0, count_fhrp_groups: 0, _occupied: false, mac_addresses: macObject ? [macObject] : [],
      };
      store.interfaces.push(i);
      return i;
    },
  };
}

/** Whether `address` (CIDR) lies inside `prefix` (CIDR), IPv4 only, as NetBox's `parent` filter. */
function within(address, prefix) {
  const toInt = (a) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [net, bits] = prefix.split('/');
  const [ip] = address.split('/');
  if (!ip.includes('.') || !net.includes('.')) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(net) / size);
}

/** The filters the stand-in honours, per endpoint (NetBox's filter names). */
const ENDPOINTS = {
  'dcim/sites': { list: (s) => s.sites, filters: { slug: (o, v) => v.has(o.slug) } },
  'dcim/locations': { list: (s) => s.locations, filters: { site: (o, v) => v.has(o.site.slug) } },
  'dcim/racks': { list: (s) => s.racks, filters: { site: (o, v) => v.has(o.site.slug) } },
  'dcim/devices': { list: (s) => s.devices, filters: { site: (o, v) => v.has(o.site.slug), role: (o, v) => v.has(o.role.slug) } },
  'dcim/interfaces': { list: (s) => s.interfaces, filters: { device_id: (o, v) => v.has(String(o.device.id)), mgmt_only: (o, v) => v.has(String(o.mgmt_only)) } },
  'ipam/ip-addresses': {
    list: (s) => s.ipAddresses,
    filters: {
      parent: (o, v) => [...v].some((p) => within(o.address, p)),
      assigned_object_type: (o, v) => v.has(o.assigned_object_type),
      device_id: (o, v) => v.has(String(o.assigned_object?.device.id)),
    },
  },
};

/**
 * Serves `world` (from netboxWorld()) on 127.0.0.1. Options: `token` (the one accepted),
 * `forbidden` (endpoints, e.g. 'dcim/devices', that answer 403 as for a token without permission),
 * `maxPageSize` (NetBox's MAX_PAGE_SIZE), `throttle` (how many first requests answer 429).
 */
export async function startNetBox(world, { token, forbidden = [], maxPageSize = 1000, throttle = 0 } = {}) {
  const requests = [];
  let throttled = 0;
  const server = createServer((req, res) => {
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url, `http://${req.headers.host}`);
    requests.push({ method: req.method, path: url.pathname, query: url.search, authorization: req.headers.authorization ?? null });
    const auth = req.headers.authorization ?? '';
    if (!auth) return send(403, { detail: 'Authentication credentials were not provided.' });
    if (auth !== `Token ${token}` && auth !== `Bearer ${token}`) return send(403, { detail: 'Invalid v1 token' });
    const path = url.pathname.replace(/^\/api\//, '').replace(/\/$/, '');
    const endpoint = ENDPOINTS[path];
    if (!endpoint) return send(404, { detail: 'Not found.' });
    if (req.method !== 'GET') return send(405, { detail: `Method "${req.method}" not allowed.` });
    if (forbidden.includes(path)) return send(403, { detail: 'You do not have permission to perform this action.' });
    if (throttled < throttle) {
      throttled++;
      return send(429, { detail: 'Request was throttled. Expected available in 1 second.' }, { 'retry-after': '0' });
    }
    let items = endpoint.list(world.store);
    for (const [name, test] of Object.entries(endpoint.filters)) {
      const values = new Set(url.searchParams.getAll(name));
      if (values.size) items = items.filter((o) => test(o, values));
    }
    const asked = Number(url.searchParams.get('limit') ?? 50);
    const limit = asked === 0 ? maxPageSize : Math.min(asked, maxPageSize);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const link = (at) => {
      const u = new URL(url);
      u.searchParams.set('limit', String(limit));
      u.searchParams.set('offset', String(at));
      return u.toString();
    };
    send(200, {
      count: items.length,
      next: offset + limit < items.length ? link(offset + limit) : null,
      previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
      results: items.slice(offset, offset + limit),
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Custom fields of a generated server, as a NetBox with the default mapping's fields holds them. */
export function serverFields(i, overrides = {}) {
  return {
    cpu_arch: i % 5 === 0 ? 'aarch64' : 'x86_64',
    cpu_vendor: i % 5 === 0 ? 'Ampere' : 'AMD',
    cpu_model: i % 5 === 0 ? 'Altra Q80-30' : 'EPYC 9354',
    cpu_cores: i % 5 === 0 ? 80 : 64,
    memory_gib: 512,
    storage_kind: 'NVMe',
    storage_gib: 7680,
    gpus: null,
    hypervisor: 'kvm',
    traits: ['avx2', i % 2 ? 'sev' : 'sriov'],
    certifications: ['iso27001'],
    internal_ip: `10.64.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    cores_allocated: null,
    memory_allocated_gib: null,
    ...overrides,
  };
}

const mac = (i, tag) => `${tag}:${[(i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;

/**
 * A generated NetBox of `devices` devices for the benchmark: sites of 20 racks in 2 halls, 40
 * devices a rack, of which 2 switches and 1 PDU; every 50th server planned, every 200th without a
 * primary IPv4. Servers have a management interface first, then two data interfaces.
 */
export function generatedNetBox(devices) {
  const w = netboxWorld();
  const region = w.region('Europe', 'eu');
  let made = 0;
  for (let s = 1; made < devices; s++) {
    const site = w.site({ slug: `dc${s}`, name: `Data centre ${s}`, region });
    const halls = [1, 2].map((h) => w.location({ site, slug: `hall-${h}`, name: `Hall ${h}` }));
    for (let r = 1; r <= 20 && made < devices; r++) {
      const rack = w.rack({ site, name: `R${String(r).padStart(2, '0')}`, location: halls[r % 2] });
      for (let u = 1; u <= 40 && made < devices; u++, made++) {
        const n = made + 1;
        if (u <= 2) w.device({ name: `dc${s}-r${r}-sw${u}`, site, rack, role: 'switch', serial: `SW${n}`, interfaces: [{ name: 'mgmt0', mac: mac(n, '0C:C4:7A'), mgmtOnly: true }] });
        else if (u === 3) w.device({ name: `dc${s}-r${r}-pdu`, site, rack, role: 'pdu', serial: `PDU${n}` });
        else
          w.device({
            name: `dc${s}-r${r}-s${u}`, site, rack, serial: `SRV${String(n).padStart(7, '0')}`, status: n % 50 === 0 ? 'planned' : 'active',
            customFields: serverFields(n),
            interfaces: [{ name: 'bmc', mac: mac(n, '0A:00:00'), mgmtOnly: true }, { name: 'eno1', mac: mac(n, '02:42:AC') }, { name: 'eno2', mac: mac(n, '02:43:AC') }],
            ip: n % 200 === 100 ? null : `172.${16 + Math.floor(n / 65000)}.${Math.floor(n / 250) % 256}.${(n % 250) + 1}/16`,
          });
      }
    }
  }
  return w;
}

// `npm run import:netbox` against a NetBox 4.x stand-in (NetBox's response shapes, LimitOffset
// pagination, token auth) and a real InPlace on workerd: the right servers imported, every other
// device listed with its reason, a second run changing nothing, a dry run writing nothing, InPlace's
// own servers never deleted, and NetBox's refusals reported without the token.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { client } from '../../scripts/lib/api.mjs';
import { netboxWorld, serverFields, startNetBox } from '../../scripts/lib/netbox/stand-in.mjs';
import { startService } from '../service.mjs';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';
let service;
let operator;
let netbox;
let world;
let dir;

/**
 * NetBox as operators keep it: nested locations (a rack in a row under a hall, a rack straight in
 * the hall), a site without locations or region, servers with a management interface first, and
 * the devices that are not running servers or have gaps.
 */
function dataCenter() {
  const w = netboxWorld();
  const europe = w.region('Europe', 'eu');
  const fra = w.site({ slug: 'fra1', name: 'Frankfurt 1', region: europe });
  const ams = w.site({ slug: 'ams1', name: 'Amsterdam 1' });
  const hall = w.location({ site: fra, slug: 'hall-a', name: 'Hall A' });
  const rowA1 = w.location({ site: fra, slug: 'row-a1', name: 'Row A1', parent: hall });
  const r01 = w.rack({ site: fra, name: 'R01', location: rowA1 });
  const r02 = w.rack({ site: fra, name: 'R02', location: hall });
  const r7 = w.rack({ site: ams, name: 'Rack 7' });
  const nics = (n) => [
    { name: 'bmc', mac: `0A:00:00:00:00:${n}`, mgmtOnly: true },
    { name: 'eno1', mac: `0C:42:A1:00:00:${n}` },
    { name: 'eno2', mac: `0C:42:A1:00:01:${n}` },
  ];
  const server = (name, n, more = {}) => w.device({ name, site: fra, rack: r01, serial: `SRV-${n}`, customFields: serverFields(Number(n)), interfaces: nics(n), ip: `192.0.2.${Number(n)}/24`, ...more });
  server('fra1-srv-01', '11');
  server('fra1-srv-02', '12', { rack: r02, customFields: serverFields(12, { cpu_arch: 'aarch64', cpu_vendor: 'Ampere', gpus: 2, traits: ['SEV', 'avx2', 'sev'], cores_allocated: 16, memory_allocated_gib: 64 }) });
  w.device({ name: 'ams1-srv-01', site: ams, rack: r7, serial: 'SRV-21', customFields: serverFields(21, { internal_ip: '10.1.0.21/24' }), interfaces: nics('21'), ip: '198.51.100.21/24', extraIps: ['10.64.7.21/16'] });
  server('fra1-srv-03', '13', { status: 'planned' });
  server('fra1-srv-04', '14', { status: 'offline' });
  w.device({ name: 'fra1-sw-01', site: fra, rack: r01, role: 'switch', serial: 'SW-1', model: 'DCS-7050', interfaces: [{ name: 'Management1', mac: '0C:C4:7A:00:00:01', mgmtOnly: true }], ip: '192.0.2.250/24' });
  w.device({ name: 'fra1-pdu-01', site: fra, rack: r01, role: 'pdu', serial: 'PDU-1', model: 'AP8959' });
  server('fra1-srv-05', '15', { rack: null });
  server('fra1-srv-06', '16', { ip: null });
  server('fra1-srv-07', '17', { interfaces: [{ name: 'bmc', mac: '0A:00:00:00:00:17', mgmtOnly: true }] });
  server('fra1-srv-08', '18', { customFields: serverFields(18, { cpu_cores: null }) });
  server('fra1-srv-09', '19', { customFields: serverFields(19, { cpu_arch: 'sparc64' }) });
  server('fra1-srv-10', '20', { serial: 'SRV-11' });
  server('fra1-srv-11', '99');
  server(null, '22');
  return w;
}

const EXPECTED_SKIPS = [
  ['fra1-srv-03', 'not active', 'status planned'],
  ['fra1-srv-04', 'not active', 'status offline'],
  ['fra1-sw-01', 'not a server', 'role switch'],
  ['fra1-pdu-01', 'not a server', 'role pdu'],
  ['fra1-srv-05', 'no rack', 'not mounted in a rack'],
  ['fra1-srv-06', 'no address', 'no primary IPv4'],
  ['fra1-srv-07', 'no address', 'no MAC on a non-management interface'],
  ['fra1-srv-08', 'missing property', 'cores'],
  ['fra1-srv-09', 'invalid property', /properties\.cpuArch/],
  ['fra1-srv-10', 'duplicate', 'serial SRV-11 is also on device fra1-srv-01'],
  ['fra1-srv-11', 'conflict', 'InPlace server legacy-02 already has Dom0 IP 192.0.2.99'],
  ['(unnamed, NetBox id 15)', 'missing property', 'name'],
];

/** InPlace's own servers before any import: neither is in NetBox; legacy-02 holds an address NetBox gives fra1-srv-11. */
async function seedLegacy() {
  const spec = (id, dom0Ip, n) => ({
    id,
    rackId: 'old.row.rack',
    identity: { serial: `LEG-${n}`, mac: `02:00:00:00:00:0${n}`, dom0Ip, internalIp: `10.9.0.${n}` },
    properties: { cpuArch: 'x86_64', cpuVendor: 'Intel', cpuModel: 'Xeon Gold 6430', cores: 32, memoryGib: 256, storageKind: 'ssd', storageGib: 1920, hypervisor: 'kvm' },
  });
  await operator.put('/v1/inventory', {
    sites: [{ id: 'old', name: 'Old site', region: 'eu' }],
    rows: [{ id: 'old.row', siteId: 'old', name: 'Row' }],
    racks: [{ id: 'old.row.rack', rowId: 'old.row', name: 'Rack' }],
    servers: [spec('legacy-01', '203.0.113.1', 1), spec('legacy-02', '192.0.2.99', 2)],
  });
}

before(async () => {
  service = await startService({ seeded: false });
  operator = client(service.baseUrl, service.operatorKey);
  await seedLegacy();
  world = dataCenter();
  // Pages of 4 so every list is read across several pages through `next`.
  netbox = await startNetBox(world, { token: TOKEN, maxPageSize: 4 });
  dir = mkdtempSync(join(tmpdir(), 'inplace-netbox-'));
});

after(async () => {
  await netbox?.close();
  await service?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the import; resolves with its exit code and output whatever the code. */
async function importNetBox(args, { url = netbox.url, token = TOKEN } = {}) {
  const env = { ...process.env, INPLACE_URL: service.baseUrl, INPLACE_KEY: service.operatorKey, NETBOX_URL: '', NETBOX_TOKEN: token };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['scripts/import-netbox.mjs', '--netbox-url', url, '--demo', join(dir, 'none.json'), ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function report(...args) {
  const r = await importNetBox([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN), 'the token is never printed');
  return JSON.parse(r.stdout);
}

async function inventory() {
  const servers = new Map();
  let cursor;
  do {
    const page = await operator.get(`/v1/inventory/servers?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    for (const s of page.items) servers.set(s.id, s);
    cursor = page.nextCursor;
  } while (cursor);
  const units = {};
  for (const kind of ['site', 'row', 'rack']) units[kind] = (await operator.get(`/v1/inventory/units?kind=${kind}&limit=500`)).items;
  return { servers, units };
}

const skipsOf = (r) => r.skipped.map((s) => [s.device, s.reason, s.detail]).sort((a, b) => a[0].localeCompare(b[0]));

function assertSkips(r) {
  const got = skipsOf(r);
  const want = [...EXPECTED_SKIPS].sort((a, b) => a[0].localeCompare(b[0]));
  assert.deepEqual(got.map(([d, reason]) => [d, reason]), want.map(([d, reason]) => [d, reason]));
  for (const [i, [, , detail]] of want.entries()) {
    if (detail instanceof RegExp) assert.match(got[i][2], detail);
    else assert.equal(got[i][2], detail);
  }
}

describe('import from NetBox', () => {
  it('dry run: says what it would create and every device it would skip, and writes nothing', async () => {
    const before = await inventory();
    const r = await report('--dry-run');
    assert.equal(r.dryRun, true);
    assert.equal(r.written, null);
    assert.deepEqual(r.summary, {
      sites: { created: 2, changed: 0, unchanged: 0 },
      rows: { created: 3, changed: 0, unchanged: 0 },
      racks: { created: 3, changed: 0, unchanged: 0 },
      servers: { created: 3, changed: 0, unchanged: 0, skipped: EXPECTED_SKIPS.length },
    });
    assertSkips(r);
    assert.deepEqual(await inventory(), before);
    assert.ok(netbox.requests.every((q) => q.method === 'GET'), 'NetBox is only read');
    const text = await importNetBox(['--dry-run']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /dry run: nothing written; 11 object\(s\) would change/);
    assert.match(text.stdout, /servers\s+3\s+0\s+0\s+12/);
  });

  it('imports the running servers with ids from slugs and names, the data MAC and the bare Dom0 IP, showing progress', async () => {
    const run = await importNetBox(['--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^NetBox devices read: 15\/15$/m);
    assert.match(run.stderr, /^InPlace servers written: 3\/3$/m);
    const r = JSON.parse(run.stdout);
    assert.deepEqual(r.written, { sites: 2, rows: 3, racks: 3, servers: 3 });
    assert.deepEqual(r.changes.servers.created.sort(), ['ams1-srv-01', 'fra1-srv-01', 'fra1-srv-02']);
    assertSkips(r);
    const { servers, units } = await inventory();
    assert.deepEqual(units.site.filter((s) => s.id !== 'old'), [
      { id: 'ams1', name: 'Amsterdam 1', region: 'default' },
      { id: 'fra1', name: 'Frankfurt 1', region: 'Europe' },
    ]);
    assert.deepEqual(units.row.filter((x) => x.id !== 'old.row'), [
      { id: 'ams1.unassigned', siteId: 'ams1', name: 'unassigned' },
      { id: 'fra1.hall-a', siteId: 'fra1', name: 'Hall A' },
      { id: 'fra1.row-a1', siteId: 'fra1', name: 'Row A1' },
    ]);
    assert.deepEqual(units.rack.filter((x) => x.id !== 'old.row.rack'), [
      { id: 'ams1.unassigned.Rack-7', rowId: 'ams1.unassigned', name: 'Rack 7' },
      { id: 'fra1.hall-a.R02', rowId: 'fra1.hall-a', name: 'R02' },
      { id: 'fra1.row-a1.R01', rowId: 'fra1.row-a1', name: 'R01' },
    ]);
    const one = servers.get('fra1-srv-01');
    assert.equal(one.rackId, 'fra1.row-a1.R01');
    assert.deepEqual(one.identity, { serial: 'SRV-11', mac: '0c:42:a1:00:00:11', dom0Ip: '192.0.2.11', internalIp: '10.64.0.12' });
    assert.deepEqual(one.properties, { cpuArch: 'x86_64', cpuVendor: 'AMD', cpuModel: 'EPYC 9354', cores: 64, memoryGib: 512, storageKind: 'nvme', storageGib: 7680, gpus: 0, hypervisor: 'kvm', traits: ['avx2', 'sev'], certifications: ['iso27001'], privateNetworkId: null });
    const two = servers.get('fra1-srv-02');
    assert.equal(two.rackId, 'fra1.hall-a.R02');
    assert.deepEqual([two.properties.cpuArch, two.properties.cpuVendor, two.properties.gpus, two.properties.traits], ['arm64', 'Ampere', 2, ['avx2', 'sev']]);
    assert.deepEqual(two.capacity, { cores: 64, coresAllocated: 16, memoryGib: 512, memoryAllocatedGib: 64 });
    assert.deepEqual(servers.get('ams1-srv-01').identity, { serial: 'SRV-21', mac: '0c:42:a1:00:00:21', dom0Ip: '198.51.100.21', internalIp: '10.1.0.21' });
    // InPlace's own servers stay, and are listed for the operator.
    assert.ok(servers.has('legacy-01') && servers.has('legacy-02'));
    assert.deepEqual(r.notInNetBox, ['legacy-01', 'legacy-02']);
  });

  it('a second run changes nothing and says so', async () => {
    const before = await inventory();
    const r = await report();
    for (const kind of ['sites', 'rows', 'racks', 'servers']) {
      assert.equal(r.summary[kind].created, 0, kind);
      assert.equal(r.summary[kind].changed, 0, kind);
    }
    assert.deepEqual([r.summary.sites.unchanged, r.summary.rows.unchanged, r.summary.racks.unchanged, r.summary.servers.unchanged], [2, 3, 3, 3]);
    assert.deepEqual(r.written, { sites: 0, rows: 0, racks: 0, servers: 0 });
    assert.deepEqual(await inventory(), before, 'not even updatedAt moved');
    const text = await importNetBox([]);
    assert.match(text.stdout, /InPlace is up to date: nothing changed/);
    assert.match(text.stdout, /In InPlace but not in NetBox \(2; never deleted, yours to decide\): legacy-01, legacy-02/);
    assert.match(text.stdout, /not active: status planned \(1\): fra1-srv-03/);
  });

  it('a change in NetBox is one changed server, named with the fields that changed', async () => {
    const device = world.store.devices.find((d) => d.name === 'fra1-srv-02');
    device.custom_fields = { ...device.custom_fields, memory_gib: 1024 };
    const r = await report();
    assert.deepEqual(r.changes.servers, { created: [], changed: [{ id: 'fra1-srv-02', fields: ['properties.memoryGib'] }] });
    assert.equal(r.written.servers, 1);
    assert.equal((await inventory()).servers.get('fra1-srv-02').properties.memoryGib, 1024);
  });

  it('a MAC moving between two servers in one run: the server InPlace refuses is named, and the next run converges', async () => {
    const setMac = (device, mac) => {
      const eno1 = world.store.interfaces.find((i) => i.device.name === device && i.name === 'eno1');
      eno1.mac_address = mac;
      eno1.primary_mac_address.mac_address = mac;
      eno1.mac_addresses[0].mac_address = mac;
    };
    // fra1-srv-01 takes the MAC fra1-srv-02 has now; fra1-srv-02 gets a new one in the same run.
    setMac('fra1-srv-01', '0C:42:A1:00:00:12');
    setMac('fra1-srv-02', '0C:42:A1:00:00:98');
    const first = await report();
    assert.deepEqual(first.changes.servers.changed, [{ id: 'fra1-srv-02', fields: ['identity.mac'] }]);
    assert.deepEqual(first.skipped.filter((x) => x.reason === 'conflict' && x.device === 'fra1-srv-01').map((x) => x.detail), ['Another server already has this mac; nothing was changed.']);
    const second = await report();
    assert.deepEqual(second.changes.servers.changed, [{ id: 'fra1-srv-01', fields: ['identity.mac'] }]);
    const { servers } = await inventory();
    assert.deepEqual([servers.get('fra1-srv-01').identity.mac, servers.get('fra1-srv-02').identity.mac], ['0c:42:a1:00:00:12', '0c:42:a1:00:00:98']);
  });

  it('a server InPlace refuses for what only it checks (a bidi control in its CPU model) is skipped, the rest written', async () => {
    const fra = world.store.sites.find((x) => x.slug === 'fra1');
    const r01 = world.store.racks.find((x) => x.name === 'R01');
    world.device({ name: 'fra1-srv-12', site: fra, rack: r01, serial: 'SRV-31', customFields: serverFields(31, { cpu_model: 'EPYC\u202e4539' }), interfaces: [{ name: 'eno1', mac: '0C:42:A1:00:00:31' }], ip: '192.0.2.31/24' });
    world.device({ name: 'fra1-srv-13', site: fra, rack: r01, serial: 'SRV-32', customFields: serverFields(32), interfaces: [{ name: 'eno1', mac: '0C:42:A1:00:00:32' }], ip: '192.0.2.32/24' });
    try {
      const r = await report();
      assert.deepEqual(r.changes.servers.created, ['fra1-srv-13']);
      const refused = r.skipped.filter((x) => x.reason === 'refused by InPlace');
      assert.deepEqual(refused.map((x) => x.device), ['fra1-srv-12']);
      assert.match(refused[0].detail, /^properties\.cpuModel: must not contain U\+202E/);
      const { servers } = await inventory();
      assert.ok(servers.has('fra1-srv-13') && !servers.has('fra1-srv-12'));
    } finally {
      world.store.devices.splice(-2, 2);
    }
  });

  it('--site imports one site; a mapping can take the internal IP from NetBox IPAM', async () => {
    const mapping = join(dir, 'mapping.json');
    writeFileSync(mapping, JSON.stringify({ internalIpPrefix: '10.64.0.0/16' }));
    const r = await report('--site', 'ams1', '--mapping', mapping);
    assert.equal(r.devices, 1);
    assert.deepEqual(r.changes.servers, { created: [], changed: [{ id: 'ams1-srv-01', fields: ['identity.internalIp'] }] });
    assert.deepEqual(r.notInNetBox, []);
    assert.equal((await inventory()).servers.get('ams1-srv-01').identity.internalIp, '10.64.7.21');
    assert.ok(netbox.requests.some((q) => q.path === '/api/ipam/ip-addresses/' && q.query.includes('parent=10.64.0.0%2F16')));
    // Rows as the top level of nested locations: R01 (in Row A1, under Hall A) would stand in Hall A.
    writeFileSync(mapping, JSON.stringify({ rows: { depth: 0 } }));
    const top = await report('--site', 'fra1', '--mapping', mapping, '--dry-run');
    assert.deepEqual(top.changes.racks, { created: ['fra1.hall-a.R01'], changed: [] });
    assert.deepEqual(top.changes.servers.changed.map((c) => [c.id, c.fields]), [['fra1-srv-01', ['rackId']]]);
  });

  it('refuses a mapping with mistakes, naming each one, before reading anything', async () => {
    const mapping = join(dir, 'bad-mapping.json');
    writeFileSync(mapping, JSON.stringify({ servers: { roles: [] }, rows: { from: 'floor' }, customFields: { cores: 'CPU Cores' }, colour: 'blue' }));
    const seen = netbox.requests.length;
    const r = await importNetBox(['--mapping', mapping]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /mapping file .* is not valid/);
    for (const key of ['servers.roles', 'rows.from', 'customFields.cores', '(top level)']) assert.ok(r.stderr.includes(`- ${key}:`), `${key} in ${r.stderr}`);
    assert.equal(netbox.requests.length, seen);
  });

  it('a 403 from NetBox stops the import with a clear message, no write and no token in the output', async () => {
    const before = await inventory();
    const locked = await startNetBox(world, { token: TOKEN, forbidden: ['dcim/devices'] });
    try {
      const r = await importNetBox([], { url: locked.url });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /NetBox refused the token for \/api\/dcim\/devices\/: 403 Forbidden \(NetBox said: You do not have permission to perform this action\.\)/);
      assert.match(r.stderr, /needs read permission/);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(TOKEN));
      assert.equal(r.stdout, '');
    } finally {
      await locked.close();
    }
    const wrong = await importNetBox([], { token: 'f'.repeat(40) });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /403 Forbidden \(NetBox said: Invalid v1 token\)/);
    assert.ok(!wrong.stderr.includes('f'.repeat(40)));
    assert.deepEqual(await inventory(), before);
  });

  it('rides out NetBox throttling (429) by retrying with backoff', async () => {
    const busy = await startNetBox(world, { token: TOKEN, throttle: 2 });
    try {
      const r = await importNetBox(['--json', '--site', 'fra1'], { url: busy.url });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /429.*retrying/);
      assert.deepEqual(JSON.parse(r.stdout).summary.servers, { created: 0, changed: 0, unchanged: 2, skipped: EXPECTED_SKIPS.length });
      assert.equal(busy.requests.filter((q) => q.authorization !== `Token ${TOKEN}`).length, 0);
    } finally {
      await busy.close();
    }
  });
});

#!/usr/bin/env node
// @ts-check
// `npm run import:netbox`: imports the data center an operator keeps in NetBox (sites → locations →
// racks → devices) into InPlace's inventory through PUT /v1/inventory, idempotently and without ever
// deleting. Progress goes to stderr, the summary to stdout (`--json` for scripts).
import { parseArgs } from 'node:util';
import { connection, runMain, table, UsageError } from './lib/cli.mjs';
import { netboxClient } from './lib/netbox/client.mjs';
import { convert, serverIdOf, SKIP_REASONS } from './lib/netbox/convert.mjs';
import { loadMapping } from './lib/netbox/mapping.mjs';
import { inventorySchemas, plan, readInPlace, refusal, withoutConflicts, write } from './lib/netbox/sync.mjs';
import { typedClient } from './lib/typed-api.mjs';

const HELP = `Usage: npm run import:netbox -- --netbox-url URL [options]

Imports sites, rows, racks and servers from NetBox into InPlace's inventory. Idempotent (a second
run changes nothing); never deletes (servers InPlace has and NetBox does not are listed).

Options
  --netbox-url URL     NetBox's base URL                       (env NETBOX_URL)
  --netbox-token TOKEN a NetBox API token with read permission  (env NETBOX_TOKEN; prefer it: a flag shows in ps)
  --url URL            InPlace's base URL  (env INPLACE_URL; default: the demo file, else http://127.0.0.1:8787)
  --key KEY            an operator API key (env INPLACE_KEY; default: the demo file's operator key)
  --demo FILE          demo file           (default .inplace/demo.json)
  --mapping FILE       JSON mapping: server roles and statuses, rows, custom fields (README: "Import from NetBox")
  --site SLUG          import one NetBox site only
  --dry-run            read both sides and print what would change; write nothing
  --json               the report as JSON on stdout
  -h, --help           this help`;

/** How many NetBox device ids one interfaces request filters on (keeps the URL short). */
const DEVICES_PER_INTERFACE_REQUEST = 100;
/** Progress lines at most this often. */
const PROGRESS_EVERY_MS = 1000;
/** Entries per skip reason (and per list) the human report prints; --json has them all. */
const SHOWN = 25;

const { values: opts } = parseArgs({
  options: {
    'netbox-url': { type: 'string' },
    'netbox-token': { type: 'string' },
    url: { type: 'string' },
    key: { type: 'string' },
    demo: { type: 'string', default: '.inplace/demo.json' },
    mapping: { type: 'string' },
    site: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

/** A progress reporter for one phase: prints to stderr at most once a second, and always at the end. */
function progress(/** @type {string} */ what) {
  let last = 0;
  return (/** @type {number} */ done, /** @type {number} */ total) => {
    const now = Date.now();
    if (done < total && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    process.stderr.write(`${what}: ${done}/${total}\n`);
  };
}

/** @param {string[]} items */
const some = (items) => (items.length > SHOWN ? `${items.slice(0, SHOWN).join(', ')} … and ${items.length - SHOWN} more (--json lists all)` : items.join(', '));

/** Reads what the import needs from NetBox. @param {ReturnType<typeof netboxClient>} netbox @param {import('./lib/netbox/mapping.mjs').MappingT} mapping */
async function readNetBox(netbox, mapping) {
  const site = opts.site;
  const [sites, locations, racks, devices, internalIps] = await Promise.all([
    netbox.list('api/dcim/sites/', { slug: site }),
    netbox.list('api/dcim/locations/', { site }),
    netbox.list('api/dcim/racks/', { site }),
    netbox.list('api/dcim/devices/', { site }, progress('NetBox devices read')),
    mapping.internalIpPrefix ? netbox.list('api/ipam/ip-addresses/', { parent: mapping.internalIpPrefix, assigned_object_type: 'dcim.interface' }) : null,
  ]);
  if (site && !sites.length) throw new UsageError(`NetBox has no site with slug "${site}"`);
  // Interfaces only of devices that can be servers; each request names a batch of devices.
  const candidates = devices.filter((d) => mapping.servers.roles.includes(d.role?.slug) && mapping.servers.statuses.includes(d.status?.value) && d.rack && d.primary_ip4);
  /** @type {Map<number, any[]>} */
  const interfaces = new Map();
  const batches = [];
  for (let i = 0; i < candidates.length; i += DEVICES_PER_INTERFACE_REQUEST) batches.push(candidates.slice(i, i + DEVICES_PER_INTERFACE_REQUEST));
  const report = progress('NetBox interfaces read (devices)');
  let read = 0;
  await Promise.all(
    batches.map(async (batch) => {
      const found = await netbox.list('api/dcim/interfaces/', { device_id: batch.map((d) => d.id) });
      for (const i of found) interfaces.set(i.device.id, [...(interfaces.get(i.device.id) ?? []), i]);
      read += batch.length;
      report(read, candidates.length);
    }),
  );
  /** @type {Map<number, string> | null} */
  let ips = null;
  if (internalIps) {
    ips = new Map();
    for (const ip of internalIps) {
      const deviceId = ip.assigned_object?.device?.id;
      if (deviceId !== undefined && !ips.has(deviceId)) ips.set(deviceId, ip.address);
    }
  }
  return { sites, locations, racks, devices, interfaces, internalIps: ips };
}

async function main() {
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  const netboxUrl = opts['netbox-url'] || process.env.NETBOX_URL;
  const token = opts['netbox-token'] || process.env.NETBOX_TOKEN;
  if (!netboxUrl) throw new UsageError('--netbox-url (or NETBOX_URL) is required');
  if (!token) throw new UsageError('--netbox-token (or NETBOX_TOKEN) is required');
  if (!URL.canParse(netboxUrl) || !/^https?:$/.test(new URL(netboxUrl).protocol)) throw new UsageError('--netbox-url must be an http(s) URL');
  let mapping;
  try {
    mapping = loadMapping(opts.mapping);
  } catch (err) {
    throw new UsageError(/** @type {Error} */ (err).message);
  }
  const { baseUrl, key } = connection({ url: opts.url, key: opts.key, demo: opts.demo, as: 'operator' });
  const api = typedClient(baseUrl, key);
  const netbox = netboxClient(netboxUrl, token, { onRetry: (m) => process.stderr.write(`${m}\n`) });

  const started = Date.now();
  const [fromNetBox, current, schemas] = await Promise.all([readNetBox(netbox, mapping), readInPlace(api), inventorySchemas(baseUrl)]);
  const converted = convert(fromNetBox, mapping, current.servers);
  const skipped = [...converted.skipped];
  const valid = converted.servers.filter((s) => {
    const why = refusal(schemas, s.server);
    if (why) skipped.push({ device: s.device, netboxId: s.netboxId, reason: 'invalid property', detail: why, ...(current.servers.has(s.server.id) ? { inInPlace: true } : {}) });
    return !why;
  });
  const { keep, skipped: conflicts } = withoutConflicts(valid, current.servers);
  skipped.push(...conflicts);
  // Units only for the servers that are imported.
  const racks = new Set(keep.map((s) => s.server.rackId));
  const unitsRacks = converted.racks.filter((r) => racks.has(r.id));
  const rowIds = new Set(unitsRacks.map((r) => r.rowId));
  const unitsRows = converted.rows.filter((r) => rowIds.has(r.id));
  const siteIds = new Set(unitsRows.map((r) => r.siteId));
  const desired = { sites: converted.sites.filter((s) => siteIds.has(s.id)), rows: unitsRows, racks: unitsRacks, servers: keep.map((s) => s.server) };
  const changes = plan(desired, current);

  let written = null;
  if (!opts['dry-run']) {
    const pick = (/** @type {'sites' | 'rows' | 'racks'} */ kind) => [...changes[kind].created, ...changes[kind].changed.map((c) => c.item)];
    const serverIds = new Set([...changes.servers.created, ...changes.servers.changed.map((c) => c.item)].map((s) => s.id));
    const result = await write(api, { sites: pick('sites'), rows: pick('rows'), racks: pick('racks'), servers: keep.filter((s) => serverIds.has(s.server.id)) }, progress('InPlace servers written'));
    written = result.changed;
    // Servers InPlace refused are skips, not changes.
    const refused = new Set(result.refused.map((r) => keep.find((s) => s.netboxId === r.netboxId)?.server.id));
    skipped.push(...result.refused);
    changes.servers.created = changes.servers.created.filter((s) => !refused.has(s.id));
    changes.servers.changed = changes.servers.changed.filter((c) => !refused.has(c.item.id));
  }

  const netboxServerIds = new Set(fromNetBox.devices.map(serverIdOf).filter(Boolean));
  const notInNetBox = [...current.servers.values()].filter((s) => (!opts.site || s.siteId === opts.site) && !netboxServerIds.has(s.id)).map((s) => s.id);
  const byReason = Object.fromEntries(SKIP_REASONS.map((r) => [r, skipped.filter((s) => s.reason === r).length]).filter(([, n]) => n));
  const kinds = /** @type {const} */ (['sites', 'rows', 'racks', 'servers']);
  const report = {
    netbox: netbox.origin,
    inplace: baseUrl,
    site: opts.site ?? null,
    dryRun: opts['dry-run'],
    seconds: Math.round((Date.now() - started) / 100) / 10,
    devices: fromNetBox.devices.length,
    summary: Object.fromEntries(kinds.map((k) => [k, { created: changes[k].created.length, changed: changes[k].changed.length, unchanged: changes[k].unchanged, ...(k === 'servers' ? { skipped: skipped.length } : {}) }])),
    written,
    skippedByReason: byReason,
    skipped,
    changes: Object.fromEntries(kinds.map((k) => [k, { created: changes[k].created.map((x) => x.id), changed: changes[k].changed.map((c) => ({ id: c.item.id, fields: c.fields })) }])),
    notInNetBox,
  };
  console.log(opts.json ? JSON.stringify(report, null, 2) : human(report));
  return 0;
}

/** The report for people. @param {any} r */
function human(r) {
  const total = ['sites', 'rows', 'racks', 'servers'].reduce((n, k) => n + r.summary[k].created + r.summary[k].changed, 0);
  const lines = [
    `NetBox ${r.netbox}${r.site ? ` (site ${r.site})` : ''} → InPlace ${r.inplace}: ${r.devices} devices read in ${r.seconds} s`,
    r.dryRun ? `dry run: nothing written; ${total ? `${total} object(s) would change` : 'nothing would change'}` : total ? `${total} object(s) created or changed` : 'InPlace is up to date: nothing changed',
    '',
    table(
      ['', 'created', 'changed', 'unchanged', 'skipped'],
      ['sites', 'rows', 'racks', 'servers'].map((k) => [k, r.summary[k].created, r.summary[k].changed, r.summary[k].unchanged, r.summary[k].skipped ?? '']),
    ),
  ];
  const reasons = Object.keys(r.skippedByReason);
  if (reasons.length) {
    lines.push('', `Devices not imported (${r.skipped.length}):`);
    lines.push(table(['reason', 'devices'], reasons.map((reason) => [reason, r.skippedByReason[reason]])));
    // One line per reason and detail, naming the devices (a device InPlace has is left as it is).
    /** @type {Map<string, string[]>} */
    const groups = new Map();
    for (const s of r.skipped) {
      const key = `${s.reason}: ${s.detail}`;
      groups.set(key, [...(groups.get(key) ?? []), `${s.device}${s.inInPlace ? ' (in InPlace, left as it is)' : ''}`]);
    }
    for (const [key, devices] of groups) lines.push(`  ${key} (${devices.length}): ${some(devices)}`);
  }
  for (const kind of ['sites', 'rows', 'racks', 'servers']) {
    const { created, changed } = r.changes[kind];
    if (created.length) lines.push(`${r.dryRun ? 'would create' : 'created'} ${kind}: ${some(created)}`);
    if (changed.length) lines.push(`${r.dryRun ? 'would change' : 'changed'} ${kind}: ${some(changed.map((/** @type {any} */ c) => `${c.id} (${c.fields.join(', ')})`))}`);
  }
  if (r.notInNetBox.length) lines.push('', `In InPlace but not in NetBox (${r.notInNetBox.length}; never deleted, yours to decide): ${some(r.notInNetBox)}`);
  return lines.join('\n');
}

runMain(main, { answered: 'InPlace answered ', unreachable: (why) => `InPlace is not reachable (${why}); check --url` });

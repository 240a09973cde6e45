// @ts-check
// The InPlace side of the import: what InPlace holds now, which converted servers it would refuse
// (checked against the schemas of its own OpenAPI document, so the rules are never restated here),
// what an upsert would create or change, and the writes through PUT /v1/inventory in batches
// within its limits. Nothing is ever deleted.
import { z } from 'zod';
import { ApiError } from '../api.mjs';

/** PUT /v1/inventory takes at most 2,000 units of each kind (MAX_INVENTORY_UNITS). */
const UNITS_PER_REQUEST = 2000;
/** At most 5,000 servers per request (MAX_INVENTORY_SERVERS); smaller batches keep each transaction and body short. */
const SERVERS_PER_REQUEST = 1000;
/** The largest page GET /v1/inventory/* serves (PAGE_LIMIT_MAX). */
const INPLACE_PAGE = 500;

/** @typedef {ReturnType<typeof import('../typed-api.mjs').typedClient>} Api */
/** @typedef {import('./convert.mjs').Skip} Skip */
/** @typedef {'sites' | 'rows' | 'racks' | 'servers'} Kind */

/** Every page of an InPlace list. @param {(cursor: string | undefined) => Promise<{ items: any[], nextCursor: string | null }>} page */
async function all(page) {
  const items = [];
  let cursor;
  do {
    const got = await page(cursor);
    items.push(...got.items);
    cursor = got.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** What InPlace holds now: units by kind and servers, each by id. @param {Api} api */
export async function readInPlace(api) {
  const units = async (/** @type {'site' | 'row' | 'rack'} */ kind) =>
    new Map((await all((cursor) => api.call('getInventoryUnits', { query: { kind, limit: INPLACE_PAGE, cursor } }))).map((u) => [u.id, u]));
  const [sites, rows, racks, servers] = await Promise.all([
    units('site'),
    units('row'),
    units('rack'),
    all((cursor) => api.call('getInventoryServers', { query: { limit: INPLACE_PAGE, cursor } })),
  ]);
  return { sites, rows, racks, servers: new Map(servers.map((s) => [s.id, s])) };
}

/**
 * Validators for what PUT /v1/inventory takes, built from the schemas of the service's own OpenAPI
 * document (served at /openapi.json without a key).
 * @param {string} baseUrl
 */
export async function inventorySchemas(baseUrl) {
  const res = await fetch(new URL('/openapi.json', baseUrl));
  if (!res.ok) throw new Error(`InPlace at ${baseUrl} did not serve its OpenAPI document (${res.status})`);
  const doc = await res.json();
  // OpenAPI 3.1 schemas are JSON Schema 2020-12 with their definitions under components.schemas.
  const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/'));
  const of = (/** @type {string} */ name) => z.fromJSONSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', $defs: defs, $ref: `#/$defs/${name}` });
  return { site: of('SiteInput'), row: of('RowInput'), rack: of('RackInput'), server: of('ServerInput') };
}

/** Why InPlace would refuse a server, or null. @param {Awaited<ReturnType<typeof inventorySchemas>>} schemas @param {any} server */
export function refusal(schemas, server) {
  const parsed = schemas.server.safeParse(server);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  // The one rule the API checks beyond its schema.
  if (server.capacity.coresAllocated > server.properties.cores) return 'capacity.coresAllocated: exceeds the server’s cores';
  if (server.capacity.memoryAllocatedGib > server.properties.memoryGib) return 'capacity.memoryAllocatedGib: exceeds the server’s memory';
  return null;
}

/** The fields of `want` whose value differs in `have` (a unit, or a server as GET lists it). */
function differences(/** @type {Record<string, any>} */ want, /** @type {Record<string, any>} */ have) {
  /** @type {string[]} */
  const out = [];
  const walk = (/** @type {Record<string, any>} */ w, /** @type {Record<string, any>} */ h, /** @type {string} */ at) => {
    for (const [k, v] of Object.entries(w)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, h?.[k] ?? {}, `${at}${k}.`);
      else if (JSON.stringify(v) !== JSON.stringify(h?.[k] ?? null)) out.push(`${at}${k}`);
    }
  };
  walk(want, have, '');
  return out;
}

/**
 * Sorts each desired object into created, changed (with the fields) or unchanged against InPlace.
 * @param {{ sites: any[], rows: any[], racks: any[], servers: any[] }} desired
 * @param {Awaited<ReturnType<typeof readInPlace>>} current
 */
export function plan(desired, current) {
  /** @type {Record<Kind, { created: any[], changed: { item: any, fields: string[] }[], unchanged: number }>} */
  const out = /** @type {any} */ ({});
  for (const kind of /** @type {Kind[]} */ (['sites', 'rows', 'racks', 'servers'])) {
    const have = current[kind];
    const entry = { created: /** @type {any[]} */ ([]), changed: /** @type {{ item: any, fields: string[] }[]} */ ([]), unchanged: 0 };
    for (const item of desired[kind]) {
      const existing = have.get(item.id);
      if (!existing) entry.created.push(item);
      else {
        // A listed server carries its position and totals beside what PUT takes; only what PUT takes is compared.
        const fields = differences(item, existing);
        if (fields.length) entry.changed.push({ item, fields });
        else entry.unchanged++;
      }
    }
    out[kind] = entry;
  }
  return out;
}

/** Server indexes InPlace's 400/422 names (`json.servers.N.…`). @param {ApiError} err */
function refusedIndexes(err) {
  /** @type {Map<number, string[]>} */
  const out = new Map();
  for (const e of err.problem?.errors ?? []) {
    const m = /^(?:json\.)?servers\.(\d+)\.?(.*)$/.exec(e.field);
    if (m) out.set(Number(m[1]), [...(out.get(Number(m[1])) ?? []), `${m[2] || '(server)'}: ${e.message}`]);
  }
  return out;
}

/**
 * Writes units (first, so servers can name their racks) and then servers in batches. A batch InPlace
 * refuses for some servers is sent again without them; a 409 (an identity another server holds) is
 * narrowed down by halving until the one server is found. Those servers are returned as skips.
 * @param {Api} api
 * @param {{ sites: any[], rows: any[], racks: any[], servers: { server: any, netboxId: number, device: string }[] }} writes
 * @param {(done: number, total: number) => void} onProgress
 */
export async function write(api, writes, onProgress) {
  const changed = { sites: 0, rows: 0, racks: 0, servers: 0 };
  /** @type {Skip[]} */
  const refused = [];
  const unitCount = Math.max(writes.sites.length, writes.rows.length, writes.racks.length);
  for (let i = 0; i < unitCount; i += UNITS_PER_REQUEST) {
    const body = { sites: writes.sites.slice(i, i + UNITS_PER_REQUEST), rows: writes.rows.slice(i, i + UNITS_PER_REQUEST), racks: writes.racks.slice(i, i + UNITS_PER_REQUEST) };
    const r = await api.call('putInventory', { body });
    for (const k of /** @type {const} */ (['sites', 'rows', 'racks'])) changed[k] += r[k].changed;
  }
  let done = 0;
  /** @param {typeof writes.servers} batch */
  async function put(batch) {
    if (!batch.length) return;
    try {
      const r = await api.call('putInventory', { body: { servers: batch.map((b) => b.server) } });
      changed.servers += r.servers.changed;
      done += batch.length;
      onProgress(done, writes.servers.length);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const bad = refusedIndexes(err);
      if ((err.status === 400 || err.status === 422) && bad.size) {
        for (const [i, why] of bad) {
          const b = batch[i];
          if (b) refused.push({ device: b.device, netboxId: b.netboxId, reason: 'refused by InPlace', detail: why.join('; '), inInPlace: false });
        }
        await put(batch.filter((_, i) => !bad.has(i)));
      } else if (err.status === 409 && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await put(batch.slice(0, half));
        await put(batch.slice(half));
      } else if (err.status === 409) {
        const b = /** @type {typeof batch[number]} */ (batch[0]);
        refused.push({ device: b.device, netboxId: b.netboxId, reason: 'conflict', detail: err.problem?.detail ?? 'another server holds its identity' });
      } else throw err;
    }
  }
  for (let i = 0; i < writes.servers.length; i += SERVERS_PER_REQUEST) await put(writes.servers.slice(i, i + SERVERS_PER_REQUEST));
  return { changed, refused };
}

/**
 * Servers whose serial, MAC or Dom0 IP another InPlace server holds (one this import does not move
 * off that value): InPlace would refuse them, so they are skipped up front.
 * @param {{ server: any, netboxId: number, device: string }[]} servers
 * @param {Map<string, any>} current InPlace's servers by id
 * @returns {{ keep: typeof servers, skipped: Skip[] }}
 */
export function withoutConflicts(servers, current) {
  const desired = new Map(servers.map((s) => [s.server.id, s.server]));
  /** @type {[string, (s: any) => string][]} */
  const identities = [['serial', (s) => s.identity.serial], ['MAC', (s) => s.identity.mac], ['Dom0 IP', (s) => s.identity.dom0Ip]];
  const owners = identities.map(([, get]) => new Map([...current.values()].map((s) => [get(s), s.id])));
  const keep = [];
  /** @type {Skip[]} */
  const skipped = [];
  for (const s of servers) {
    const clash = identities.findIndex(([, get], i) => {
      const owner = owners[i]?.get(get(s.server));
      const moving = owner !== undefined ? desired.get(owner) : undefined;
      return owner !== undefined && owner !== s.server.id && !(moving && get(moving) !== get(s.server));
    });
    if (clash < 0) keep.push(s);
    else {
      const [what, get] = /** @type {[string, (s: any) => string]} */ (identities[clash]);
      skipped.push({ device: s.device, netboxId: s.netboxId, reason: 'conflict', detail: `InPlace server ${owners[clash]?.get(get(s.server))} already has ${what} ${get(s.server)}`, inInPlace: current.has(s.server.id) });
    }
  }
  return { keep, skipped };
}

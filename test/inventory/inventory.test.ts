import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR } from '../http';
import { dataCenter, putInventory, registerCustomer, registerProvider, server } from '../factories';

async function serverCount() {
  return (await env.DB.prepare('SELECT count(*) AS n FROM servers').first<{ n: number }>())?.n ?? 0;
}

describe('PUT /v1/inventory', () => {
  it('creates the hierarchy, and the same body again changes nothing', async () => {
    const dc = dataCenter('idem', 2, 2, 3);
    const first = await call('PUT', '/v1/inventory', { key: OPERATOR, body: dc });
    expectStatus(first, 200);
    expect(first.body).toEqual({
      sites: { received: 1, changed: 1 },
      rows: { received: 2, changed: 2 },
      racks: { received: 4, changed: 4 },
      servers: { received: 12, changed: 12 },
    });
    const before = await env.DB.prepare('SELECT id, updated_at FROM servers ORDER BY id').all();
    const again = await call('PUT', '/v1/inventory', { key: OPERATOR, body: dc });
    expectStatus(again, 200);
    expect(again.body.servers).toEqual({ received: 12, changed: 0 });
    expect(again.body.racks).toEqual({ received: 4, changed: 0 });
    const after = await env.DB.prepare('SELECT id, updated_at FROM servers ORDER BY id').all();
    expect(after.results).toEqual(before.results);
  });

  it('reports exactly the servers whose properties changed', async () => {
    const dc = dataCenter('chg', 1, 1, 3);
    await putInventory(dc);
    const edited = { servers: [{ ...dc.servers![1]!, properties: { ...dc.servers![1]!.properties, memoryGib: 512 } }] };
    const r = await call('PUT', '/v1/inventory', { key: OPERATOR, body: edited });
    expectStatus(r, 200);
    expect(r.body.servers).toEqual({ received: 1, changed: 1 });
    const row = await env.DB.prepare('SELECT memory_gib FROM servers WHERE id = ?').bind(dc.serverIds[1]).first();
    expect(row).toEqual({ memory_gib: 512 });
  });

  it('is all or nothing: one invalid server in a batch changes nothing', async () => {
    const dc = dataCenter('atomic', 1, 2, 3);
    const bad = structuredClone(dc);
    bad.servers![4]!.properties.cores = -1;
    const before = await serverCount();
    const r = await call('PUT', '/v1/inventory', { key: OPERATOR, body: bad });
    expectProblem(r, 400, 'validation');
    expect(r.body.errors).toContainEqual({ field: 'json.servers.4.properties.cores', message: 'Too small: expected number to be >=1' });
    expect(r.body.errors?.every((e) => e.field.startsWith('json.servers.4.'))).toBe(true);
    expect(await serverCount()).toBe(before);
  });

  it('is all or nothing when the database refuses a row late in the batch (duplicate serial)', async () => {
    const existing = dataCenter('dupa', 1, 1, 1);
    await putInventory(existing);
    const dc = dataCenter('dupb', 1, 1, 30);
    dc.servers![29]!.identity.serial = existing.servers![0]!.identity.serial;
    const before = await serverCount();
    const r = await call('PUT', '/v1/inventory', { key: OPERATOR, body: dc });
    expectProblem(r, 409, 'conflict');
    expect(await serverCount()).toBe(before);
    const racks = await env.DB.prepare("SELECT count(*) AS n FROM racks WHERE id LIKE 'dupb%'").first<{ n: number }>();
    expect(racks?.n).toBe(0);
  });

  it('refuses dangling references, naming each one', async () => {
    const r = await call('PUT', '/v1/inventory', {
      key: OPERATOR,
      body: { racks: [{ id: 'orphan-rack', rowId: 'no-such-row', name: 'x' }], servers: [server('orphan-1', 'no-such-rack')] },
    });
    expectProblem(r, 422, 'unprocessable');
    expect(r.body.errors).toEqual([
      { field: 'racks.0.rowId', message: 'no row "no-such-row"' },
      { field: 'servers.0.rackId', message: 'no rack "no-such-rack"' },
    ]);
  });

  it('refuses unknown fields', async () => {
    const dc = dataCenter('unk', 1, 1, 1);
    const body = { ...dc, servers: [{ ...dc.servers![0]!, colour: 'red' }] };
    const r = await call('PUT', '/v1/inventory', { key: OPERATOR, body });
    expectProblem(r, 400, 'validation');
    expect(r.body.errors?.[0].field).toBe('json.servers.0');
  });

  it('accepts thousands of servers in one request (chunked within D1 limits)', { timeout: 30_000 }, async () => {
    const dc = dataCenter('big', 5, 10, 50);
    const r = await call('PUT', '/v1/inventory', { key: OPERATOR, body: dc });
    expectStatus(r, 200);
    expect(r.body.servers).toEqual({ received: 2500, changed: 2500 });
  });

  it('is for the operator only (403 for customers and providers, nothing written)', async () => {
    const c = await registerCustomer();
    const p = await registerProvider();
    const before = await serverCount();
    for (const key of [c.key, p.key]) {
      expectProblem(await call('PUT', '/v1/inventory', { key, body: dataCenter('nope', 1, 1, 1) }), 403, 'forbidden');
      expectProblem(await call('GET', '/v1/inventory/servers', { key }), 403, 'forbidden');
    }
    expect(await serverCount()).toBe(before);
  });
});

describe('GET /v1/inventory/servers', () => {
  it('filters by site, row and rack and pages with a cursor', async () => {
    const dc = dataCenter('list', 2, 2, 3);
    await putInventory(dc);
    const rack = await call('GET', '/v1/inventory/servers?rack=list-r2-k1', { key: OPERATOR });
    expectStatus(rack, 200);
    expect(rack.body.items.map((s) => s.id)).toEqual(['list-r2-k1-v1', 'list-r2-k1-v2', 'list-r2-k1-v3']);
    expect(rack.body.items[0]).toMatchObject({ siteId: 'list', rowId: 'list-r2', rackId: 'list-r2-k1', identity: { serial: expect.any(String) } });
    const row = await call('GET', '/v1/inventory/servers?row=list-r1', { key: OPERATOR });
    expectStatus(row, 200);
    expect(row.body.items).toHaveLength(6);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${cursor}` : '';
      const page = bodyOf(await call('GET', `/v1/inventory/servers?site=list&limit=5${after}`, { key: OPERATOR }), 200);
      expect(page.items.length).toBeLessThanOrEqual(5);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...dc.serverIds].sort());
  });

  it('bounds the limit', async () => {
    expectProblem(await call('GET', '/v1/inventory/servers?limit=100000', { key: OPERATOR }), 400, 'validation');
  });
});

describe('GET /v1/inventory/units', () => {
  it('lists each kind of unit in the shape PUT takes, paged with a cursor', async () => {
    const dc = dataCenter('unitlist', 2, 3, 1);
    await putInventory(dc);
    const sites = await call('GET', '/v1/inventory/units?kind=site&limit=500', { key: OPERATOR });
    expectStatus(sites, 200);
    expect(sites.body.items).toContainEqual({ id: 'unitlist', name: 'Site unitlist', region: 'eu-central' });
    const rows = await call('GET', '/v1/inventory/units?kind=row&limit=500', { key: OPERATOR });
    expectStatus(rows, 200);
    expect(rows.body.items.filter((r) => r.id.startsWith('unitlist-'))).toEqual(dc.rows);
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${cursor}` : '';
      const page = bodyOf(await call('GET', `/v1/inventory/units?kind=rack&limit=2${after}`, { key: OPERATOR }), 200);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.filter((r) => (r as { id: string }).id.startsWith('unitlist-'))).toEqual([...dc.racks!].sort((a, b) => a.id.localeCompare(b.id)));
  });

  it('is the operator’s alone, and needs a known kind', async () => {
    const customer = await registerCustomer();
    expectProblem(await call('GET', '/v1/inventory/units?kind=site', { key: customer.key }), 403, 'forbidden');
    expectProblem(await call('GET', '/v1/inventory/units?kind=server', { key: OPERATOR }), 400, 'validation');
  });
});

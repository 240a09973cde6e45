import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { trafficLine, type Migration, type Traffic } from '../../src/console/migration-view';
import { JOBS } from '../../src/reconcile/jobs';
import { recordUsage, utcDay } from '../../src/usage/recorder';
import { fingerprint } from '../../src/console/handoff';
import { pastedIds } from '../../src/console/provider-check';
import { periodsBetween } from '../../src/console/usage-chart';
import { serverCount } from '../../src/lib/server-count';
import { availabilityWord, reasonWithCount, verdictWord } from '../../src/lib/answer-words';
import { WITHHELD_REASONS } from '../../src/disclosure/release';
import { bodyOf, call, expectStatus, OPERATOR } from '../http';
import { createPlatform, dataCenter, place, putInventory, registerCustomer, registerProvider, server, settled } from '../factories';
import { cookieOf, csrfOf, signIn, visit } from './session';

/** Text as the console's JSX writes it into a page. */
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('console sign-in', () => {
  it('sends visitors without a session to the sign-in page', async () => {
    for (const path of ['/console', '/console/usage', '/console/operator']) {
      const page = await visit(path);
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/console/sign-in');
    }
    const page = await visit('/console/sign-in');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<input id="key" name="key" type="password"');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('keeps the key sealed in an HttpOnly, Secure, SameSite=Strict cookie, never in clear', async () => {
    const c = await registerCustomer();
    const page = await visit('/console/sign-in', { form: { key: c.key } });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/customer');
    const set = page.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^__Host-inplace_console=/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('Secure');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    expect(set).toMatch(/Max-Age=28800/);
    expect(set).not.toContain(c.key.slice(8, 24));
    expect(decodeURIComponent(set)).not.toContain(c.key.slice(8, 24));
    const usage = await visit('/console/usage', { cookie: cookieOf(page) });
    expect(usage.status).toBe(200);
    expect(usage.html).not.toContain(c.key);
  });

  it('drops Secure only for local development over http on a loopback address', async () => {
    const c = await registerCustomer();
    const page = await visit('/console/sign-in', { form: { key: c.key }, base: 'http://127.0.0.1:8850' });
    const set = page.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^inplace_console=/);
    expect(set).not.toContain('Secure');
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
  });

  it('refuses unknown, malformed and agent keys with the same message, and sets no cookie', async () => {
    const dc = dataCenter('csa', 1, 1, 1);
    await putInventory(dc);
    const agent = await call('POST', '/v1/api-keys', { key: OPERATOR, body: { agentFor: dc.serverIds[0] } });
    expectStatus(agent, 201);
    for (const key of [`inp_cus_${'x'.repeat(43)}`, 'hello', agent.body.key as string]) {
      const page = await visit('/console/sign-in', { form: { key } });
      expect(page.status).toBe(401);
      expect(page.html).toContain('That key was not accepted');
      expect(page.headers.get('set-cookie')).toBeNull();
      expect(page.html).not.toContain(key);
    }
  });

  it('refuses a cross-site form post (no matching Origin)', async () => {
    const c = await registerCustomer();
    expect((await visit('/console/sign-in', { form: { key: c.key }, origin: null })).status).toBe(403);
    expect((await visit('/console/sign-in', { form: { key: c.key }, origin: 'https://evil.example' })).status).toBe(403);
  });

  it('ends the session when the cookie is tampered with or the key is revoked', async () => {
    const c = await registerCustomer();
    const cookie = await signIn(c.key);
    const [name, value = ''] = cookie.split('=');
    const tampered = `${name}=${value.slice(0, -6)}AAAAAA`;
    expect((await visit('/console/usage', { cookie: tampered })).status).toBe(303);
    expect((await visit('/console/usage', { cookie })).status).toBe(200);
    const keys = await call('GET', '/v1/api-keys', { key: c.key });
    expectStatus(keys, 200);
    expect((await call('DELETE', `/v1/api-keys/${keys.body.items[0].id}`, { key: c.key })).status).toBe(204);
    const after = await visit('/console/usage', { cookie });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/console/sign-in');
  });

  it('signs out only with the page’s CSRF token', async () => {
    const c = await registerCustomer();
    const cookie = await signIn(c.key);
    const page = await visit('/console/usage', { cookie });
    const forged = await visit('/console/sign-out', { cookie, form: { _csrf: 'guess' } });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('set-cookie')).toBeNull();
    const out = await visit('/console/sign-out', { cookie, form: { _csrf: csrfOf(page.html) } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^__Host-inplace_console=;.*Max-Age=0/);
  });

  it('answers unknown console pages with an HTML 404', async () => {
    const c = await registerCustomer();
    const page = await visit('/console/nowhere', { cookie: await signIn(c.key) });
    expect(page.status).toBe(404);
    expect(page.html).toContain('No such console page.');
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});

describe('operator pages', () => {
  it('draws the data-center map: sites → rows → racks coloured by core allocation', async () => {
    const dc = dataCenter('map', 2, 2, 1);
    const [, ...others] = dc.servers ?? [];
    await putInventory({
      ...dc,
      racks: [...(dc.racks ?? []), { id: 'map-r2-k3', rowId: 'map-r2', name: 'Rack 3' }],
      servers: [server('map-r1-k1-v1', 'map-r1-k1', { cores: 64 }, { coresAllocated: 48, memoryAllocatedGib: 0 }), ...others],
    });
    const p = await registerProvider();
    const plat = await createPlatform(p.key);
    const customer = await registerCustomer();
    await place(customer.id, ['map-r1-k2-v1'], plat.id);
    const cookie = await signIn(OPERATOR);
    const page = await visit('/console/operator', { cookie });
    expect(page.status).toBe(200);
    expect(page.html).toContain('data-site="map"');
    expect(page.html).toContain('data-row="map-r2"');
    expect(page.html).toMatch(/class="rack heat-8" data-rack="map-r1-k1" data-occupancy="0.750"/);
    expect(page.html).toMatch(/class="rack heat-0 data" data-rack="map-r1-k2" data-occupancy="0.000" title="[^"]*1 servers hold data of 1 customers"/);
    expect(page.html).toContain('class="rack empty" data-rack="map-r2-k3"');
    expect(page.html).not.toContain(OPERATOR);
  });

  it('colours the map by compatibility with a chosen platform, with the reasons', async () => {
    const dc = dataCenter('fitmap', 1, 2, 2);
    await putInventory(dc);
    const p = await registerProvider();
    const any = await createPlatform(p.key, { name: 'Any Hardware' });
    const tdx = await createPlatform(p.key, { name: 'TDX Only', requirements: { requiredTraits: ['tdx'] } });
    const cookie = await signIn(OPERATOR);
    const good = await visit(`/console/operator?platform=${any.id}`, { cookie });
    expect(good.html).toContain(`<option value="${any.id}" selected="">compatibility with Any Hardware</option>`);
    expect(good.html).toMatch(/class="rack fit-10" data-rack="fitmap-r1-k1" data-fit="1.000" title="fitmap-r1-k1 · 2 of 2 servers fit Any Hardware/);
    const bad = await visit(`/console/operator?platform=${tdx.id}`, { cookie });
    expect(bad.html).toMatch(/class="rack fit-0" data-rack="fitmap-r1-k2" data-fit="0.000" title="fitmap-r1-k2 · 0 of 2 servers fit TDX Only · denied for: [^"]*tdx[^"]* \(2\)/);
    const plain = await visit('/console/operator?platform=plt_unknown', { cookie });
    expect(plain.html).toContain('data-occupancy=');
  });

  it('lists customers and providers with placements, platforms and this month’s bill', async () => {
    const dc = dataCenter('ppl', 1, 1, 2);
    await putInventory(dc);
    const p = await registerProvider('Provider Listed');
    const plat = await createPlatform(p.key, { name: 'Listed Platform' });
    const c = await registerCustomer('Customer Listed');
    await place(c.id, dc.serverIds, plat.id);
    const page = await visit('/console/operator/principals', { cookie: await signIn(OPERATOR) });
    expect(page.status).toBe(200);
    const row = page.html.slice(page.html.indexOf(`data-principal="${c.id}"`));
    expect(row.slice(0, row.indexOf('</tr>'))).toMatch(/Customer Listed.*Listed Platform<\/td><td class="num">2<\/td>/s);
    expect(page.html).toContain(`data-principal="${p.id}"`);
  });

  it('queues reconciliation on demand, which runs off the request, and shows each job’s last run', async () => {
    const cookie = await signIn(OPERATOR);
    const before = await visit('/console/operator/reconciliation', { cookie });
    const clicked = Date.now();
    const queued = await visit('/console/operator/reconciliation/run', { cookie, form: { _csrf: csrfOf(before.html) } });
    expect(queued.status).toBe(303);
    expect(queued.headers.get('location')).toBe('/console/operator/reconciliation?queued=1');
    expect((await visit('/console/operator/reconciliation?queued=1', { cookie })).html).toContain('Reconciliation queued');
    // The queue consumer runs every job and records its run.
    await vi.waitUntil(
      async () => (await env.DB.prepare('SELECT count(*) AS n FROM reconcile_runs WHERE ran_at >= ?').bind(clicked).first<number>('n')) === JOBS.length,
      { timeout: 20_000, interval: 50 },
    );
    const after = await visit('/console/operator/reconciliation', { cookie });
    expect(after.html).toContain('data-job="usage-flush"');
    expect(after.html).toContain('<span class="badge ok">ok</span>');
  });

  it('is for the operator only', async () => {
    const c = await registerCustomer();
    const cookie = await signIn(c.key);
    for (const path of ['/console/operator', '/console/operator/principals', '/console/operator/reconciliation', '/console/operator/inventory', '/console/operator/migrations', '/console/operator/agents']) {
      const page = await visit(path, { cookie });
      expect(page.status).toBe(403);
      expect(page.html).toContain('This page is for another role.');
    }
  });
});

describe('usage page', () => {
  it('shows the daily and monthly lines of GET /v1/account/usage', async () => {
    const c = await registerCustomer();
    const cookie = await signIn(c.key);
    const empty = await visit('/console/usage?from=2026-01-01&to=2026-01-31', { cookie });
    expect(empty.status).toBe(200);
    expect(empty.html).toContain('No billable operations in this range.');
    expect(empty.html).toContain('0.00 EUR');
    recordUsage(env, { waitUntil: () => undefined }, c.id, 'hardware-ids', 3);
    recordUsage(env, { waitUntil: () => undefined }, c.id, 'sbc-calls', 1000);
    const page = await visit('/console/usage', { cookie });
    const today = utcDay(Date.now());
    expect(page.html).toContain(`data-period="${today}" data-operation="hardware-ids" data-quantity="3"`);
    expect(page.html).toContain(`data-period="${today.slice(0, 7)}" data-operation="sbc-calls" data-quantity="1000"`);
    expect(page.html).toContain('<strong data-field="total">0.008 EUR</strong>');
    const bad = await visit('/console/usage?from=2026-02-30', { cookie });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('The request has invalid fields.');
  });
});

describe('customer and provider pages', () => {
  it('compares where the customer can move in place, with the reasons, and only for customers', async () => {
    const dc = dataCenter('cmip', 1, 2, 2);
    await putInventory(dc);
    const p = await registerProvider();
    const current = await createPlatform(p.key, { name: 'Where It Runs' });
    const fits = await createPlatform(p.key, { name: 'Fits Anywhere' });
    const never = await createPlatform(p.key, { name: 'Needs TDX', requirements: { requiredTraits: ['tdx'] } });
    const c = await registerCustomer();
    await place(c.id, dc.serverIds.slice(0, 3), current.id);
    const cookie = await signIn(c.key);
    const page = await visit('/console/customer?scope=rack', { cookie });
    expect(page.status).toBe(200);
    expect(page.html).toContain('Your data sits on 3 placements, on Where It Runs.');
    expect(page.html).toMatch(new RegExp(`data-platform="${fits.id}" data-available="true">.*?yes, same server.*?srv 3 · rack 3 · row 3 · site 3`, 's'));
    const denied = page.html.slice(page.html.indexOf(`data-platform="${never.id}"`));
    expect(denied.slice(0, denied.indexOf('</tr>'))).toMatch(/data-available="false".*<span class="badge bad">no<\/span>.*tdx.*\(3 placements\)/s);
    expect(page.html).not.toContain(`data-platform="${current.id}"`);
    expect((await visit('/console/customer', { cookie: await signIn(p.key) })).status).toBe(403);
  });

  it('shows a verdict and a MIP entry the census withholds as withheld, with the API’s reason, never as denied', async () => {
    // One server of the site holds a rare NIC: a probe platform requiring it is answered to nobody there.
    const dc = dataCenter('cwh', 1, 3, 4);
    const rare = dc.serverIds[0]!;
    await putInventory({ ...dc, servers: dc.servers!.map((s) => ({ ...s, properties: { ...s.properties, traits: s.id === rare ? ['sev', 'rare-nic'] : ['sev'] } })) });
    const home = await createPlatform((await registerProvider()).key, { name: 'Home Platform' });
    const p = await registerProvider();
    const probe = await createPlatform(p.key, { name: 'Rare NIC Probe', requirements: { requiredTraits: ['rare-nic'] } });
    const huge = await createPlatform(p.key, { name: 'Huge Memory', requirements: { properties: [{ op: 'gte', property: 'memoryGib', value: 100000 }] } });
    const c = await registerCustomer();
    await place(c.id, [rare], home.id);
    await settled();
    const ids = bodyOf(await call('POST', '/v1/hardware-ids', { key: c.key, body: { scope: 'server', audience: [p.id], maxUses: 10 } }), 201).items.map((i: { id: string }) => i.id);
    const cookie = await signIn(p.key);
    const check = async (against: string) => {
      const form = await visit('/console/provider/check', { cookie });
      const page = await visit('/console/provider/check', { cookie, form: { _csrf: csrfOf(form.html), ids: ids.join('\n'), against, properties: '1' } });
      expect(page.status).toBe(200);
      const at = page.html.indexOf('<tr data-result=');
      return { page: page.html, row: page.html.slice(at, page.html.indexOf('</tr>', at)) };
    };
    const withheld = await check(probe.id);
    expect(withheld.page).toContain('0 of 1 approved for Rare NIC Probe, 1 withheld');
    expect(withheld.row).toContain('data-withheld="true"');
    expect(withheld.row).toContain('<span class="badge warn">withheld</span>');
    expect(withheld.row).not.toMatch(/denied/);
    // The API's reason as it gives it, with no count of servers (and no server's value).
    expect(withheld.row).toContain(`<li>${escaped(WITHHELD_REASONS.narrow)}</li>`);
    expect(withheld.row).toContain('not counted');
    // A platform no server meets is answered, and denied.
    const denied = await check(huge.id);
    expect(denied.row).toContain('data-withheld="false"');
    expect(denied.row).toContain('<span class="badge bad">denied</span>');
    // The customer's MIP list: the probe is withheld, not "no"; the other is a plain no.
    const list = await visit('/console/customer?scope=rack', { cookie: await signIn(c.key) });
    const entry = (id: string) => {
      const at = list.html.indexOf(`data-platform="${id}"`);
      return list.html.slice(at, list.html.indexOf('</tr>', at));
    };
    expect(entry(probe.id)).toContain('<span class="badge warn">withheld</span>');
    expect(entry(probe.id)).not.toContain('<span class="badge bad">no</span>');
    expect(entry(probe.id)).toContain(escaped(WITHHELD_REASONS.narrow));
    expect(entry(huge.id)).toContain('<span class="badge bad">no</span>');
    // The words the console and the CLI share.
    expect([verdictWord({ approved: false, withheld: true }), verdictWord({ approved: false, withheld: false }), verdictWord({ approved: true, withheld: false })]).toEqual(['withheld', 'denied', 'approved']);
    expect([availabilityWord({ available: false, withheld: true }), availabilityWord({ available: false, withheld: false })]).toEqual(['withheld', 'unavailable']);
    expect(reasonWithCount({ reason: WITHHELD_REASONS.narrow, servers: null })).toBe(WITHHELD_REASONS.narrow);
    expect(reasonWithCount({ reason: 'tdx', servers: { min: 4, max: 8 } })).toBe('tdx (4–7 of the servers)');
  });

  it('shows the customer its hardware as masked IDs grouped by scope, each request billed once', async () => {
    const dc = dataCenter('chw', 2, 2, 1);
    await putInventory(dc);
    const p = await registerProvider();
    const plat = await createPlatform(p.key);
    const c = await registerCustomer();
    await place(c.id, dc.serverIds, plat.id);
    const cookie = await signIn(c.key);
    const page = await visit('/console/customer', { cookie });
    expect(page.html).not.toContain('data-hardware-id');
    const shown = await visit('/console/customer/hardware', { cookie, form: { _csrf: csrfOf(page.html), hwscope: 'all' } });
    expect(shown.status).toBe(200);
    const groups = [...shown.html.matchAll(/<div data-scope="(\w+)"><h3>(\d+) /g)].map((m) => [m[1], Number(m[2])]);
    expect(groups).toEqual([['site', 1], ['row', 2], ['rack', 4], ['server', 4]]);
    expect(shown.html.match(/data-hardware-id/g)?.length).toBe(11);
    for (const id of dc.serverIds) expect(shown.html).not.toContain(id);
    const usage = await call('GET', '/v1/account/usage', { key: c.key });
    expectStatus(usage, 200);
    expect(usage.body.monthly[0].lines).toEqual([expect.objectContaining({ operation: 'hardware-ids', quantity: 4 })]);
    expect((await visit('/console/customer/hardware', { cookie, form: { _csrf: 'forged', hwscope: 'all' } })).status).toBe(403);
  });

  it('shows a provider its own platforms and webhook endpoint', async () => {
    const p = await registerProvider();
    const other = await registerProvider();
    const mine = await createPlatform(p.key);
    const theirs = await createPlatform(other.key);
    const cookie = await signIn(p.key);
    const page = await visit('/console/provider', { cookie });
    expect(page.status).toBe(200);
    expect(page.html).toContain(`data-platform="${mine.id}"`);
    expect(page.html).not.toContain(`data-platform="${theirs.id}"`);
    const hooks = await visit('/console/provider/webhooks', { cookie });
    expect(hooks.status).toBe(200);
    expect(hooks.html).toContain('<dd class="mono">not set</dd>');
    expect(hooks.html).toContain('<form method="post" action="/console/provider/webhook" class="controls">');
    expect(hooks.html).not.toContain('whsec_');
  });
});

describe('migration pages', () => {
  async function setUp(prefix: string) {
    const dc = dataCenter(prefix, 1, 1, 2);
    await putInventory(dc);
    const p = await registerProvider();
    const current = await createPlatform(p.key, { name: `${prefix} A` });
    const target = await createPlatform(p.key, { name: `${prefix} B` });
    const c = await registerCustomer();
    await place(c.id, dc.serverIds, current.id);
    return { p, c, target };
  }

  it('starts a migration from the MIP list once, whatever the double submits, and shows it live', async () => {
    const { p, c, target } = await setUp('cmig');
    const cookie = await signIn(c.key);
    const list = await visit('/console/customer?scope=server', { cookie });
    // "Migrate…" leads to a confirmation that says what it costs; its form starts the migration.
    expect(list.html).toContain(`<input type="hidden" name="platform" value="${target.id}"/>`);
    const page = await visit(`/console/customer/migrate?platform=${target.id}&scope=server`, { cookie });
    expect(page.status).toBe(200);
    expect(page.html).toContain('<strong data-field="price">25.00 EUR</strong>');
    const idempotencyKey = page.html.match(/name="idempotencyKey" value="([^"]+)"/)?.[1] ?? '';
    expect(idempotencyKey).not.toBe('');
    const fields = { _csrf: csrfOf(page.html), targetPlatformId: target.id, scope: 'server', idempotencyKey };
    const first = await visit('/console/customer/migrations', { cookie, form: fields });
    const again = await visit('/console/customer/migrations', { cookie, form: fields });
    expect(first.status).toBe(303);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    const id = first.headers.get('location')?.split('/').pop() ?? '';
    expect(id).toMatch(/^mig_/);
    const started = await call('GET', '/v1/migrations', { key: c.key });
    expectStatus(started, 200);
    expect(started.body.items.map((m) => m.id)).toEqual([id]);

    const live = await visit(`/console/customer/migrations/${id}`, { cookie });
    expect(live.html).toContain(`data-src="/console/api/migrations/${id}"`);
    expect(live.html).toContain('<script src="/console/assets/console.js" defer="">');
    // Every button is drawn; only those of the current state are shown (the script follows the poll).
    expect(live.html).toMatch(/<form method="post" action="[^"]+\/cancel">/);
    expect(live.html).toMatch(/<form method="post" action="[^"]+\/pause" hidden="">/);
    const poll = await visit(`/console/api/migrations/${id}`, { cookie });
    const data = JSON.parse(poll.html);
    expect(data).toMatchObject({ id, state: 'awaiting_consent', terminal: false, progress: 0, steps: ['cancel'], traffic: 'All sessions on the current platform' });
    expect(data.events.map((e: { label: string }) => e.label)).toEqual(['requested', 'requested → awaiting consent']);
    expect((await visit('/console/customer', { cookie })).html).toContain('A migration is under way');

    const provider = await signIn(p.key);
    const home = await visit('/console/provider', { cookie: provider });
    expect(home.html).toContain(`<tr data-migration="${id}">`);
    const accepted = await visit(`/console/provider/migrations/${id}/accept`, { cookie: provider, form: { _csrf: csrfOf(home.html) } });
    expect(accepted.status).toBe(303);
    expect(bodyOf(await call('GET', `/v1/migrations/${id}`, { key: c.key }), 200).state).toBe('deploying');
    expect(JSON.parse((await visit(`/console/api/migrations/${id}`, { cookie })).html).steps).toEqual(['pause', 'rollback', 'cancel']);
    expect(JSON.parse((await visit(`/console/api/migrations/${id}`, { cookie: provider })).html).steps).toEqual(['pause', 'rollback', 'cancel']);
    const cancelled = await visit(`/console/customer/migrations/${id}/cancel`, { cookie, form: { _csrf: csrfOf(live.html) } });
    expect(cancelled.status).toBe(303);
    expect(JSON.parse((await visit(`/console/api/migrations/${id}`, { cookie })).html)).toMatchObject({ state: 'cancelled', terminal: true });

    // Cancelled while deploying, before any data moved: not billed.
    const usage = await call('GET', '/v1/account/usage', { key: c.key });
    expectStatus(usage, 200);
    expect(usage.body.monthly.flatMap((m) => m.lines).filter((l) => l.operation === 'migrations')).toEqual([]);
  });

  it('keeps other tenants out of a migration', async () => {
    const { c, target } = await setUp('cmig2');
    const started = await call('POST', '/v1/migrations', { key: c.key, body: { customerId: c.id, targetPlatformId: target.id }, headers: { 'idempotency-key': 'k-1' } });
    expectStatus(started, 201);
    expect(started.status).toBe(201);
    const stranger = await signIn((await registerCustomer()).key);
    expect((await visit(`/console/customer/migrations/${started.body.id}`, { cookie: stranger })).status).toBe(404);
    const poll = await visit(`/console/api/migrations/${started.body.id}`, { cookie: stranger });
    expect(poll.status).toBe(404);
    expect(poll.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.parse(poll.html)).toMatchObject({ type: 'urn:inplace:problem:not-found', status: 404 });
    expect((await visit(`/console/api/migrations/${started.body.id}`)).status).toBe(401);
  });

  it('shows deployment per server: server ids to the operator only, hardware IDs to the parties', async () => {
    const { p, c, target } = await setUp('cdep');
    const started = await call('POST', '/v1/migrations', { key: c.key, headers: { 'idempotency-key': crypto.randomUUID() }, body: { customerId: c.id, targetPlatformId: target.id } });
    expectStatus(started, 201);
    await call('POST', `/v1/migrations/${started.body.id}/accept`, { key: p.key });
    const servers = bodyOf(await call('GET', `/v1/migrations/${started.body.id}/tasks`, { key: OPERATOR }), 200).items.map((t) => t.serverId);
    expect(servers).toHaveLength(2);
    for (const [key, base] of [[c.key, '/console/customer/migrations'], [p.key, '/console/provider/migrations']] as const) {
      const page = await visit(`${base}/${started.body.id}`, { cookie: await signIn(key) });
      const table = page.html.slice(page.html.indexOf('data-table="deployment"'));
      expect(table.match(/<tr data-task="tsk_[^"]+" data-kind="deploy" data-state="pending">/g)).toHaveLength(2);
      for (const serverId of servers) expect(page.html).not.toContain(serverId);
    }
    // The operator's view of the same migration: the same table, with the servers named.
    const page = await visit(`/console/operator/migrations/${started.body.id}`, { cookie: await signIn(OPERATOR) });
    const table = page.html.slice(page.html.indexOf('data-table="deployment"'));
    expect(table.match(/<tr data-task="tsk_[^"]+" data-kind="deploy" data-state="pending">/g)).toHaveLength(2);
    for (const serverId of servers) expect(table).toContain(`<td class="mono" title="">${serverId}</td>`);
  });
});

describe('trafficLine (live view)', () => {
  const base = { customerId: 'cus_x', epoch: 1, weightB: 2500, percentB: 25, a: { platformId: 'plt_a' }, b: { platformId: 'plt_b' }, migrationId: 'mig_x', totals: {}, window: {} };
  const schedule = {
    steps: [
      { weight: 5, pauseSeconds: 60 },
      { weight: 25, pauseSeconds: 600 },
      { weight: 100, pauseSeconds: 60 },
    ],
    currentStep: 1,
    status: 'running' as const,
    nextStepAt: Date.UTC(2026, 10, 26, 9, 30, 0),
    pauseLeftSeconds: 600,
    setBy: { id: 'cus_x', kind: 'customer' },
    setAt: 0,
  };
  it('says where the sessions are and what moves them', () => {
    const migrating = { id: 'mig_x', state: 'migrating' } as Migration;
    expect(trafficLine(migrating, null)).toBe('All sessions on the current platform');
    expect(trafficLine(migrating, { ...base, b: null, mode: 'progress', schedule: null } as unknown as Traffic)).toBe('All sessions on the current platform');
    expect(trafficLine(migrating, { ...base, mode: 'progress', schedule: null } as unknown as Traffic)).toBe('25% of sessions on the new platform, following the data migrated');
    expect(trafficLine(migrating, { ...base, mode: 'schedule', schedule } as unknown as Traffic)).toBe(
      '25% of sessions on the new platform; schedule step 2 of 3 (25%), running, next step 2026-11-26 09:30:00 UTC',
    );
    expect(trafficLine(migrating, { ...base, mode: 'schedule', schedule: { ...schedule, status: 'waiting_for_data', nextStepAt: null } } as unknown as Traffic)).toBe(
      '25% of sessions on the new platform; schedule step 2 of 3 (25%), waiting for data',
    );
    // At completion B is the only platform (the SBC calls it A from then on): said as B serving everything.
    expect(trafficLine({ id: 'mig_x', state: 'completed' } as Migration, { ...base, b: null, migrationId: null, mode: 'progress', schedule: null } as unknown as Traffic)).toBe(
      'Every session on the new platform (it is now the only one)',
    );
    // Another migration's B is not this one's.
    expect(trafficLine({ id: 'mig_old', state: 'rolled_back' } as Migration, { ...base, mode: 'progress', schedule: null } as unknown as Traffic)).toBe('All sessions on the current platform');
  });
});

describe('hand-off pieces', () => {
  it('names an ID by a short fingerprint of the whole token, the same on both sides', async () => {
    const a = await fingerprint('eyJhbGciOiJFZERTQSIs.one.sig');
    expect(a).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/);
    expect(await fingerprint('eyJhbGciOiJFZERTQSIs.one.sig')).toBe(a);
    expect(await fingerprint('eyJhbGciOiJFZERTQSIs.two.sig')).not.toBe(a);
  });

  it('reads pasted IDs as a JSON array or separated by white space and commas', () => {
    expect(pastedIds('["a.b.c", "d.e.f"]')).toEqual(['a.b.c', 'd.e.f']);
    expect(pastedIds(' a.b.c\n d.e.f, g.h.i ')).toEqual(['a.b.c', 'd.e.f', 'g.h.i']);
    expect(pastedIds('[not json')).toEqual([]);
  });

  it('reads a released count of servers (max exclusive) in whole servers, as the CLI prints it too', () => {
    expect([{ min: 0, max: 1 }, { min: 4, max: 8 }, { min: 1, max: 8 }, { min: 1, max: null }, null].map(serverCount)).toEqual(['0', '4–7', '1–7', '≥ 1', 'withheld']);
  });

  it('is for customers (minting) and providers (checking) only', async () => {
    const c = await signIn((await registerCustomer()).key);
    const p = await signIn((await registerProvider()).key);
    expect((await visit('/console/customer/hand-off', { cookie: c })).status).toBe(200);
    expect((await visit('/console/provider/check', { cookie: c })).status).toBe(403);
    expect((await visit('/console/provider/check', { cookie: p })).status).toBe(200);
    expect((await visit('/console/customer/hand-off', { cookie: p })).status).toBe(403);
  });
});

describe('usage bars', () => {
  it('has one bar per day or month of the range, empty ones included', () => {
    expect(periodsBetween('2026-01-30', '2026-02-02', 'day')).toEqual(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02']);
    expect(periodsBetween('2025-11-15', '2026-02-02', 'month')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });
});

// The console in a real browser: Debian's chromium driven by playwright-core, against a fresh
// `wrangler dev` seeded with the demo data center. Every page is checked for console errors, and no
// API key may appear in any page's HTML, any URL or any line the service logged. A failing test
// leaves a screenshot in test-results/console/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { client } from '../../scripts/lib/api.mjs';
import { startService } from '../service.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = 'test-results/console';

let service;
let context;
let profile;
let receiver;
const received = [];
const problems = [];
const seen = { urls: [], html: [] };

before(async () => {
  service = await startService();
  // The migrating customer's provider receives its webhooks on a loopback endpoint.
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.headers['webhook-id']);
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  await client(service.baseUrl, service.demo.providers[0].key).put('/v1/providers/me/webhook', { url: `http://127.0.0.1:${receiver.address().port}/hooks` });
  profile = mkdtempSync(join(tmpdir(), 'inplace-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
});

after(async () => {
  receiver?.close();
  await context?.close();
  await service?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

function keys() {
  return [service.operatorKey, ...service.demo.customers.map((c) => c.key), ...service.demo.providers.map((p) => p.key)];
}

/** A fresh page whose console errors, failed requests and visited URLs are recorded. */
async function open() {
  const page = await context.newPage();
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console error on ${page.url()}: ${msg.text()}`));
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('framenavigated', (frame) => frame === page.mainFrame() && seen.urls.push(frame.url()));
  page.on('load', async () => seen.html.push(await page.content().catch(() => '')));
  return page;
}

/** Runs a flow on a fresh page; on failure keeps a screenshot, then fails with the original error. */
async function flow(name, body) {
  const page = await open();
  try {
    await body(page);
    seen.html.push(await page.content());
  } catch (err) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }).catch(() => {});
    throw err;
  } finally {
    await page.close();
  }
}

async function signIn(page, key) {
  await context.clearCookies();
  await page.goto(`${service.baseUrl}/console`);
  assert.equal(new URL(page.url()).pathname, '/console/sign-in');
  await page.fill('#key', key);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

describe('console in chromium', () => {
  it('the customer signs in, reads the MIP list and requests masked hardware IDs', async () => {
    const customer = service.demo.customers[0];
    await flow('customer', async (page) => {
      await signIn(page, customer.key);
      assert.equal(new URL(page.url()).pathname, '/console/customer');
      assert.match(await page.textContent('h1'), new RegExp(customer.name));
      const cookies = await context.cookies(service.baseUrl);
      const session = cookies.find((c) => c.name === 'inplace_console');
      assert.ok(session?.httpOnly && session.sameSite === 'Strict', 'HttpOnly, SameSite=Strict session cookie');
      assert.ok(!session.value.includes(customer.key.slice(8, 30)), 'the key is not in the cookie');

      const rows = page.locator('table[data-table=mip] tbody tr');
      assert.ok((await rows.count()) >= 5, 'every other platform is compared');
      assert.ok((await page.locator('tr[data-available=true]').count()) >= 1);
      const reasons = await page.locator('tr[data-available=false] ul.reasons li').allTextContents();
      assert.ok(reasons.length > 0 && reasons.every((r) => /\(\d+ placements?\)$/.test(r)), `reasons: ${reasons}`);

      await page.selectOption('#scope', 'site');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/customer"] button')]);
      assert.equal(new URL(page.url()).search, '?scope=site');

      await page.selectOption('#hwscope', 'all');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/customer/hardware"] button')]);
      const groups = await page.locator('[data-scope] h3').allTextContents();
      assert.deepEqual(groups.map((g) => g.split(' ')[1]?.replace(/s$/, '')), ['site', 'row', 'rack', 'server']);
      assert.equal(await page.locator('[data-scope=server] tr[data-hardware-id]').count(), customer.servers);

      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/usage"]')]);
      assert.equal(await page.getAttribute('tr[data-operation=hardware-ids][data-period*="-"]', 'data-quantity'), '4');
    });
  });

  it('the operator opens the data-center map, colours it by compatibility, and runs reconciliation', async () => {
    await flow('operator', async (page) => {
      await signIn(page, service.operatorKey);
      assert.equal(new URL(page.url()).pathname, '/console/operator');
      assert.equal(await page.locator('.site').count(), service.demo.inventory.sites);
      assert.equal(await page.locator('.rack[data-occupancy]').count(), service.demo.inventory.racks);
      assert.ok((await page.locator('.rack.data').count()) > 0, 'racks holding customer data are marked');

      const platform = service.demo.providers[1].platforms[1];
      await page.selectOption('#platform', platform.id);
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/operator"] button')]);
      assert.equal(await page.locator('.rack[data-fit]').count(), service.demo.inventory.racks);
      const titles = await page.locator('.rack[data-fit="0.000"]').evaluateAll((cells) => cells.map((c) => c.getAttribute('title')));
      assert.ok(titles.length > 0 && titles.every((t) => t.includes('denied for:')), 'incompatible racks say why');

      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/operator/principals"]')]);
      assert.equal(await page.locator('table[data-table=customers] tbody tr').count(), service.demo.customers.length);

      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/operator/reconciliation"]')]);
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/operator/reconciliation/run"] button')]);
      assert.ok((await page.locator('tr[data-job]').count()) >= 1);
      assert.equal(await page.locator('tr[data-job] .badge.bad').count(), 0);
    });
  });

  it('signs out, and a forged form post is refused', async () => {
    await flow('sign-out', async (page) => {
      await signIn(page, service.demo.providers[0].key);
      assert.equal(new URL(page.url()).pathname, '/console/provider');
      const forged = await page.request.post(`${service.baseUrl}/console/sign-out`, { form: { _csrf: 'forged' }, headers: { origin: service.baseUrl } });
      assert.equal(forged.status(), 403);
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/sign-out"] button')]);
      assert.equal(new URL(page.url()).pathname, '/console/sign-in');
      await page.goto(`${service.baseUrl}/console/provider`);
      assert.equal(new URL(page.url()).pathname, '/console/sign-in');
    });
  });

  it('the customer starts a migration and watches progress and the chart advance; the provider sees it and redelivers a webhook', async () => {
    const customer = service.demo.customers[0];
    const nimbus = service.demo.providers[0];
    const target = nimbus.platforms.find((p) => p.id !== customer.platform.id);
    const operator = client(service.baseUrl, service.operatorKey);
    await flow('migration', async (page) => {
      await signIn(page, customer.key);
      await page.goto(`${service.baseUrl}/console/customer?scope=server`);
      await Promise.all([page.waitForNavigation(), page.click(`tr[data-platform="${target.id}"] button[data-step=migrate]`)]);
      const id = new URL(page.url()).pathname.split('/').pop();
      assert.match(id, /^mig_/);
      const live = page.locator('[data-live]');
      await page.waitForFunction(() => Number(document.querySelector('svg.chart')?.getAttribute('data-samples')) >= 2);
      assert.equal(await page.getAttribute('svg.chart', 'data-migrated'), '0');

      // Agents on the customer's servers deploy platform B's modules.
      const { items: placed } = await operator.get(`/v1/placements?customerId=${customer.id}&limit=500`);
      for (const { serverId } of placed) {
        const agent = client(service.baseUrl, (await operator.post('/v1/api-keys', { agentFor: serverId })).key);
        for (const task of (await agent.get('/v1/agent/tasks')).items) await agent.post(`/v1/agent/tasks/${task.id}/result`, { attempt: task.attempt, outcome: 'succeeded' });
      }
      await page.waitForFunction(() => document.querySelector('[data-live]')?.getAttribute('data-state') === 'migrating');
      // The steering buttons follow the state without a reload: pause and rollback now, no cancel.
      const visibleSteps = async () => (await live.locator('.controls button:visible').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-step')))).sort();
      await page.waitForFunction(() => !document.querySelector('[data-live] button[data-step=pause]')?.closest('form')?.hidden);
      assert.deepEqual(await visibleSteps(), ['pause', 'rollback']);

      // Platform B's provider moves the data segment by segment; the page follows without a reload.
      const provider = client(service.baseUrl, nimbus.key);
      const seen = [];
      for (const done of [1, 2, 3]) {
        await provider.post(`/v1/migrations/${id}/progress`, { segmentsDone: done, segmentsTotal: 4 });
        await page.waitForFunction((v) => document.querySelector('svg.chart')?.getAttribute('data-migrated') === v, String(done / 4));
        seen.push(await page.getAttribute('svg.chart path[data-series=migrated]', 'd'));
        assert.equal(await page.textContent('[data-field=progress]'), `${done * 25}%`);
      }
      assert.equal(new Set(seen).size, 3, 'the chart is redrawn as the data moves');
      // The SBC's split follows the progress: B's share of sessions is drawn and grows.
      await page.waitForFunction(() => Number(document.querySelector('svg.chart')?.getAttribute('data-weight-b')) > 0);
      assert.ok(await page.locator('svg.chart path[data-series=share-b]').count());
      assert.match(await page.textContent('[data-field=traffic]'), /^\d+% of sessions on the new platform, following the data migrated$/);
      await provider.post(`/v1/migrations/${id}/progress`, { segmentsDone: 4, segmentsTotal: 4 });
      await page.waitForFunction(() => document.querySelector('[data-live]')?.getAttribute('data-state') === 'completed');
      assert.deepEqual(await visibleSteps(), [], 'no steering once completed');
      const timeline = await live.locator('.timeline li').allTextContents();
      assert.ok(timeline.some((t) => t.includes('migrating')) && timeline.at(-1).includes('completed'), timeline.join(' | '));

      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/usage"]')]);
      assert.equal(await page.getAttribute('tr[data-operation=migrations][data-period*="-"]', 'data-quantity'), '1');

      await signIn(page, nimbus.key);
      assert.equal(await page.getAttribute(`table[data-table=migrations] tr[data-migration="${id}"]`, 'data-state'), 'completed');
      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/provider/webhooks"]')]);
      const rows = page.locator('table[data-table=deliveries] tr[data-delivery]');
      assert.ok((await rows.count()) >= 3, 'migration events were delivered');
      const deliveredBefore = received.length;
      await Promise.all([page.waitForNavigation(), rows.first().locator('button[data-step=redeliver]').click()]);
      assert.match(await page.textContent('.notice.ok'), /^Queued again as delivery dlv_/);
      assert.ok(deliveredBefore > 0);
    });
  });

  it('the API docs render Swagger UI from the Worker’s own files, listing every operation', async () => {
    const doc = await (await fetch(`${service.baseUrl}/openapi.json`)).json();
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).filter((k) => k !== 'parameters').length, 0);
    await flow('docs', async (page) => {
      const external = [];
      page.on('request', (req) => !req.url().startsWith(service.baseUrl) && !req.url().startsWith('data:') && external.push(req.url()));
      await page.goto(`${service.baseUrl}/docs`);
      await page.waitForSelector('.swagger-ui .info .title');
      assert.match(await page.textContent('.swagger-ui .info .title'), /^InPlace API/);
      assert.equal(await page.locator('.opblock').count(), operations);
      assert.deepEqual(external, [], 'nothing is loaded from another origin');
    });
  });

  it('showed no console error, and no key in any page, URL or log line', () => {
    assert.deepEqual(problems, []);
    assert.ok(seen.html.length >= 10 && seen.urls.length >= 10);
    const logs = service.logs();
    assert.ok(logs.includes('/console'), 'the service logged the console requests');
    for (const key of keys()) {
      const where = [...seen.html.filter((h) => h.includes(key)).map(() => 'page'), ...seen.urls.filter((u) => u.includes(key)), ...(logs.includes(key) ? ['log'] : [])];
      assert.deepEqual(where, [], 'a key leaked');
    }
  });
});

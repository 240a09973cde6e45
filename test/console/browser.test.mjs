// The console in a real browser: Debian's chromium driven by playwright-core, against a fresh
// service (test/service.mjs) seeded with the demo data center. Every page is checked for console errors, and no
// API key may appear in any page's HTML, any URL or any line the service logged. A failing test
// leaves a screenshot in test-results/console/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
// Screenshots of the pages as the flows leave them, for the README: only with SCREENSHOTS_DIR set
// (`npm run screenshots` writes them to scripts/screenshots).
const SCREENSHOTS = process.env.SCREENSHOTS_DIR;

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
  if (SCREENSHOTS) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [name, png] of screenshots) writeFileSync(join(SCREENSHOTS, `${name}.png`), png);
  }
  if (failures.size) mkdirSync(SHOTS, { recursive: true });
  for (const [name, png] of failures) writeFileSync(join(SHOTS, `${name}.png`), png);
});

function keys() {
  return [service.operatorKey, ...service.demo.customers.map((c) => c.key), ...service.demo.providers.map((p) => p.key)];
}

/** A fresh page whose console errors, failed requests and visited URLs are recorded. */
async function open() {
  const page = await context.newPage();
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console error on ${page.url()}: ${msg.text()}`));
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  // A poll still in flight when a form navigates away is aborted by the browser: not a failure.
  page.on('requestfailed', (req) => {
    const aborted = req.failure()?.errorText === 'net::ERR_ABORTED' && new URL(req.url()).pathname.startsWith('/console/api/');
    if (!aborted) problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
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
    const png = await page.screenshot({ fullPage: true }).catch(() => null);
    if (png) failures.set(name, png);
    throw err;
  } finally {
    await page.close();
  }
}

// Kept in memory and written once the service has stopped (a `wrangler dev` on this checkout, as
// `npm start` runs it, restarts its Worker when a file in the project changes).
const screenshots = new Map();
const failures = new Map();
// Not on every test run, where nothing reads them and each full-page capture costs chromium CPU.
async function shoot(page, name) {
  if (SCREENSHOTS) screenshots.set(name, await page.screenshot({ fullPage: true }));
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

  it('the hand-off: the customer mints IDs for provider B and copies them; B pastes them into a compatibility check and sees approve/deny with reasons and what is released', async () => {
    const customer = service.demo.customers[0];
    const b = service.demo.providers.find((p) => !p.platforms.some((x) => x.id === customer.platform.id));
    let copied;
    await flow('hand-off', async (page) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service.baseUrl });
      await signIn(page, customer.key);
      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/customer/hand-off"]')]);
      await page.selectOption('#audience', b.id);
      await page.selectOption('#scope', 'server');
      await page.selectOption('#ttl', '600');
      await page.fill('#uses', '2');
      await Promise.all([page.waitForNavigation(), page.click('button[data-step=mint]')]);
      const rows = page.locator('table[data-table=minted] tr[data-hardware-id]');
      assert.equal(await rows.count(), customer.servers);
      // Each ID is a short fingerprint, all different (not the JWT's common prefix), with its terms.
      const prints = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-hardware-id')));
      assert.ok(prints.every((f) => /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/.test(f)), prints.join(' '));
      assert.equal(new Set(prints).size, prints.length);
      const cells = await rows.first().locator('td').allTextContents();
      assert.equal(cells[1], 'server');
      assert.match(cells[3], / UTC$/);
      assert.equal(cells[4], '2');
      assert.ok(!(await page.locator('table[data-table=minted]').textContent()).includes('eyJ'), 'no JWT shown in the table');
      // Copy one, then all; the download carries the same IDs as JSON.
      await rows.first().locator('button[data-copy]').click();
      await page.waitForSelector('table[data-table=minted] button[data-copied]');
      const one = await page.evaluate(() => navigator.clipboard.readText());
      assert.match(one, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      await page.click('button[data-copy=handoff-all]');
      await page.waitForSelector('button[data-copy=handoff-all][data-copied]');
      copied = await page.evaluate(() => navigator.clipboard.readText());
      const ids = JSON.parse(copied);
      assert.equal(ids.length, customer.servers);
      assert.equal(ids[0], one);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-download]')]);
      assert.equal(download.suggestedFilename(), 'hardware-ids.json');
      const file = JSON.parse(readFileSync(await download.path(), 'utf8'));
      assert.deepEqual(file.hardwareIds, ids);
      assert.equal(file.audience, b.id);
      await shoot(page, 'handoff-customer');

      await signIn(page, b.key);
      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/provider/check"]')]);
      await page.fill('#ids', copied);
      const platform = b.platforms[0];
      await page.selectOption('#against', platform.id);
      await Promise.all([page.waitForNavigation(), page.click('button[data-step=check]')]);
      const results = page.locator('table[data-table=check] tr[data-result]');
      assert.equal(await results.count(), customer.servers);
      assert.deepEqual((await results.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-result')))).sort(), [...prints].sort(), 'the provider sees the same fingerprints');
      const approved = await page.locator('tr[data-result][data-approved=true]').count();
      assert.match(await page.textContent('main section:last-of-type h2'), new RegExp(`^${approved} of ${customer.servers} approved for ${platform.name}$`));
      if (approved) assert.match(await page.locator('tr[data-approved=true] .props').first().textContent(), /cpuArch/);
      // Its own requirements, which no server meets: denied everywhere, with the reason (second use of each ID).
      await page.selectOption('#against', 'requirements');
      await page.fill('#requirements', '{"properties":[{"op":"gte","property":"memoryGib","value":100000}]}');
      await Promise.all([page.waitForNavigation(), page.click('button[data-step=check]')]);
      assert.equal(await page.locator('tr[data-result][data-approved=false]').count(), customer.servers);
      assert.match(await page.locator('tr[data-result] ul.reasons li').first().textContent(), /memory .* GiB < required 100000 GiB/);
      await shoot(page, 'handoff-provider');
      // A third check finds every ID used up: refused as a whole, said plainly.
      await Promise.all([page.waitForNavigation(), page.click('button[data-step=check]')]);
      assert.equal(await page.locator('table[data-table=check]').count(), 0);
      assert.ok((await page.textContent('.notice.error')).length > 0);
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
      assert.match(await page.locator('.notice').first().innerText(), /Reconciliation queued/);
      // The queue runs the jobs off the request: reload until their runs show.
      for (let i = 0; i < 100 && (await page.locator('tr[data-job]').count()) === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        await page.reload();
      }
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

  it('the customer confirms a migration, steers its traffic schedule, reloads mid-migration without losing the chart, and sees B reach 100 %; the provider redelivers a webhook', async () => {
    const customer = service.demo.customers[0];
    const nimbus = service.demo.providers[0];
    const target = nimbus.platforms.find((p) => p.id !== customer.platform.id);
    const operator = client(service.baseUrl, service.operatorKey);
    await flow('migration', async (page) => {
      await signIn(page, customer.key);
      await page.goto(`${service.baseUrl}/console/customer?scope=server`);
      // Migrate asks first, and says what it costs.
      await Promise.all([page.waitForNavigation(), page.click(`tr[data-platform="${target.id}"] button[data-step=migrate]`)]);
      assert.equal(new URL(page.url()).pathname, '/console/customer/migrate');
      assert.equal(await page.textContent('[data-field=price]'), '25.00 EUR');
      await shoot(page, 'migrate-confirm');
      await Promise.all([page.waitForNavigation(), page.click('button[data-step=confirm-migrate]')]);
      const id = new URL(page.url()).pathname.split('/').pop();
      assert.match(id, /^mig_/);
      const live = page.locator('[data-live]');
      await page.waitForFunction(() => Number(document.querySelector('svg.chart')?.getAttribute('data-points')) >= 1);
      assert.equal(await page.getAttribute('svg.chart', 'data-migrated'), '0');

      // Agents on the customer's servers deploy platform B's modules.
      const { items: placed } = await operator.get(`/v1/placements?customerId=${customer.id}&limit=500`);
      for (const { serverId } of placed) {
        const agent = client(service.baseUrl, (await operator.post('/v1/api-keys', { agentFor: serverId })).key);
        for (const task of (await agent.get('/v1/agent/tasks')).items) await agent.post(`/v1/agent/tasks/${task.id}/result`, { attempt: task.attempt, outcome: 'succeeded' });
      }
      await page.waitForFunction(() => document.querySelector('[data-live]')?.getAttribute('data-state') === 'migrating');
      // The steering buttons follow the state without a reload: pause and rollback now, no cancel.
      const visibleSteps = async () => (await live.locator('.controls button[data-step]:visible').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-step')))).sort();
      await page.waitForFunction(() => !document.querySelector('[data-live] button[data-step=pause]')?.closest('form')?.hidden);
      assert.deepEqual(await visibleSteps(), ['pause', 'rollback']);

      // The traffic schedule: canary steps set from the form, paused, resumed, cleared.
      await page.waitForSelector('[data-schedule-form]:not([hidden])');
      const weights = page.locator('[data-schedule-form] input[name=weight]');
      const pauses = page.locator('[data-schedule-form] input[name=pause]');
      assert.deepEqual(await weights.evaluateAll((inputs) => inputs.map((i) => i.value).filter(Boolean)), ['1', '5', '25', '50', '100'], 'a canary to start from');
      await weights.nth(0).fill('10');
      await pauses.nth(0).fill('3600');
      for (const i of [1, 2, 3]) {
        await weights.nth(i).fill('');
        await pauses.nth(i).fill('');
      }
      await Promise.all([page.waitForNavigation(), page.click('button[data-schedule=set]')]);
      const traffic = () => client(service.baseUrl, customer.key).get(`/v1/customers/${customer.id}/traffic`);
      assert.deepEqual((await traffic()).schedule.steps, [{ weight: 10, pauseSeconds: 3600 }, { weight: 100, pauseSeconds: 300 }]);
      await page.waitForFunction(() => /schedule step 1 of 2 \(10%\), waiting for data/.test(document.querySelector('[data-field=traffic]')?.textContent ?? ''));
      await shoot(page, 'live-schedule');
      await Promise.all([page.waitForNavigation(), page.click('button[data-schedule=pause]')]);
      assert.equal((await traffic()).schedule.status, 'paused');
      await page.waitForFunction(() => !document.querySelector('button[data-schedule=resume]')?.closest('form')?.hidden);
      assert.ok(await page.locator('button[data-schedule=pause]').isHidden());
      await Promise.all([page.waitForNavigation(), page.click('button[data-schedule=resume]')]);
      assert.notEqual((await traffic()).schedule.status, 'paused');
      await page.waitForFunction(() => !document.querySelector('button[data-schedule=clear]')?.closest('form')?.hidden);
      await Promise.all([page.waitForNavigation(), page.click('button[data-schedule=clear]')]);
      assert.equal((await traffic()).mode, 'progress');
      await page.waitForFunction(() => /following the data migrated$/.test(document.querySelector('[data-field=traffic]')?.textContent ?? ''));

      // Platform B's provider moves the data segment by segment; the page follows without a reload.
      const provider = client(service.baseUrl, nimbus.key);
      const drawn = [];
      for (const done of [1, 2]) {
        await provider.post(`/v1/migrations/${id}/progress`, { segmentsDone: done, segmentsTotal: 4 });
        await page.waitForFunction((v) => document.querySelector('svg.chart')?.getAttribute('data-migrated') === v, String(done / 4));
        drawn.push(await page.getAttribute('svg.chart path[data-series=migrated]', 'd'));
        assert.equal(await page.textContent('[data-field=progress]'), `${done * 25}%`);
      }
      assert.equal(new Set(drawn).size, 2, 'the chart is redrawn as the data moves');
      await page.waitForFunction(() => document.querySelector('svg.chart')?.getAttribute('data-weight-b') === '0.5');
      const history = Number(await page.getAttribute('svg.chart', 'data-points'));
      // Reloaded mid-migration, the chart keeps its history: it is the service's timeline, not the browser's.
      await page.reload();
      await page.waitForFunction((n) => Number(document.querySelector('svg.chart')?.getAttribute('data-points')) >= n, history);
      assert.equal(await page.getAttribute('svg.chart', 'data-weight-b'), '0.5');
      assert.equal(await page.getAttribute('svg.chart', 'data-migrated'), '0.5');
      assert.equal(await page.locator('svg.chart [data-legend] text').count(), 5, 'a legend names every line');

      await provider.post(`/v1/migrations/${id}/progress`, { segmentsDone: 3, segmentsTotal: 4 });
      await provider.post(`/v1/migrations/${id}/progress`, { segmentsDone: 4, segmentsTotal: 4 });
      await page.waitForFunction(() => document.querySelector('[data-live]')?.getAttribute('data-state') === 'completed');
      // The cutover is B reaching 100 % of the sessions, not B dropping to 0.
      assert.equal(await page.getAttribute('svg.chart', 'data-weight-b'), '1');
      assert.equal(await page.getAttribute('svg.chart', 'data-migrated'), '1');
      assert.equal(await page.locator('svg.chart [data-marker=cutover]').count(), 1);
      assert.deepEqual(await visibleSteps(), [], 'no steering once completed');
      assert.ok(await page.locator('[data-schedule-section]').isHidden(), 'no schedule once completed');
      const timeline = await live.locator('.timeline li').allTextContents();
      assert.ok(timeline.some((t) => t.includes('migrating')) && timeline.at(-1).includes('completed'), timeline.join(' | '));
      await shoot(page, 'live-migration');

      // A finished migration opened later shows its whole history, ending with B at 100 %.
      await page.goto(`${service.baseUrl}/console/customer/migrations`);
      await Promise.all([page.waitForNavigation(), page.click(`tr[data-migration="${id}"] a`)]);
      await page.waitForFunction((n) => Number(document.querySelector('svg.chart')?.getAttribute('data-points')) > n, history);
      assert.equal(await page.getAttribute('svg.chart', 'data-weight-b'), '1');

      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/usage"]')]);
      assert.equal(await page.getAttribute('tr[data-operation=migrations][data-period*="-"]', 'data-quantity'), '1');

      await signIn(page, nimbus.key);
      assert.equal(await page.getAttribute(`table[data-table=migrations] tr[data-migration="${id}"]`, 'data-state'), 'completed');
      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/provider/webhooks"]')]);
      const rows = page.locator('table[data-table=deliveries] tr[data-delivery]');
      assert.ok((await rows.count()) >= 3, 'migration events were delivered');
      // The delivery log filtered by event type (a list of every type the dispatcher sends) and by state.
      const types = await page.locator('#eventType option').evaluateAll((os) => os.map((o) => o.value));
      assert.ok(types.includes('') && types.includes('migration.completed') && types.includes('compatibility.revoked'), types.join());
      await page.selectOption('#eventType', 'migration.completed');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/provider/webhooks"] button')]);
      assert.deepEqual(await rows.evaluateAll((trs) => [...new Set(trs.map((tr) => tr.getAttribute('data-event-type')))]), ['migration.completed']);
      await page.selectOption('#eventType', '');
      await page.selectOption('#state', 'failed');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/provider/webhooks"] button')]);
      assert.equal(await rows.count(), 0);
      await page.selectOption('#state', 'succeeded');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/provider/webhooks"] button')]);
      assert.ok((await rows.count()) >= 3);
      // The endpoint is set here too; the new signing secret is shown once.
      await page.fill('#url', `http://127.0.0.1:${receiver.address().port}/hooks/v2`);
      await Promise.all([page.waitForNavigation(), page.click('button[data-step=set-webhook]')]);
      assert.match(await page.textContent('[data-field=secret]'), /^whsec_/);
      assert.equal((await client(service.baseUrl, nimbus.key).get('/v1/providers/me/webhook')).url, `http://127.0.0.1:${receiver.address().port}/hooks/v2`);
      await page.goto(`${service.baseUrl}/console/provider/webhooks`);
      assert.equal(await page.locator('[data-field=secret]').count(), 0, 'the secret is not shown again');
      const deliveredBefore = received.length;
      await Promise.all([page.waitForNavigation(), rows.first().locator('button[data-step=redeliver]').click()]);
      assert.match(await page.textContent('.notice.ok'), /^Queued again as delivery dlv_/);
      assert.ok(deliveredBefore > 0);
    });
  });

  it('the operator filters migrations by state, sees deployment per server, the agent flags and the inventory down to each server; every principal sees usage as bar charts', async () => {
    const operator = client(service.baseUrl, service.operatorKey);
    const { items: completed } = await operator.get('/v1/migrations?state=completed');
    assert.ok(completed.length >= 1, 'the migration flow left a completed migration');
    const { items: servers } = await operator.get('/v1/inventory/servers?limit=1');
    const server = servers[0];
    const agent = client(service.baseUrl, (await operator.post('/v1/api-keys', { agentFor: server.id })).key);
    await agent.post('/v1/agent/report', { identity: { serial: 'SN-NOT-ON-RECORD' } });
    await flow('operator-views', async (page) => {
      await signIn(page, service.operatorKey);
      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/operator/migrations"]')]);
      assert.ok((await page.locator('table[data-table=migrations] tr[data-migration]').count()) >= completed.length);
      await page.selectOption('#state', 'completed');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/operator/migrations"] button')]);
      const states = await page.locator('tr[data-migration]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state')));
      assert.deepEqual(states, completed.map(() => 'completed'));
      await shoot(page, 'operator-migrations');
      await page.selectOption('#state', 'rolled_back');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/console/operator/migrations"] button')]);
      assert.equal(await page.locator('tr[data-migration]').count(), 0);
      await page.goto(`${service.baseUrl}/console/operator/migrations?state=completed`);
      await Promise.all([page.waitForNavigation(), page.click(`tr[data-migration="${completed[0].id}"] a`)]);
      // One deployment task per target server, every one succeeded (removal tasks for A follow the completion: not counted).
      assert.equal(await page.locator('table[data-table=deployment] tr[data-task][data-kind=deploy][data-state=succeeded]').count(), completed[0].deployment.tasks);
      await page.waitForFunction(() => document.querySelector('svg.chart')?.getAttribute('data-weight-b') === '1');
      assert.equal(await page.locator('[data-live] button[data-step]:visible').count(), 0, 'the operator does not steer');

      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/operator/agents"]')]);
      const flag = page.locator('table[data-table=flags] tr[data-flag]');
      assert.equal(await flag.count(), 1);
      assert.deepEqual((await flag.locator('td').allTextContents()).slice(0, 4), [server.id, 'serial', server.identity.serial, 'SN-NOT-ON-RECORD']);

      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/operator/inventory"]')]);
      assert.equal(await page.locator('ul.tree > li[data-site]').count(), service.demo.inventory.sites);
      await page.click(`li[data-site="${server.siteId}"] > details > summary`);
      await page.click(`li[data-row="${server.rowId}"] > details > summary`);
      await Promise.all([page.waitForNavigation(), page.click(`li[data-rack="${server.rackId}"] a`)]);
      assert.equal(new URL(page.url()).search, `?rack=${server.rackId}`);
      const { items: inRack } = await operator.get(`/v1/inventory/servers?rack=${server.rackId}&limit=500`);
      assert.equal(await page.locator('table[data-table=servers] tr[data-server]').count(), inRack.length);
      const row = await page.locator(`tr[data-server="${server.id}"] td`).allTextContents();
      assert.ok(row[2].includes(server.properties.cpuModel) && row[5] === `${server.capacity.coresAllocated} / ${server.capacity.cores}`, row.join(' | '));
      assert.ok(await page.locator(`li[data-rack="${server.rackId}"]`).isVisible(), 'the tree stays open at the chosen rack');
      await shoot(page, 'operator-inventory');

      // Usage as bars: the migration flow's customer was billed a migration and hardware-ID requests today.
      await signIn(page, service.demo.customers[0].key);
      await Promise.all([page.waitForNavigation(), page.click('nav a[href="/console/usage"]')]);
      const today = new Date().toISOString().slice(0, 10);
      const day = page.locator(`figure[data-chart=day] g[data-period="${today}"]`);
      assert.equal(await day.locator('rect[data-operation=migrations]').getAttribute('data-quantity'), '1');
      assert.ok(Number(await day.getAttribute('data-total')) >= 25_000_000);
      assert.equal(await page.locator(`figure[data-chart=month] g[data-period="${today.slice(0, 7)}"] rect[data-operation=migrations]`).count(), 1);
      assert.match(await page.textContent('figure[data-chart=day] [data-price=migrations]'), /^migrations · 25\.00 EUR per migration$/);
      await shoot(page, 'usage');
    });
  });

  it('the API docs render Swagger UI from the Worker’s own files, listing every operation', async () => {
    const doc = await (await fetch(`${service.baseUrl}/openapi.json`)).json();
    // Operations, then the webhook events (OpenAPI 3.1 `webhooks`), each an .opblock of its own.
    const operations = [...Object.values(doc.paths), ...Object.values(doc.webhooks)].reduce((n, item) => n + Object.keys(item).filter((k) => k !== 'parameters').length, 0);
    assert.ok(Object.keys(doc.webhooks).length > 10);
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

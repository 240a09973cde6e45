// The CLI against a fresh local service: tables for people, --json for scripts, clear errors from
// problem+json, base URL and keys from the demo file that `npm start` writes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { freePort, startService } from '../service.mjs';

let service;
let dir;
let demoFile;

before(async () => {
  service = await startService();
  dir = mkdtempSync(join(tmpdir(), 'inplace-cli-'));
  demoFile = join(dir, 'demo.json');
  writeFileSync(demoFile, JSON.stringify({ baseUrl: service.baseUrl, operatorKey: service.operatorKey, ...service.demo }), { mode: 0o600 });
});

after(async () => {
  await service?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI; resolves with its exit code and output whatever the code. */
async function cli(...args) {
  const env = { ...process.env, INPLACE_URL: '', INPLACE_KEY: '' };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['scripts/inplace.mjs', '--demo', demoFile, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const json = async (...args) => {
  const r = await cli(...args, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

describe('inplace CLI', () => {
  it('says who you are, as the first demo customer by default', async () => {
    const me = await json('account');
    assert.equal(me.id, service.demo.customers[0].id);
    const table = await cli('account');
    assert.match(table.stdout, /^id\s+kind\s+name\s+organisation\s+service level\n─+/);
    assert.match(table.stdout, new RegExp(`${me.id}\\s+customer\\s+${service.demo.customers[0].name}`));
  });

  it('lists the migration-in-place list, also for the current provider', async () => {
    const list = await json('mip', '--scope', 'row');
    assert.equal(list.customerId, service.demo.customers[0].id);
    assert.equal(list.scope, 'row');
    assert.equal(list.available.length + list.unavailable.length, 5);
    const table = await cli('mip', '--scope', 'row');
    assert.match(table.stdout, /platform\s+available\s+narrowest scope/);
    for (const e of list.unavailable) assert.ok(table.stdout.includes(e.name));
    const asProvider = await json('mip', '--as', 'provider:1', '--customer', list.customerId);
    assert.equal(asProvider.customerId, list.customerId);
  });

  it('mints masked hardware IDs at every scope, and usage counts each request', async () => {
    const customer = service.demo.customers[1];
    const { items } = await json('hardware-ids', '--as', 'customer:2', '--scope', 'all', '--ttl', '600', '--max-uses', '3');
    const scopes = new Set(items.map((h) => h.scope));
    assert.deepEqual([...scopes], ['site', 'row', 'rack', 'server']);
    assert.equal(items.filter((h) => h.scope === 'server').length, customer.servers);
    assert.ok(items.every((h) => h.usesLeft === 3 && h.id.split('.').length === 3));
    const usage = await json('usage', '--as', 'customer:2');
    assert.deepEqual(usage.monthly.flatMap((m) => m.lines.map((l) => [l.operation, l.quantity])), [['hardware-ids', 4]]);
    const table = await cli('usage', '--as', 'customer:2', '--daily');
    assert.match(table.stdout, /hardware-ids\s+4\s+0\.008000/);
  });

  it('checks compatibility, starts a migration, shows it by name and steers it; cancelled before data moved, it is not billed', async () => {
    const as = ['--as', 'customer:4'];
    const { available } = await json('mip', ...as, '--scope', 'server');
    const target = available[0];
    assert.ok(target, 'a platform is available in place');
    const check = await json('compat', ...as, '--platform', target.platformId);
    assert.ok(check.results.length > 0 && check.results.every((r) => r.approved && r.scope === 'server'));
    const started = await json('migrate', ...as, '--platform', target.platformId);
    assert.match(started.id, /^mig_/);
    assert.equal(started.target.platformId, target.platformId);
    const status = await cli('status', started.id, ...as);
    // Names, not ids: the customer, platforms A → B, and who made each transition.
    const customer = service.demo.customers[3];
    assert.match(status.stdout, new RegExp(`${started.id}\\s+${customer.name}\\s+${started.state}\\s+${customer.platform.name} → ${target.name}`));
    assert.match(status.stdout, /when \(UTC\)\s+transition\s+by/);
    assert.match(status.stdout, new RegExp(`requested\\s+${customer.name} \\(customer\\)`));
    assert.ok(!status.stdout.includes(target.platformId));
    const listed = await json('status', ...as);
    assert.deepEqual(listed.map((m) => m.id), [started.id]);
    const traffic = await json('traffic', ...as);
    assert.equal(traffic.customerId, service.demo.customers[3].id);
    assert.equal(traffic.a.platformId, service.demo.customers[3].platform.id);
    const split = await cli('traffic', ...as);
    assert.match(split.stdout, /side\s+platform\s+share/);
    assert.match(split.stdout, new RegExp(`^${customer.name}: 0% of sessions to B`));
    assert.match(split.stdout, new RegExp(`A\\s+${customer.platform.name}\\s+100%`));
    const early = await cli('schedule', '1:60,5:60,100', ...as);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /^error: 409 Conflict: Platform B does not serve yet: the migration is (awaiting consent|deploying)\./);
    assert.equal((await cli('schedule', '1:sixty,100', ...as)).code, 2);
    const cancelled = await json('step', started.id, 'cancel', ...as);
    assert.equal(cancelled.state, 'cancelled');
    const usage = await json('usage', ...as);
    const lines = Object.fromEntries(usage.monthly.flatMap((m) => m.lines.map((l) => [l.operation, l.quantity])));
    // Cancelled before any data moved: the migration is not billed.
    assert.deepEqual(lines, { 'compatibility-checks': check.results.length, 'hardware-ids': 1 });
    assert.equal((await cli('step', started.id, 'explode', ...as)).code, 2);
  });

  it('explains errors: bad flags (exit 2), problem+json from the API (exit 1)', async () => {
    const flag = await cli('mip', '--scope', 'galaxy');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--scope must be one of server, rack, row, site/);
    const invalid = await cli('usage', '--from', '2026-02-30');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^error: 400 Invalid request: The request has invalid fields\.\n {2}- query\.from: not a calendar day\n {2}request id: \S+/);
    const hidden = await cli('mip', '--as', 'provider:2', '--customer', service.demo.customers[0].id);
    assert.equal(hidden.code, 1);
    assert.match(hidden.stderr, /^error: 404 Not found: No such customer\.\n  request id: /);
    const machine = await cli('mip', '--as', 'provider:2', '--customer', service.demo.customers[0].id, '--json');
    assert.equal(JSON.parse(machine.stderr).type, 'urn:inplace:problem:not-found');
    const unknown = await cli('account', '--key', `inp_cus_${'x'.repeat(43)}`);
    assert.match(unknown.stderr, /^error: 401 Unauthorized/);
    const down = await cli('account', '--url', `http://127.0.0.1:${await freePort()}`);
    assert.match(down.stderr, /^error: the service is not reachable \(ECONNREFUSED\)/);
    assert.equal((await cli('nonsense')).code, 2);
  });
});

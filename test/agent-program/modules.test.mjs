// The agent's module handling without a service: real tarballs from a loopback artifact server,
// installed into and removed from a temporary DIR by the agent's own functions.
import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { download, entryRefusal, TaskFailure } from '../../scripts/agent/artifact.mjs';
import { readSettings, UsageError } from '../../scripts/agent/config.mjs';
import { installModule, removeModule } from '../../scripts/agent/modules.mjs';
import { acquireLock, LockHeld } from '../../scripts/agent/state.mjs';
import { buildModule, buildTarball, startArtifactServer } from '../../scripts/lib/artifacts.mjs';

let root;
let server;
let seq = 0;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'inplace-agent-unit-'));
  server = await startArtifactServer();
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

function context(overrides = {}) {
  const dir = mkdtempSync(join(root, 'dir-'));
  const events = [];
  return {
    dir,
    events,
    commandTimeoutMs: 5000,
    downloadTimeoutMs: 5000,
    maxArtifactBytes: 1024 * 1024,
    maxUnpackedBytes: 1024 * 1024,
    log: (event, fields) => events.push({ event, ...fields }),
    onCommand: () => {},
    ...overrides,
  };
}
const TASK = { migrationId: 'mig_test', platformId: 'plt_test', storageAddress: 'nfs://10.0.0.1/data' };

async function published(spec) {
  const built = await buildModule(mkdtempSync(join(root, 'build-')), spec);
  return { name: built.name, version: built.version, sha256: built.sha256, file: built.file, artifactUrl: server.publish(`${++seq}.tar.gz`, built.file) };
}

async function rawArtifact(name, entries, opts) {
  const file = join(mkdtempSync(join(root, 'raw-')), 'a.tar.gz');
  const sha256 = await buildTarball(file, entries, opts);
  return { name, version: '1.0.0', sha256, artifactUrl: server.publish(`${++seq}.tar.gz`, file) };
}
const manifest = (name, extra = {}) => JSON.stringify({ name, version: '1.0.0', ...extra });

async function refused(promise, pattern) {
  await assert.rejects(promise, (err) => err instanceof TaskFailure && pattern.test(err.message));
}

describe('installModule', () => {
  it('installs, starts and points current at the version; a redelivery does not install again', async () => {
    const ctx = context();
    const m = await published({ name: 'unit-a', version: '1.2.3', manifest: { install: 'sh ./install.sh; echo x >> "$INPLACE_AGENT_DIR/installs"' } });
    assert.equal(await installModule(ctx, m, TASK), 'installed');
    const dir = join(ctx.dir, 'modules', 'unit-a', '1.2.3');
    assert.match(readFileSync(join(dir, 'install.log'), 'utf8'), /installed unit-a@1.2.3 for migration mig_test\nplatform plt_test, data at nfs:\/\/10\.0\.0\.1\/data/);
    assert.equal(readlinkSync(join(ctx.dir, 'modules', 'unit-a', 'current')), '1.2.3');
    assert.ok(existsSync(join(dir, 'running')));
    assert.equal(await installModule(ctx, m, TASK), 'already installed');
    assert.equal(readFileSync(join(ctx.dir, 'installs'), 'utf8'), 'x\n');
    assert.deepEqual(readdirSync(join(ctx.dir, 'downloads')), []);
  });

  it('upgrades: stops the old version, switches current, starts the new one', async () => {
    const ctx = context();
    const stop = { stop: 'echo stopped > "$INPLACE_AGENT_DIR/stopped-$INPLACE_MODULE_VERSION"' };
    await installModule(ctx, await published({ name: 'unit-up', version: '1.0.0', manifest: stop }), TASK);
    await installModule(ctx, await published({ name: 'unit-up', version: '2.0.0', manifest: stop }), TASK);
    assert.ok(existsSync(join(ctx.dir, 'stopped-1.0.0')));
    assert.equal(readlinkSync(join(ctx.dir, 'modules', 'unit-up', 'current')), '2.0.0');
  });

  it('refuses an artifact whose sha256 differs before unpacking or running anything', async () => {
    const ctx = context();
    const m = await published({ name: 'unit-bad', version: '1.0.0', manifest: { install: 'touch "$INPLACE_AGENT_DIR/ran"' } });
    await refused(installModule(ctx, { ...m, sha256: 'f'.repeat(64) }, TASK), /^sha256 mismatch for unit-bad@1\.0\.0: expected f{64}, got [0-9a-f]{64}; nothing unpacked$/);
    assert.equal(existsSync(join(ctx.dir, 'modules', 'unit-bad', '1.0.0')), false);
    assert.equal(existsSync(join(ctx.dir, 'ran')), false);
    assert.deepEqual(readdirSync(join(ctx.dir, 'modules', 'unit-bad')), []);
  });

  it('refuses archives with absolute paths, "..", links out of the module (relative or absolute), whole: nothing is unpacked', async () => {
    const ctx = context();
    const cases = [
      [await rawArtifact('unit-abs', { 'module.json': manifest('unit-abs'), [join(root, 'abs-target.txt')]: (d, p) => writeFileSync(p, 'x') }, { preservePaths: true }), /an absolute path/],
      [await rawArtifact('unit-up', { 'module.json': manifest('unit-up'), '../up.txt': 'x' }, { preservePaths: true }), /a path with "\.\."/],
      [await rawArtifact('unit-sym', { 'module.json': manifest('unit-sym'), 'lib/etc': (d, p) => symlinkSync('../../outside', join(d, p)) }), /a link out of the module's directory/],
      [await rawArtifact('unit-symabs', { 'module.json': manifest('unit-symabs'), shadow: (d, p) => symlinkSync('/etc/shadow', join(d, p)) }), /a link to an absolute path/],
    ];
    for (const [m, pattern] of cases) {
      await refused(installModule(ctx, m, TASK), pattern);
      assert.equal(existsSync(join(ctx.dir, 'modules', m.name, '1.0.0')), false, m.name);
    }
    assert.equal(existsSync(join(root, 'up.txt')), false);
    // Links that stay inside are fine.
    const inside = await rawArtifact('unit-in', { 'module.json': manifest('unit-in'), 'a.txt': 'a', 'b.txt': (d, p) => symlinkSync('a.txt', join(d, p)), 'c.txt': (d, p) => linkSync(join(d, 'a.txt'), join(d, p)) });
    assert.equal(await installModule(ctx, inside, TASK), 'installed');
    assert.equal(readFileSync(join(ctx.dir, 'modules', 'unit-in', '1.0.0', 'b.txt'), 'utf8'), 'a');
  });

  it('classifies archive entries', () => {
    assert.equal(entryRefusal({ path: 'bin/run', type: 'File' }), null);
    assert.equal(entryRefusal({ path: 'lib/x', type: 'SymbolicLink', linkpath: '../bin/run' }), null);
    assert.match(entryRefusal({ path: 'lib/x', type: 'SymbolicLink', linkpath: '../../x' }), /out of the module/);
    assert.match(entryRefusal({ path: 'x', type: 'Link', linkpath: '../x' }), /out of the module/);
    assert.match(entryRefusal({ path: 'dev', type: 'CharacterDevice' }), /a CharacterDevice entry/);
    assert.match(entryRefusal({ path: 'C:/x', type: 'File' }), /absolute/);
  });

  it('fails on a module.json that names another module, a failing install (with its output), a bad version', async () => {
    const ctx = context();
    const other = await rawArtifact('unit-named', { 'module.json': JSON.stringify({ name: 'someone-else', version: '1.0.0' }) });
    await refused(installModule(ctx, other, TASK), /module\.json names someone-else@1\.0\.0, the task unit-named@1\.0\.0/);
    const failing = await published({ name: 'unit-fail', version: '1.0.0', manifest: { install: 'echo "disk says no" >&2; exit 7' } });
    await assert.rejects(installModule(ctx, failing, TASK), (err) => err.message === 'install exited with 7' && err.output === 'disk says no\n');
    assert.equal(existsSync(join(ctx.dir, 'modules', 'unit-fail', '1.0.0')), false, 'a failed install leaves nothing');
    const slow = await published({ name: 'unit-slow', version: '1.0.0', manifest: { install: 'sleep 30' } });
    await refused(installModule({ ...ctx, commandTimeoutMs: 300 }, slow, TASK), /^install did not finish within 0\.3 s$/);
    await refused(installModule(ctx, { ...failing, version: '../../x' }, TASK), /refused module version/);
    await refused(installModule(ctx, { ...failing, version: 'current' }, TASK), /refused module version/);
  });
});

describe('download', () => {
  it('is bounded in size and time, follows no redirect, and refuses plain http off loopback', async () => {
    const hostile = createServer((req, res) => {
      if (req.url === '/big') res.writeHead(200, { 'content-length': 4096 }).end(Buffer.alloc(4096));
      else if (req.url === '/chunked') {
        res.writeHead(200);
        for (let i = 0; i < 4; i++) res.write(Buffer.alloc(1024));
        res.end();
      } else if (req.url === '/redirect') res.writeHead(302, { location: '/big' }).end();
      // '/slow' never answers.
    });
    await new Promise((r) => hostile.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${hostile.address().port}`;
    const dest = join(root, 'dl');
    try {
      await refused(download(`${base}/big`, dest, { maxBytes: 1000, timeoutMs: 5000 }), /artifact too large: 4096 bytes, the limit is 1000/);
      await refused(download(`${base}/chunked`, dest, { maxBytes: 1000, timeoutMs: 5000 }), /artifact too large: over 1000 bytes/);
      await refused(download(`${base}/redirect`, dest, { maxBytes: 10_000, timeoutMs: 5000 }), /download failed/);
      await refused(download(`${base}/slow`, dest, { maxBytes: 10_000, timeoutMs: 300 }), /no answer within 0\.3 s/);
      await refused(download('http://example.com/a.tar.gz', dest, { maxBytes: 10_000, timeoutMs: 300 }), /must be https/);
      assert.equal(existsSync(dest), false);
    } finally {
      hostile.closeAllConnections();
      hostile.close();
    }
  });
});

describe('removeModule', () => {
  it('stops the current version, runs remove, deletes it; a version that is not there is already removed', async () => {
    const ctx = context();
    const m = await published({ name: 'unit-rm', version: '1.0.0', manifest: { remove: 'echo "$INPLACE_REMOVAL_REASON" > "$INPLACE_AGENT_DIR/removed"' } });
    await installModule(ctx, m, TASK);
    assert.equal(await removeModule(ctx, m, { ...TASK, reason: 'rolled_back' }), 'removed');
    assert.equal(readFileSync(join(ctx.dir, 'removed'), 'utf8'), 'rolled_back\n');
    assert.equal(existsSync(join(ctx.dir, 'modules', 'unit-rm')), false);
    assert.equal(await removeModule(ctx, m, TASK), 'not installed');
  });
});

describe('settings and the lock', () => {
  it('reads flags before the environment, and refuses what it cannot use', () => {
    const s = readSettings(['--url', 'https://svc.test', '--dir', '/tmp/a', '--interval', '2'], { INPLACE_AGENT_KEY: 'inp_agt_k', INPLACE_AGENT_INTERVAL: '9' });
    assert.equal(s.help, false);
    assert.equal(s.intervalMs, 2000);
    assert.equal(s.key, 'inp_agt_k');
    assert.throws(() => readSettings(['--url', 'http://10.0.0.1', '--key', 'k', '--dir', 'd'], {}), UsageError);
    assert.throws(() => readSettings(['--url', 'https://u:p@svc.test', '--key', 'k', '--dir', 'd'], {}), UsageError);
    assert.throws(() => readSettings(['--url', 'https://svc.test', '--dir', 'd'], {}), /--key/);
    assert.throws(() => readSettings(['--bogus'], {}), UsageError);
    assert.throws(() => readSettings(['--url', 'https://svc.test', '--key', 'k', '--dir', 'd', '--interval', '0'], {}), /--interval must be a number/);
  });

  it('one agent per DIR; a lock left by a dead process is taken over', () => {
    const dir = mkdtempSync(join(root, 'lock-'));
    writeFileSync(join(dir, 'agent.lock'), '999999999');
    const release = acquireLock(dir);
    assert.equal(readFileSync(join(dir, 'agent.lock'), 'utf8'), String(process.pid));
    writeFileSync(join(dir, 'agent.lock'), String(process.ppid));
    assert.throws(() => acquireLock(dir), LockHeld);
    writeFileSync(join(dir, 'agent.lock'), String(process.pid));
    release();
    assert.equal(existsSync(join(dir, 'agent.lock')), false);
  });
});

// The agent program end to end: real agent processes (scripts/agent/main.mjs) against a fresh
// local service (the deploy bundle in workerd) and a loopback artifact server with real module tarballs. Each
// scenario has its own customer on two servers that hold no other data, its own platforms and its
// own agents, so the scenarios run side by side. Agents pass every second (--interval 1): each pass
// of each of the ten agents costs CPU the rest of npm test waits for, and no step here is timed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { client, until } from '../../scripts/lib/api.mjs';
import { factsOf, startAgents } from '../../scripts/lib/agents.mjs';
import { buildModule, buildTarball } from '../../scripts/lib/artifacts.mjs';
import { generateInventory } from '../../scripts/lib/demo-data.mjs';
import { freePort, startService } from '../service.mjs';

let service;
let operator;
let root;
let provider;
const freeServers = [];
const allAgents = [];

/** A smaller data center than the demo's: enough free servers, and each new platform is evaluated against fewer. */
const SERVERS = 120;

before(async () => {
  service = await startService({ servers: SERVERS });
  operator = client(service.baseUrl, service.operatorKey);
  root = mkdtempSync(join(tmpdir(), 'inplace-agents-'));
  const placed = new Set(service.demo.agentServers);
  freeServers.push(...generateInventory({ servers: SERVERS, seed: 42 }).servers.filter((s) => !placed.has(s.id)));
  const reg = await operator.post('/v1/providers', { name: 'Agent Test Platforms', organisation: 'Agent Test Oy' });
  provider = client(service.baseUrl, reg.apiKey.key);
});

after(async () => {
  await Promise.all(allAgents.map((a) => a.kill()));
  await service?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});


/** Generous: the suite runs on shared, loaded machines; nothing here is a timing assertion. */
const wait = (what, fn) => until(what, fn, 180_000, 200);

let seq = 0;
/** A module built into the scenario's folder and served by the artifact server. */
async function publish(dir, spec) {
  const built = await buildModule(dir, spec);
  return { ...built, artifactUrl: service.artifactServer.publish(`${++seq}-${built.name}-${built.version}.tar.gz`, built.file) };
}
const ref = (m) => ({ name: m.name, version: m.version, artifactUrl: m.artifactUrl, sha256: m.sha256 });

async function platform(name, modules) {
  return provider.post('/v1/platforms', {
    name: `${name} ${++seq}`,
    description: 'An end-to-end test platform.',
    serviceProfile: { supportLevel: 'community', multiSite: false, focus: [], pricing: { currency: 'EUR', monthlyBase: 0, perCoreMonth: 1 } },
    modules: modules.map(ref),
    upstreamUrl: 'http://127.0.0.1:9/',
    autoAccept: true,
  });
}

/** A customer on platform `a` with data on two free servers, and a running agent on each. */
async function scenario(name, a) {
  const dir = mkdtempSync(join(root, `${name}-`));
  const servers = freeServers.splice(0, 2);
  const reg = await operator.post('/v1/customers', { name: `Agent test ${name}`, organisation: `${name} AG` });
  await operator.put('/v1/placements', {
    placements: servers.map((s) => ({ customerId: reg.id, serverId: s.id, platformId: a.id, storageAddress: `nfs://${s.identity.internalIp}/${reg.id}`, cores: 1, memoryGib: 1 })),
  });
  const agents = await startAgents({
    baseUrl: service.baseUrl,
    operator,
    servers: servers.map((s) => ({ id: s.id, facts: factsOf(s) })),
    root: join(dir, 'agents'),
    args: ['--interval', '1', '--command-timeout', '60'],
  });
  allAgents.push(...agents);
  agents.forEach((x) => x.start());
  const customer = client(service.baseUrl, reg.apiKey.key);
  return { dir, servers, agents, customer, customerId: reg.id };
}

async function migrate(s, target) {
  return s.customer.post('/v1/migrations', { customerId: s.customerId, targetPlatformId: target.id, scope: 'server' }, { 'idempotency-key': crypto.randomUUID() });
}
const stateOf = async (s, id) => (await s.customer.get(`/v1/migrations/${id}`)).state;
const tasksOf = async (id) => (await operator.get(`/v1/migrations/${id}/tasks?limit=100`)).items;
const moduleDir = (agent, m) => join(agent.dir, 'modules', m.name, m.version);

describe('the agent program against a real service', { concurrency: true }, () => {
  it('deploys with real downloads and digest checks (→ migrating), and a rollback removes the modules on every server', async () => {
    const s0 = await publish(join(root), { name: 'e2e-source', version: '1.0.0' });
    const a = await platform('Source', [s0]);
    const s = await scenario('rollback', a);
    const m1 = await publish(s.dir, { name: 'e2e-runtime', version: '2.1.0' });
    const m2 = await publish(s.dir, { name: 'e2e-proxy', version: '0.9.1' });
    const b = await platform('Target', [m1, m2]);
    const m = await migrate(s, b);
    await wait('migrating', async () => (await stateOf(s, m.id)) === 'migrating');
    for (const agent of s.agents) {
      for (const mod of [m1, m2]) {
        const log = readFileSync(join(moduleDir(agent, mod), 'install.log'), 'utf8');
        assert.match(log, new RegExp(`installed ${mod.name}@${mod.version} for migration ${m.id}`));
        assert.equal(readlinkSync(join(agent.dir, 'modules', mod.name, 'current')), mod.version);
        assert.ok(existsSync(join(moduleDir(agent, mod), 'running')), 'start ran');
        const downloaded = agent.events.find((e) => e.event === 'module.downloaded' && e.module === mod.name);
        assert.equal(downloaded.sha256, mod.sha256);
      }
    }
    const deployed = await tasksOf(m.id);
    assert.deepEqual(deployed.map((t) => [t.kind, t.state, t.attempts]), [['deploy_platform_modules', 'succeeded', 1], ['deploy_platform_modules', 'succeeded', 1]]);

    await s.customer.post(`/v1/migrations/${m.id}/rollback`);
    await wait('the removal tasks', async () => (await tasksOf(m.id)).filter((t) => t.kind === 'remove_platform_modules' && t.state === 'succeeded').length === 2);
    assert.equal(await stateOf(s, m.id), 'rolled_back');
    for (const agent of s.agents) {
      for (const mod of [m1, m2]) assert.equal(existsSync(join(agent.dir, 'modules', mod.name)), false, `${mod.name} removed from ${agent.serverId}`);
    }
    // The customer sees the same tasks per server, as masked hardware IDs.
    const masked = (await s.customer.get(`/v1/migrations/${m.id}/tasks`)).items;
    assert.equal(masked.length, 4);
    assert.ok(masked.every((t) => t.hardwareId && !('serverId' in t)));
  });

  it('a tampered artifact fails the task on every attempt: nothing unpacked or run, the migration fails', async () => {
    const a = await platform('Source', [await publish(root, { name: 'e2e-base', version: '1.0.0' })]);
    const s = await scenario('tampered', a);
    const mod = await publish(s.dir, { name: 'e2e-tampered', version: '1.0.0', manifest: { install: 'touch "$INPLACE_AGENT_DIR/install-ran"' } });
    const b = await platform('Tampered', [mod]);
    // Someone replaces the artifact after the provider published its digest.
    writeFileSync(mod.file, Buffer.concat([readFileSync(mod.file), Buffer.from('tampered')]));
    const m = await migrate(s, b);
    await wait('the migration to fail', async () => (await stateOf(s, m.id)) === 'failed');
    const failed = (await tasksOf(m.id)).filter((t) => t.kind === 'deploy_platform_modules' && t.state === 'failed');
    assert.equal(failed.length, 1, 'the migration fails as soon as one task has no attempt left');
    assert.match(failed[0].lastError, new RegExp(`^sha256 mismatch for e2e-tampered@1.0.0: expected ${mod.sha256}, got [0-9a-f]{64}; nothing unpacked`));
    for (const agent of s.agents) {
      assert.equal(existsSync(join(agent.dir, 'modules', 'e2e-tampered', '1.0.0')), false);
      assert.equal(existsSync(join(agent.dir, 'install-ran')), false);
      assert.deepEqual(readdirSync(join(agent.dir, 'downloads')), []);
    }
  });

  it('refuses a path-traversal tarball and a link out of the module, whole', async () => {
    const a = await platform('Source', [await publish(root, { name: 'e2e-base2', version: '1.0.0' })]);
    const s = await scenario('traversal', a);
    const manifest = (name) => JSON.stringify({ name, version: '1.0.0', install: 'touch "$INPLACE_AGENT_DIR/install-ran"' });
    const climbing = join(s.dir, 'climbing.tar.gz');
    const sha = await buildTarball(climbing, { 'module.json': manifest('e2e-climb'), '../escaped.txt': 'out of the module' }, { preservePaths: true });
    const linking = join(s.dir, 'linking.tar.gz');
    const linkSha = await buildTarball(linking, { 'module.json': manifest('e2e-link'), etc: (dir, path) => symlinkSync('../../../../../etc', join(dir, path)) });
    const climb = { name: 'e2e-climb', version: '1.0.0', sha256: sha, artifactUrl: service.artifactServer.publish('climbing.tar.gz', climbing) };
    const link = { name: 'e2e-link', version: '1.0.0', sha256: linkSha, artifactUrl: service.artifactServer.publish('linking.tar.gz', linking) };
    const m = await migrate(s, await platform('Climbing', [climb]));
    await wait('the migration to fail', async () => (await stateOf(s, m.id)) === 'failed');
    const [failed] = (await tasksOf(m.id)).filter((t) => t.state === 'failed');
    assert.match(failed.lastError, /^archive refused, nothing unpacked: \.\.\/escaped\.txt: a path with "\.\."/);
    for (const agent of s.agents) {
      assert.equal(existsSync(join(agent.dir, 'modules', 'e2e-climb', '1.0.0')), false);
      assert.equal(existsSync(join(agent.dir, 'modules', 'escaped.txt')) || existsSync(join(agent.dir, 'modules', 'e2e-climb', 'escaped.txt')), false);
      assert.equal(existsSync(join(agent.dir, 'install-ran')), false);
    }
    const m2 = await migrate(s, await platform('Linking', [link]));
    await wait('the second migration to fail', async () => (await stateOf(s, m2.id)) === 'failed');
    const [linkFailed] = (await tasksOf(m2.id)).filter((t) => t.state === 'failed');
    assert.match(linkFailed.lastError, /^archive refused, nothing unpacked: etc: a link out of the module's directory/);
  });

  it('an agent killed mid-install finishes the task after restart; completion removes the source platform’s modules', async () => {
    const a = await platform('Source', [await publish(root, { name: 'e2e-base3', version: '1.0.0' })]);
    const s = await scenario('restart', a);
    // The first install hangs; the next one (after the restart) goes through.
    const slow = await publish(s.dir, {
      name: 'e2e-slow',
      version: '1.0.0',
      manifest: { install: 'echo run >> "$INPLACE_AGENT_DIR/installs"; [ "$(wc -l < "$INPLACE_AGENT_DIR/installs")" -ge 2 ] || exec sleep 300' },
    });
    const b = await platform('Slow', [slow]);
    const m = await migrate(s, b);
    await wait('every first install to start', () => s.agents.every((x) => existsSync(join(x.dir, 'installs'))));
    await Promise.all(s.agents.map((x) => x.kill()));
    assert.equal(await stateOf(s, m.id), 'deploying');
    assert.deepEqual((await tasksOf(m.id)).map((t) => t.state), ['leased', 'leased']);
    s.agents.forEach((x) => x.start());
    await wait('migrating', async () => (await stateOf(s, m.id)) === 'migrating');
    for (const agent of s.agents) {
      assert.ok(agent.events.some((e) => e.event === 'command.killed-leftover'), 'the hung install of the killed agent was stopped');
      assert.ok(agent.events.some((e) => e.event === 'task.resumed'));
      assert.equal(readFileSync(join(agent.dir, 'installs'), 'utf8'), 'run\nrun\n');
      assert.equal(readlinkSync(join(agent.dir, 'modules', 'e2e-slow', 'current')), '1.0.0');
    }
    assert.deepEqual((await tasksOf(m.id)).map((t) => [t.state, t.attempts]), [['succeeded', 1], ['succeeded', 1]], 'the same attempt, within its lease');

    // Completion: platform B (the agents installed it) → platform C; B's modules leave every server.
    await provider.post(`/v1/migrations/${m.id}/progress`, { segmentsDone: 1, segmentsTotal: 1 });
    assert.equal(await stateOf(s, m.id), 'completed');
    const next = await publish(s.dir, { name: 'e2e-next', version: '1.0.0' });
    const c = await platform('Next', [next]);
    const m2 = await migrate(s, c);
    await wait('migrating to C', async () => (await stateOf(s, m2.id)) === 'migrating');
    await provider.post(`/v1/migrations/${m2.id}/progress`, { segmentsDone: 1, segmentsTotal: 1 });
    await wait('B’s removal', async () => (await tasksOf(m2.id)).filter((t) => t.kind === 'remove_platform_modules' && t.state === 'succeeded').length === 2);
    for (const agent of s.agents) {
      assert.equal(existsSync(join(agent.dir, 'modules', 'e2e-slow')), false, 'platform B’s module removed after completion');
      assert.equal(readlinkSync(join(agent.dir, 'modules', 'e2e-next', 'current')), '1.0.0');
    }
  });

  it('--once without --facts reports the host it runs on (flagged: this machine is not the demo server), and exits by its own failures only', async (t) => {
    const server = freeServers.shift();
    const { key } = await operator.post('/v1/api-keys', { agentFor: server.id, name: 'host agent' });
    const dir = join(root, 'host-agent');
    const run = async (...args) => {
      try {
        const { stdout } = await promisify(execFile)(process.execPath, ['scripts/agent/main.mjs', '--dir', dir, '--once', ...args], { env: { ...process.env, INPLACE_AGENT_KEY: key } });
        return { code: 0, stdout };
      } catch (err) {
        return { code: err.code, stdout: err.stdout, stderr: err.stderr };
      }
    };
    const ok = await run('--url', service.baseUrl);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(!ok.stdout.includes(key), 'the key is never logged');
    const report = ok.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.event === 'report');
    assert.equal(report.source, 'host');
    t.diagnostic(`observed on this machine: ${JSON.stringify(report.observed)}; interfaces: ${JSON.stringify(report.interfaces)}; service: ${JSON.stringify(report.result)}`);
    assert.equal(report.result.identity.matches, false);
    assert.ok(report.observed.properties.cores >= 1 && report.observed.properties.memoryGib >= 1);
    const flags = await operator.get(`/v1/agent/flags?serverId=${server.id}`);
    assert.ok(flags.items.length > 0);
    assert.equal((await run('--url', `http://127.0.0.1:${await freePort()}`)).code, 4);
    assert.equal((await run('--url', service.baseUrl, '--key', `inp_agt_${'x'.repeat(43)}`)).code, 3);
    assert.equal((await run('--url', 'http://example.com')).code, 2);
  });
});

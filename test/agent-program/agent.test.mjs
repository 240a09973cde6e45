// The agent's pass against a scripted service (the `call` function the HTTP client would be): what
// it reports, the order it runs tasks in, and how it finishes a task left in flight by a run that
// died — within its lease (the same attempt), or after the service reclaimed it (a new attempt).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAgent } from '../../scripts/agent/agent.mjs';
import { loadState, saveState } from '../../scripts/agent/state.mjs';
import { buildModule, startArtifactServer } from '../../scripts/lib/artifacts.mjs';

let root;
let server;
let module;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'inplace-agent-pass-'));
  server = await startArtifactServer();
  const built = await buildModule(root, { name: 'pass-mod', version: '1.0.0', manifest: { install: 'echo x >> "$INPLACE_AGENT_DIR/installs"' } });
  module = { name: built.name, version: built.version, sha256: built.sha256, artifactUrl: server.publish('pass-mod.tar.gz', built.file) };
});
after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const deployTask = (attempt) => ({
  id: 'tsk_1',
  kind: 'deploy_platform_modules',
  attempt,
  leaseExpiresAt: Date.now() + 60_000,
  payload: { kind: 'deploy_platform_modules', migrationId: 'mig_1', platformId: 'plt_b', modules: [module], storageAddress: 'nfs://10.0.0.1/x' },
});

/** A service that answers from `script` (method path → reply or function) and records every call. */
function service(script) {
  const calls = [];
  const call = async (method, path, body) => {
    calls.push({ method, path, body });
    const reply = script[`${method} ${path}`];
    const r = typeof reply === 'function' ? reply(body, calls) : reply;
    if (!r) throw new Error(`unscripted call ${method} ${path}`);
    return r;
  };
  return { call, calls };
}

function settings(facts) {
  const dir = mkdtempSync(join(root, 'dir-'));
  const file = join(dir, '..', `${crypto.randomUUID()}.facts.json`);
  writeFileSync(file, JSON.stringify(facts));
  return { dir, facts: file, commandTimeoutMs: 5000, downloadTimeoutMs: 5000, maxArtifactBytes: 1 << 20, maxUnpackedBytes: 1 << 20 };
}

const REPORTED = { status: 200, body: { identity: { matches: true, mismatched: [] }, properties: { applied: true, changed: [] } } };

describe('one pass', () => {
  it('reports the facts, runs each task leased and reports it with its attempt', async () => {
    const s = settings({ identity: { serial: 'SN1' }, properties: { cores: 8 } });
    const svc = service({
      'POST /v1/agent/report': REPORTED,
      'GET /v1/agent/tasks': { status: 200, body: { items: [deployTask(1)] } },
      'POST /v1/agent/tasks/tsk_1/result': { status: 200, body: { id: 'tsk_1', state: 'succeeded', attempts: 1 } },
    });
    const agent = createAgent(s, svc.call, () => {});
    assert.equal(await agent.pass(), 1);
    assert.deepEqual(svc.calls.map((c) => `${c.method} ${c.path}`), ['POST /v1/agent/report', 'GET /v1/agent/tasks', 'POST /v1/agent/tasks/tsk_1/result']);
    assert.deepEqual(svc.calls[0].body, { identity: { serial: 'SN1' }, properties: { cores: 8 } });
    assert.deepEqual(svc.calls[2].body, { attempt: 1, outcome: 'succeeded' });
    assert.equal(loadState(s.dir).inFlight, null);
  });

  it('reports a failure with the reason first and the output tail, within the service’s 1000 characters', async () => {
    const s = settings({});
    const failing = { ...deployTask(2), payload: { ...deployTask(2).payload, modules: [{ ...module, sha256: '0'.repeat(64) }] } };
    const svc = service({
      'POST /v1/agent/report': REPORTED,
      'GET /v1/agent/tasks': { status: 200, body: { items: [failing] } },
      'POST /v1/agent/tasks/tsk_1/result': { status: 200, body: { id: 'tsk_1', state: 'pending', attempts: 2 } },
    });
    await createAgent(s, svc.call, () => {}).pass();
    const result = svc.calls.at(-1).body;
    assert.equal(result.attempt, 2);
    assert.equal(result.outcome, 'failed');
    assert.match(result.error, /^sha256 mismatch for pass-mod@1\.0\.0/);
    assert.ok(result.error.length <= 1000);
  });

  it('keeps only text the service shows people: no colour codes, carriage returns or bidi controls from the output', async () => {
    const s = settings({});
    const noisy = await buildModule(join(root, 'noisy'), { name: 'noisy', version: '1.0.0', manifest: { install: "printf '\\033[31mred\\033[0m\\r\\nx\\342\\200\\256y\\n'; exit 4" } });
    const task = { ...deployTask(1), payload: { ...deployTask(1).payload, modules: [{ name: 'noisy', version: '1.0.0', sha256: noisy.sha256, artifactUrl: server.publish('noisy.tar.gz', noisy.file) }] } };
    const svc = service({
      'POST /v1/agent/report': REPORTED,
      'GET /v1/agent/tasks': { status: 200, body: { items: [task] } },
      'POST /v1/agent/tasks/tsk_1/result': { status: 200, body: { id: 'tsk_1', state: 'pending', attempts: 1 } },
    });
    await createAgent(s, svc.call, () => {}).pass();
    assert.equal(svc.calls.at(-1).body.error, 'install exited with 4\n--- output (tail) ---\n\ufffd[31mred\ufffd[0m\nx\ufffdy\n');
  });

  it('finishes the task a killed run left in flight, for the same attempt while its lease lasts', async () => {
    const s = settings({});
    saveState(s.dir, { inFlight: deployTask(1), commandGroup: null });
    const svc = service({
      'POST /v1/agent/report': REPORTED,
      'POST /v1/agent/tasks/tsk_1/result': { status: 200, body: { id: 'tsk_1', state: 'succeeded', attempts: 1 } },
      'GET /v1/agent/tasks': { status: 200, body: { items: [] } },
    });
    await createAgent(s, svc.call, () => {}).pass();
    assert.deepEqual(svc.calls[1], { method: 'POST', path: '/v1/agent/tasks/tsk_1/result', body: { attempt: 1, outcome: 'succeeded' } });
    assert.equal(readFileSync(join(s.dir, 'installs'), 'utf8'), 'x\n');
  });

  it('after the lease expired: the late result is refused, the task offered again succeeds without a second install', async () => {
    const s = settings({});
    saveState(s.dir, { inFlight: deployTask(1), commandGroup: null });
    const events = [];
    const svc = service({
      'POST /v1/agent/report': REPORTED,
      'POST /v1/agent/tasks/tsk_1/result': (body) =>
        body.attempt === 1 ? { status: 409, body: { detail: 'This attempt is no longer current (task is pending, attempt 1).' } } : { status: 200, body: { id: 'tsk_1', state: 'succeeded', attempts: 2 } },
      'GET /v1/agent/tasks': { status: 200, body: { items: [deployTask(2)] } },
    });
    await createAgent(s, svc.call, (event, fields) => events.push({ event, ...fields })).pass();
    assert.deepEqual(
      svc.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/result')).map((c) => c.body),
      [{ attempt: 1, outcome: 'succeeded' }, { attempt: 2, outcome: 'succeeded' }],
    );
    assert.ok(events.some((e) => e.event === 'task.report-refused' && e.status === 409));
    assert.equal(readFileSync(join(s.dir, 'installs'), 'utf8'), 'x\n', 'installed once');
    assert.equal(existsSync(join(s.dir, 'modules', 'pass-mod', 'current')), true);
  });
});

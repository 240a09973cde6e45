// The newcomer's first command, as the README gives it: `npm start` (scripts/start.mjs) in a copy of
// the project, so that its local state (.wrangler/state, .inplace, .dev.vars) is its own. It must
// migrate the local D1, start `wrangler dev`, seed the demo, print the console URL and the keys, and
// answer an authenticated request with a printed key. The other end-to-end files serve the deploy
// bundle instead; this one is the only run of `wrangler dev`. The 34 demo agents start after the keys
// are printed; this file stops the service before they do (test/agent-program/agent.e2e.test.mjs
// runs real agents against a service).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../service.mjs';

const root = new URL('../..', import.meta.url).pathname;
let dir;
let child;
let output = '';
let port;

/** Resolves once `pattern` appears in what `npm start` printed; rejects if it exits first. */
function printed(pattern) {
  return new Promise((resolve, reject) => {
    const check = () => pattern.test(output) && resolve(output);
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before printing ${pattern}:\n${output}`)));
    check();
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inplace-start-'));
  for (const entry of ['src', 'schema', 'scripts', 'package.json', 'wrangler.toml']) cpSync(join(root, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  port = await freePort();
  const artifactPort = await freePort();
  // Its own devtools port too: wrangler's default takes the first free from 9229, which another
  // wrangler dev starting on the machine may take at the same moment.
  const inspectorPort = await freePort();
  // Six upstreams on consecutive ports from a random base far from the other tests' ranges.
  const upstreamPort = 20000 + Math.floor(Math.random() * 10000);
  child = spawn(process.execPath, ['scripts/start.mjs', '--port', String(port), '--upstream-port', String(upstreamPort), '--artifact-port', String(artifactPort), '--inspector-port', String(inspectorPort)], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk));
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('migrates, seeds the demo, prints the console URL and keys, and the printed keys work', async () => {
    await printed(/Stop with Ctrl-C/);
    assert.match(output, /D1: applied \d+ migration\(s\) to the local database/);
    assert.match(output, new RegExp(`InPlace is running at http://127\\.0\\.0\\.1:${port}`));
    assert.match(output, /inventory: 2 sites, 8 rows, 40 racks, 200 servers/);
    const demo = JSON.parse(readFileSync(join(dir, '.inplace/demo.json'), 'utf8'));
    const customer = demo.customers[0];
    for (const [who, key] of [['operator', demo.operatorKey], ...[...demo.providers, ...demo.customers].map((p) => [p.name, p.key])]) {
      assert.ok(output.split('\n').some((line) => line.includes(who) && line.includes(key)), `${who}'s key is printed on its line`);
    }
    const res = await fetch(`http://127.0.0.1:${port}/v1/account`, { headers: { authorization: `Bearer ${customer.key}` } });
    assert.equal(res.status, 200);
    const account = await res.json();
    assert.equal(account.id, customer.id);
    assert.equal(account.kind, 'customer');
    const refused = await fetch(`http://127.0.0.1:${port}/v1/account`, { headers: { authorization: 'Bearer inp_cus_not-a-key' } });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
  });

  it('stops cleanly on Ctrl-C (SIGINT)', async () => {
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGINT');
    const { code, signal } = await exited;
    assert.ok(code === 0 || code === 130 || signal === 'SIGINT', `exit code ${code}, signal ${signal}`);
  });
});

// Ports for the end-to-end stage and for `npm start`: a port handed to two servers makes the second
// fail to listen (wrangler dev's "Address already in use"), which is how the npm start test failed
// about one run in twenty when its service and artifact ports were drawn equal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { freePort } from '../service.mjs';

const root = new URL('../..', import.meta.url).pathname;

describe('freePort', () => {
  it('never hands out the same port twice in one process, even past its preferred range', async () => {
    const ports = [];
    for (let i = 0; i < 30; i++) ports.push(await freePort());
    assert.equal(new Set(ports).size, ports.length);
  });
});

describe('npm start', () => {
  it('refuses the same port for two of its servers, saying which and how to move one', async () => {
    const port = await freePort();
    const run = spawnSync(process.execPath, ['scripts/start.mjs', '--port', String(port), '--artifact-port', String(port)], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is asked for twice, for the service and for the module artifact server: move it with \`npm start -- --artifact-port N\``));
  });
});

// npm test's guard around vitest (scripts/lib/exit-guard.mjs), with a stand-in for vitest
// (fake-vitest.mjs) that reports, or not, and then exits or hangs. A vitest that hangs after its
// report is killed and its report decides; a run that hangs before its report is killed and fails.
// Each kill takes the stand-in's own child (a workerd runtime, in vitest) with it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { guarded } from '../../scripts/lib/exit-guard.mjs';

const dir = mkdtempSync(join(tmpdir(), 'exit-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FAKE = new URL('fake-vitest.mjs', import.meta.url).pathname;

/** Whether a process is gone (or a zombie, dead but not yet reaped). */
function gone(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') === true;
  } catch {
    return true;
  }
}

/**
 * Runs the stand-in through the guard, on a clock that stands still until the stand-in has written
 * what its scenario writes and hangs, then runs a million times faster than real time: every limit
 * expires within a few of the guard's polls, however long the stand-in took to start.
 */
async function run(scenario) {
  const report = join(dir, `${scenario.replaceAll(/\W+/g, '-')}.json`);
  const said = [];
  let readyAt = null;
  const clock = () => (readyAt === null ? 0 : (Date.now() - readyAt) * 1e6);
  const guard = guarded(process.execPath, [FAKE, scenario, report, `${report}.progress`], { report, progress: `${report}.progress`, say: (text) => said.push(text), clock, pollMs: 20 });
  let result = null;
  void guard.then((r) => (result = r));
  // The test's own timeout bounds these waits.
  while (result === null && !existsSync(`${report}.ready`)) await sleep(10);
  readyAt = Date.now();
  await guard;
  const runtime = Number(readFileSync(`${report}.child`, 'utf8'));
  // SIGKILL is delivered asynchronously.
  while (!gone(runtime)) await sleep(10);
  return { ...result, said: said.join('\n') };
}

describe('the exit guard around vitest', { timeout: 30_000 }, () => {
  it('passes a process that exits through, with its exit code', async () => {
    const { outcome, code, said } = await run('exits 3');
    assert.deepEqual({ outcome, code, said }, { outcome: 'exited', code: 3, said: '' });
  });

  it('kills a process that hangs after its report, says so, and takes a passing report as passed', async () => {
    const { outcome, code, said } = await run('passes, then hangs');
    assert.deepEqual({ outcome, code }, { outcome: 'killed after its report', code: 0 });
    assert.match(said, /wrote its report .* but had not exited 60 s later: killed with its process group/);
    assert.match(said, /The result is the report's: passed/);
  });

  it('takes a failing report as failed when it kills the process after it', async () => {
    const { outcome, code, said } = await run('fails, then hangs');
    assert.deepEqual({ outcome, code }, { outcome: 'killed after its report', code: 1 });
    assert.match(said, /The result is the report's: failed/);
  });

  it('fails a run whose files all ended but that never reported, and kills it', async () => {
    const { outcome, code, said } = await run('every file ended, no report, hangs');
    assert.deepEqual({ outcome, code }, { outcome: 'killed: the run never ended', code: 1 });
    assert.match(said, /all 2 test files ended, but the run did not end \(no report\)/);
    assert.match(said, /Counted as failed/);
  });

  it('fails a run in which no file ends any more, and kills it', async () => {
    const { outcome, code, said } = await run('one file of two ended, hangs');
    assert.deepEqual({ outcome, code }, { outcome: 'killed: stalled', code: 1 });
    assert.match(said, /1 of 2 test files ended, then none for 600 s: killed with its process group/);
  });
});

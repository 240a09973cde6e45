// npm test's guard around vitest (scripts/test.mjs): the run's result never waits on a process that
// will not end. Vitest writes its JSON report when its run ends, then stops its workerd runtimes and
// exits; a progress reporter (scripts/lib/vitest-progress.mjs) writes how many files ended so far.
// - Report written, process still there after `exitGraceMs`: it is killed (its whole process group,
//   workerd included), that is said loudly, and the result is the report's.
// - Every file ended, but no report after `runEndGraceMs`: the run never ended (in train 4 of stop
//   15 a runtime waited forever after its last file's tests passed). Killed, said loudly, failed.
// - No file ended for `stallMs` (or none started): killed, said loudly, failed.
// A run that fails before its report never passes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** What the guard waits for by default: generous beside what a slow, loaded run needs (seconds). */
const GUARD_DEFAULTS = { exitGraceMs: 60_000, runEndGraceMs: 90_000, stallMs: 600_000, pollMs: 1_000 };

/** The JSON report's verdict, or null while it is absent or not yet whole. */
function readReport(path) {
  if (!existsSync(path)) return null;
  try {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    return { passed: json.success === true && json.numFailedTests === 0 };
  } catch {
    return null;
  }
}

function readProgress(path) {
  try {
    const { files, ended } = JSON.parse(readFileSync(path, 'utf8'));
    return { files, ended };
  } catch {
    return null;
  }
}

const loud = (say, lines) => say(['', '!'.repeat(100), ...lines.map((line) => `!!! ${line}`), '!'.repeat(100), ''].join('\n'));

/**
 * Runs `command` with `args` in a process group of its own, its output passed through, and resolves
 * `{ code, outcome }` once it has exited or been killed: `outcome` is `exited`, `killed after its
 * report`, `killed: the run never ended` or `killed: stalled`. `name` is what the messages call it;
 * `clock` gives the time the limits are counted in (milliseconds).
 */
export function guarded(command, args, { name = command, report, progress, env = process.env, say = console.error, clock = Date.now, ...limits }) {
  const { exitGraceMs, runEndGraceMs, stallMs, pollMs } = { ...GUARD_DEFAULTS, ...limits };
  for (const path of [report, progress]) rmSync(path, { force: true });
  const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  // Ctrl-C or a CI cancel reaches this process: the group, out of the terminal's, goes with it.
  const onSignal = (signal) => {
    killGroup();
    process.kill(process.pid, signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, onSignal);

  return new Promise((resolve) => {
    let verdict = null;
    let reportSeenAt = null;
    // When the count of ended files last changed (or the run started).
    let ended = -1;
    let endedAt = clock();
    const finish = (result) => {
      clearInterval(timer);
      for (const signal of ['SIGINT', 'SIGTERM']) process.off(signal, onSignal);
      resolve(result);
    };
    const kill = (outcome, code, lines) => {
      verdict = { outcome, code };
      loud(say, lines);
      killGroup();
    };
    child.on('error', (err) => {
      say(`${name}: ${err.message}`);
      finish({ outcome: 'exited', code: 1 });
    });
    child.on('exit', (code, signal) => {
      // Whatever the group's leader left running (a workerd it spawned) goes with it.
      killGroup();
      finish(verdict ?? { outcome: 'exited', code: code ?? (signal ? 1 : 0) });
    });
    const timer = setInterval(() => {
      if (verdict) return;
      const now = clock();
      const done = readReport(report);
      if (done) {
        reportSeenAt ??= now;
        if (now - reportSeenAt >= exitGraceMs) {
          kill('killed after its report', done.passed ? 0 : 1, [
            `${name} wrote its report (${report}) but had not exited ${Math.round(exitGraceMs / 1000)} s later: killed with its process group.`,
            `The result is the report's: ${done.passed ? 'passed' : 'failed'}. The hang after the report is a bug to find; this run's tests are not affected by it.`,
          ]);
        }
        return;
      }
      const seen = readProgress(progress);
      if (seen && seen.ended !== ended) {
        ended = seen.ended;
        endedAt = now;
      }
      if (seen && seen.files > 0 && seen.ended >= seen.files && now - endedAt >= runEndGraceMs) {
        kill('killed: the run never ended', 1, [
          `${name}: all ${seen.files} test files ended, but the run did not end (no report) within ${Math.round(runEndGraceMs / 1000)} s: killed with its process group.`,
          'Counted as failed: a runtime is stuck after its last file (vitest waits for its answer forever), and whatever the run reports at its end is unknown.',
        ]);
      } else if (now - endedAt >= stallMs) {
        kill('killed: stalled', 1, [
          `${name}: ${seen ? `${seen.ended} of ${seen.files} test files ended, then none` : 'no test file ended'} for ${Math.round(stallMs / 1000)} s: killed with its process group.`,
          'Counted as failed.',
        ]);
      }
    }, pollMs);
  });
}

// A stand-in for vitest in the exit guard's test (test/structure/exit-guard.test.mjs): writes the
// progress and report files the way vitest and scripts/lib/vitest-progress.mjs do, as the scenario
// asks, then exits, or writes `<report>.ready` and hangs. It starts a child that hangs too, as vitest's
// workerd runtimes would, and writes that child's pid to `<report>.child`.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const [scenario, report, progress] = process.argv.slice(2);
const runtime = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
writeFileSync(`${report}.child`, String(runtime.pid));

const ended = (files, n) => writeFileSync(progress, JSON.stringify({ files, ended: n }));
const reported = (failed) => writeFileSync(report, JSON.stringify({ success: failed === 0, numFailedTests: failed, numPassedTests: 3 - failed }));
const hang = () => {
  writeFileSync(`${report}.ready`, '');
  setInterval(() => {}, 1000);
};

switch (scenario) {
  case 'exits 3':
    ended(2, 2);
    reported(1);
    runtime.kill();
    process.exitCode = 3;
    break;
  case 'passes, then hangs':
    ended(2, 2);
    reported(0);
    hang();
    break;
  case 'fails, then hangs':
    ended(2, 2);
    reported(1);
    hang();
    break;
  case 'every file ended, no report, hangs':
    ended(2, 2);
    hang();
    break;
  case 'one file of two ended, hangs':
    ended(2, 1);
    hang();
    break;
  default:
    throw new Error(`unknown scenario ${scenario}`);
}

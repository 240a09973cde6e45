// The project's test command (`npm test`): type check, structure check, OpenAPI lint, deploy dry-run, the vitest
// suites on real workerd bindings, and the end-to-end stage (browser, CLI). Ends with one summary
// line: "tests: N passed, N failed".
//
// The stages share no state (each end-to-end file serves the deploy bundle in its own workerd on its
// own port, state in memory; vitest runs its own workerd), so they run side by side: on a 2-core
// machine one stage waiting (a service starting, a browser page loading) leaves the other core to
// another stage. The end-to-end stage starts once the deploy dry-run has written the bundle it serves
// and the D1 migrations the state its services start from.
// The checks' output is printed whole when each ends, vitest's as it comes, the end-to-end stage's at its end.
import './lib/offline.mjs';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { copyDocsAssets } from './docs-assets.mjs';
import { guarded } from './lib/exit-guard.mjs';
import { migratedState } from './lib/local-service.mjs';

const extra = process.argv.slice(2);
const t0 = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Runs `cmd`, its output printed whole when it ends. */
function run(name, cmd, args) {
  const started = Date.now();
  const child = spawn(cmd, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = [];
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => out.push(chunk));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      console.log(`\n▶ ${name}`);
      process.stdout.write(Buffer.concat(out));
      const ok = code === 0;
      console.log(`${ok ? '✓' : '✗'} ${name}: ${ok ? 'passed' : `failed (exit ${code})`} in ${seconds(started)}`);
      resolve(code ?? 1);
    });
  });
}

/** Runs `fn` here, reported as `run()` reports a command: 0 when it resolves (printing what it returns), else 1. */
async function inProcess(name, fn) {
  const started = Date.now();
  let code = 0;
  let out;
  try {
    out = await fn();
  } catch (err) {
    out = err.stack;
    code = 1;
  }
  console.log(`\n▶ ${name}\n${out}`);
  console.log(`${code === 0 ? '✓' : '✗'} ${name}: ${code === 0 ? 'passed' : 'failed (exit 1)'} in ${seconds(started)}`);
  return code;
}

// Swagger UI's files, which wrangler.toml's [assets] names, before anything builds the Worker; then
// the test of that copy, alone: it rewrites one of those files, which would reload a running
// `wrangler dev` (failing its requests in flight) or break a page the browser test loads.
copyDocsAssets();
const nodeTests = (name, files, tap, concurrency = 1) => {
  rmSync(tap, { force: true });
  return run(name, 'node', ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files]);
};
const assetsCode = await nodeTests('docs assets copy', ['test/http/docs-assets.test.mjs'], 'dist/assets.tap');

// The bundle `wrangler deploy` would upload, in dist/: checked here, served by the end-to-end stage,
// whose services each start from a copy of one local state with the D1 migrations applied.
const dryRun = run('wrangler deploy --dry-run', 'npx', ['wrangler', 'deploy', '--dry-run', '--outdir', 'dist']);
const checks = Promise.all([
  dryRun,
  run('type check', 'npm', ['run', '--silent', 'typecheck']),
  run('structure: no import cycle between src folders, no src file over 300 lines', 'node', ['scripts/check-structure.mjs']),
  // The document is the deploy bundle's (served in memory once the dry run has written it); the CLI's
  // types are checked against the document the lint writes (dist/openapi.json).
  dryRun
    .then((code) => {
      if (code === 0) return run('OpenAPI lint', 'node', ['scripts/openapi-lint.mjs', '--bundle', 'dist']);
      console.log('✗ OpenAPI lint: not run, the deploy bundle is missing');
      return 1;
    })
    .then((code) => (code === 0 ? run('CLI API types match the OpenAPI document', 'node', ['scripts/gen-api-types.mjs', '--check']) : code)),
]);

// Vitest's output as it comes; its result from its JSON report. Guarded (scripts/lib/exit-guard.mjs):
// a vitest that does not exit after its report, or whose run never ends, is killed, not waited for.
const report = 'dist/vitest-report.json';
const progress = 'dist/vitest-progress.json';
const VITEST = 'vitest (workerd: D1, Durable Objects, cron)';
console.log(`\n▶ ${VITEST}`);
const vitestStarted = Date.now();
const vitestArgs = ['vitest', 'run', '--config', 'test/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, `--reporter=${fileURLToPath(new URL('lib/vitest-progress.mjs', import.meta.url))}`, ...extra];
const vitest = guarded('npx', vitestArgs, { name: 'vitest', report, progress, env: { ...process.env, INPLACE_VITEST_PROGRESS: progress } }).then(({ code, outcome }) => {
  const how = outcome === 'exited' ? '' : ` (${outcome})`;
  console.log(`${code === 0 ? '✓' : '✗'} ${VITEST}: ${code === 0 ? 'passed' : `failed (exit ${code})`}${how} in ${seconds(vitestStarted)}`);
  return code;
});

// In this process, once every other stage has started (loading wrangler and Miniflare takes a few seconds).
const E2E_STATE = 'dist/e2e-state';
rmSync(E2E_STATE, { recursive: true, force: true });
const e2eState = inProcess('D1 migrations for the end-to-end services', async () => `${await migratedState(E2E_STATE)} migrations applied to ${E2E_STATE}`);

// End to end, in Node against a fresh service each (the deploy bundle in its own workerd, test/service.mjs):
// the console in Debian's chromium (playwright-core), the CLI, the NetBox import and the agent program
// (real agent processes, real artifacts). Two files at a time, the longest first.
const E2E = 'end to end (deploy bundle in workerd + chromium, CLI, NetBox import, agent program)';
process.env.INPLACE_E2E_BUNDLE = 'dist';
process.env.INPLACE_E2E_STATE = E2E_STATE;
const e2e = Promise.all([dryRun, e2eState]).then((codes) => {
  if (codes.every((code) => code === 0)) {
    return nodeTests(
      E2E,
      [
        'test/console/browser.test.mjs',
        'test/agent-program/agent.e2e.test.mjs',
        'test/cli/cli.test.mjs',
        'test/cli/npm-start.test.mjs',
        'test/cli/ports.test.mjs',
        'test/netbox/import.test.mjs',
        'test/agent-program/modules.test.mjs',
        'test/agent-program/agent.test.mjs',
        'test/structure/check-structure.test.mjs',
        'test/structure/exit-guard.test.mjs',
      ],
      'dist/e2e.tap',
      2,
    );
  }
  rmSync('dist/e2e.tap', { force: true });
  console.log(`✗ ${E2E}: not run, the deploy bundle or the migrated state is missing`);
  return 1;
});

const [checkCodes, vitestCode, e2eCode] = await Promise.all([checks, vitest, e2e]);

let passed = 0;
let vitestFailed = vitestCode === 0 ? 0 : 1;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  vitestFailed = json.numFailedTests + (vitestCode !== 0 && json.numFailedTests === 0 ? 1 : 0);
}
let failed = checkCodes.filter((code) => code !== 0).length + vitestFailed;
// A node --test run's counts from its TAP summary; a failed run that counted no failure counts as one.
for (const [tap, code] of [['dist/assets.tap', assetsCode], ['dist/e2e.tap', e2eCode]]) {
  const summary = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (name) => Number(summary.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled') + (code !== 0 && count('fail') + count('cancelled') === 0 ? 1 : 0);
}

console.log(`\nnpm test: ${seconds(t0)} in all`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(checkCodes.find((code) => code !== 0) || vitestCode || assetsCode || e2eCode || 0);

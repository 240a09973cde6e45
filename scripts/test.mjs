// The project's test command (`npm test`): type check, structure check, OpenAPI lint, deploy dry-run, the vitest
// suites on real workerd bindings, then the end-to-end stage (browser, CLI). Ends with one summary
// line: "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { copyDocsAssets } from './docs-assets.mjs';

process.env.WRANGLER_SEND_METRICS = 'false';
const extra = process.argv.slice(2);

function step(name, cmd, args) {
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`✗ ${name} failed (exit ${r.status})`);
    console.log('tests: 0 passed, 1 failed');
    process.exit(r.status || 1);
  }
}

// Swagger UI's files, which wrangler.toml's [assets] names, before anything builds the Worker.
copyDocsAssets();
step('type check', 'npm', ['run', '--silent', 'typecheck']);
step('structure: no import cycle between src folders, no src file over 300 lines', 'node', ['scripts/check-structure.mjs']);
step('OpenAPI lint', 'node', ['scripts/openapi-lint.mjs']);
step('CLI API types match the OpenAPI document', 'node', ['scripts/gen-api-types.mjs', '--check']);
step('wrangler deploy --dry-run', 'npx', ['wrangler', 'deploy', '--dry-run', '--outdir', 'dist']);

const report = 'dist/vitest-report.json';
rmSync(report, { force: true });
console.log('\n▶ vitest (workerd: D1, Durable Objects, cron)');
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--config', 'test/vitest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { stdio: 'inherit', env: process.env },
);
let passed = 0;
let failed = run.status === 0 ? 0 : 1;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests + (run.status !== 0 && json.numFailedTests === 0 ? 1 : 0);
}

// End to end, in Node against a fresh `wrangler dev` each: the console in Debian's chromium
// (playwright-core), the CLI, and the agent program (real agent processes, real artifacts).
// Their counts join the closing line.
const tap = 'dist/e2e.tap';
rmSync(tap, { force: true });
console.log('\n▶ end to end (wrangler dev + chromium, CLI, NetBox import, agent program)');
const e2e = spawnSync(
  'node',
  ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, 'test/http/docs-assets.test.mjs', 'test/console/browser.test.mjs', 'test/cli/cli.test.mjs', 'test/netbox/import.test.mjs', 'test/agent-program/modules.test.mjs', 'test/agent-program/agent.test.mjs', 'test/agent-program/agent.e2e.test.mjs', 'test/structure/check-structure.test.mjs'],
  { stdio: 'inherit', env: process.env },
);
const summary = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
const count = (name) => Number(summary.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
passed += count('pass');
failed += count('fail') + count('cancelled') + (e2e.status !== 0 && count('fail') + count('cancelled') === 0 ? 1 : 0);

console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exit(run.status || e2e.status || 0);

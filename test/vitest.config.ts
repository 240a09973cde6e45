import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { copyDocsAssets } from '../scripts/docs-assets.mjs';
import { TEST_HWID_SIGNING_KEYS } from './fixtures/hwid-signing-keys.ts';
import { TEST_OPERATOR_KEY, TEST_SECRETS_KEY } from './keys.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const OPTIMIZED = [
  ...['zod', '@hono/zod-openapi', 'jose', 'ipaddr.js', 'p-limit', 'p-retry'],
  ...['drizzle-orm', 'drizzle-orm/sqlite-core', 'drizzle-orm/batch', 'drizzle-orm/d1'],
  ...['hono', 'hono/jsx', 'hono/jsx/jsx-runtime', 'hono/jsx/jsx-dev-runtime', 'hono/factory', 'hono/http-exception', 'hono/cookie', 'hono/request-id', 'hono/csrf', 'hono/body-limit', 'hono/utils/http-status'],
];
// wrangler.toml's [assets] directory must exist before the pool reads the config.
copyDocsAssets();

export default defineConfig(async () => ({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      // src/index.ts's Worker with a queue handler the setup can switch to emptying the queue.
      main: `${root}/test/worker.ts`,
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(`${root}/schema/migrations`),
          OPERATOR_KEY: TEST_OPERATOR_KEY,
          SECRETS_KEY: TEST_SECRETS_KEY,
          HWID_SIGNING_KEYS: JSON.stringify(TEST_HWID_SIGNING_KEYS),
          ENVIRONMENT: 'test',
        },
      },
    }),
  ],
  // fast-jwt (the independent verifier in test/hardware) requires these two through `exports` maps
  // that the workers pool resolves to ESM or not at all; point it at their CommonJS files.
  resolve: {
    alias: {
      'mnemonist/lru-cache': `${root}/node_modules/mnemonist/lru-cache.js`,
      '@lukeed/ms': `${root}/node_modules/@lukeed/ms/dist/index.js`,
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Generous per-test limits: a test's time is never an assertion here (the benchmark measures
    // speed), and a loaded 2-core machine must not turn a slow run into a failure.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Runs before each file: empties every Durable Object and D1 (reset) and applies the migrations,
    // so each file starts from an empty world of its own, as a fresh runtime would give it; and after
    // each file drops the queue's messages still pending, which would otherwise run in the next world.
    setupFiles: ['test/setup.ts'],
    // Logs go straight to workerd's console (printed by the pool as they come), not through vitest.
    // Vitest's console sends each log to Node as a call it awaits before it ends the file. A log from a
    // Durable Object (an alarm's `webhook.dispatch`, say) goes out through that object's own request,
    // and `reset()` at the next file's start aborts every object: a log cut there is never answered,
    // the file never ends, and vitest never exits (train 4 of stop 15; test/structure/reset-logs.test.ts).
    disableConsoleIntercept: true,
    // Two workerd runtimes, each running files one after another (vitest's default, one fewer than
    // the cores, runs a single file at a time here). A runtime runs its tests, the Worker and its
    // Durable Objects on one thread. Measured alone on this 2-core machine (2026-12-02): one runtime
    // 164 s and 155 CPU-s, two 124 s and 183 CPU-s, three 125 s and 208 CPU-s; in `npm test` the
    // end-to-end stage shares the cores, so the CPU a third runtime adds is time lost. A runtime
    // serves all its files (not isolated): the Worker and its dependencies are imported once per
    // runtime instead of once per file (about 3 s each); what a file sees of the files before it is
    // only what a long-lived isolate keeps in memory (caches keyed by keys and ids no other file holds).
    maxWorkers: 2,
    isolate: false,
    // The Worker's dependencies pre-bundled load in far fewer round trips to Vite than their hundreds
    // of files. Every entry point src imports is listed, so that no module (hono's HTTPException, say)
    // exists twice, once bundled and once not.
    deps: { optimizer: { ssr: { enabled: true, include: OPTIMIZED } } },
    globalSetup: ['test/receiver.global.mjs', 'test/upstream.global.mjs'],
  },
}));

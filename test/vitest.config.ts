import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { TEST_OPERATOR_KEY, TEST_SECRETS_KEY } from './keys.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig(async () => ({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(`${root}/schema/migrations`),
          OPERATOR_KEY: TEST_OPERATOR_KEY,
          SECRETS_KEY: TEST_SECRETS_KEY,
          ENVIRONMENT: 'test',
        },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/receiver.global.mjs'],
  },
}));

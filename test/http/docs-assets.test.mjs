// Swagger UI's files are copied into the Worker's static assets before anything builds or serves it.
// A running `wrangler dev` reloads the Worker when its assets change, failing requests in flight, so
// a copy that finds the same bytes in place must not write at all.
import assert from 'node:assert/strict';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ASSETS_DIR, copyDocsAssets } from '../../scripts/docs-assets.mjs';

const bundle = join(ASSETS_DIR, 'docs', 'swagger-ui-bundle.js');

test('copying again leaves files with the same bytes untouched, and replaces changed ones', () => {
  copyDocsAssets();
  const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);
  utimesSync(bundle, past, past);
  copyDocsAssets();
  assert.equal(Math.round(statSync(bundle).mtimeMs), past.getTime(), 'an identical file was rewritten');

  const original = readFileSync(bundle);
  writeFileSync(bundle, 'stale');
  copyDocsAssets();
  assert.ok(readFileSync(bundle).equals(original), 'a changed file was not replaced');
});

test('wrangler.toml has no [build] command (wrangler dev would run it again once its watcher is ready and reload the Worker)', () => {
  const config = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');
  assert.doesNotMatch(config, /^\[build\]/m);
});

// Copies Swagger UI's two files (pinned npm package swagger-ui-dist) into the Worker's static assets
// (wrangler.toml [assets]), so they are served at /docs/ without being in the Worker's bundle.
// Run before anything builds or serves the Worker: npm start, npm test, the benchmarks, deploy.
// A file already in place with the same bytes is left alone: a running `wrangler dev` reloads the
// Worker (failing requests in flight) when its assets change.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ASSETS_DIR = fileURLToPath(new URL('../dist/assets', import.meta.url));
const FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'];

export function copyDocsAssets() {
  const from = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  mkdirSync(join(ASSETS_DIR, 'docs'), { recursive: true });
  for (const file of FILES) {
    const [source, target] = [join(from, file), join(ASSETS_DIR, 'docs', file)];
    if (!existsSync(target) || !readFileSync(source).equals(readFileSync(target))) copyFileSync(source, target);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyDocsAssets();

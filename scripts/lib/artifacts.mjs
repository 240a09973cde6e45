// Real module artifacts for the demo, the simulator and the tests: `.tar.gz` files with a
// module.json at the root, built reproducibly (fixed times, no owners), and a loopback HTTP server
// that serves them. Platforms publish each tarball's real sha256.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import * as tar from 'tar';

const EPOCH = new Date('2026-01-01T00:00:00Z');

/** What a demo module does: records its install, start, stop and removal in files of its own directory. */
function demoManifest(name, version) {
  return {
    name,
    version,
    install: 'sh ./install.sh',
    start: 'echo "running since $(date -u +%FT%TZ)" > running',
    stop: 'rm -f running',
    remove: 'echo "removed ($INPLACE_REMOVAL_REASON)" >&2',
  };
}

const INSTALL_SH = `#!/bin/sh
set -e
echo "installed $INPLACE_MODULE_NAME@$INPLACE_MODULE_VERSION for migration $INPLACE_MIGRATION_ID" > install.log
echo "platform $INPLACE_PLATFORM_ID, data at $INPLACE_STORAGE_ADDRESS" >> install.log
`;

const sha256Of = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Builds `file` from `entries` ({ path: content }; a function content gets the staging folder and
 * creates the entry itself, e.g. a link). `preservePaths` keeps absolute and `..` names as given
 * (for the tests' hostile archives). Returns the file's sha256.
 */
export async function buildTarball(file, entries, { preservePaths = false } = {}) {
  const staging = `${file}.d`;
  mkdirSync(staging, { recursive: true });
  for (const [path, content] of Object.entries(entries)) {
    mkdirSync(dirname(join(staging, path)), { recursive: true });
    if (typeof content === 'function') content(staging, path);
    else writeFileSync(join(staging, path), content, { mode: path.endsWith('.sh') ? 0o755 : 0o644 });
  }
  await tar.c({ file, cwd: staging, gzip: true, portable: true, mtime: EPOCH, preservePaths, noDirRecurse: false }, Object.keys(entries));
  return sha256Of(file);
}

/** A well-formed module artifact; `manifest` overrides fields of the demo module.json. */
export async function buildModule(dir, { name, version, manifest = {}, files = {} }) {
  const file = join(dir, `${name}-${version}.tar.gz`);
  const sha256 = await buildTarball(file, {
    'module.json': `${JSON.stringify({ ...demoManifest(name, version), ...manifest }, null, 2)}\n`,
    'install.sh': INSTALL_SH,
    ...files,
  });
  return { name, version, file, sha256 };
}

/**
 * Serves files on loopback: `publish(name, file)` makes `GET /<name>` answer the file's bytes (as
 * they are on disk at request time). Resolves once listening; `unref`: it does not keep the process alive.
 */
export async function startArtifactServer({ port = 0, unref = false } = {}) {
  const files = new Map();
  const server = createServer((req, res) => {
    const file = files.get(decodeURIComponent(new URL(req.url, 'http://x').pathname.slice(1)));
    if (!file || req.method !== 'GET') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  if (unref) server.unref();
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  return {
    baseUrl,
    /** Serves `file` at `/<name>` and returns its URL. */
    publish(name, file) {
      files.set(name, file);
      return `${baseUrl}/${encodeURIComponent(name)}`;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * Builds every module of `modules` ({name, version}[], duplicates allowed) into `dir`, publishes
 * each on `server`, and returns the catalog entries: name@version → { name, version, artifactUrl, sha256 }.
 */
export async function publishModules(server, dir, modules) {
  mkdirSync(dir, { recursive: true });
  const catalog = new Map();
  for (const m of modules) {
    const key = `${m.name}@${m.version}`;
    if (catalog.has(key)) continue;
    const built = await buildModule(dir, m);
    catalog.set(key, { name: m.name, version: m.version, artifactUrl: server.publish(`${m.name}-${m.version}.tar.gz`, built.file), sha256: built.sha256 });
  }
  return catalog;
}

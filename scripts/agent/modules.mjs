// @ts-check
// Platform modules on disk, under DIR/modules/<name>/:
//   <version>/                 the unpacked artifact, where its commands run
//   <version>.installed.json   written last: the version is installed (sha256, when, for which migration)
//   current -> <version>       switched atomically (a new link renamed over the old one)
// A version directory without its .installed.json is debris of an interrupted attempt: it is
// deleted and done again. Commands come from the module's module.json and run with `sh -c` in the
// version directory, with a timeout, in their own process group, with INPLACE_* variables and a
// minimal environment (never the agent's key).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readlink, rename, rm, rmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { download, inspectArchive, TaskFailure, unpack } from './artifact.mjs';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$/;
const OUTPUT_TAIL = 2000;
const MODULE_JSON_MAX = 64 * 1024;
const COMMANDS = /** @type {const} */ (['install', 'start', 'stop', 'remove']);

/**
 * @typedef {{ name: string, version: string, install?: string, start?: string, stop?: string, remove?: string }} ModuleJson
 * @typedef {{ dir: string, commandTimeoutMs: number, downloadTimeoutMs: number, maxArtifactBytes: number, maxUnpackedBytes: number,
 *   log: (event: string, fields?: Record<string, unknown>) => void, onCommand: (pid: number | null) => void }} Context
 * @typedef {{ migrationId: string, platformId: string, storageAddress: string, reason?: string }} TaskInfo
 */

/** @param {{ name: string, version: string }} m */
function checkRef(m) {
  if (!NAME.test(m.name)) throw new TaskFailure(`refused module name ${JSON.stringify(m.name)}`);
  if (!VERSION.test(m.version) || m.version === 'current') throw new TaskFailure(`refused module version ${JSON.stringify(m.version)} (not usable as a directory name)`);
}

/** @param {string} dir @param {{ name: string, version?: string }} m */
function paths(dir, m) {
  const home = path.join(dir, 'modules', m.name);
  const version = m.version ?? '';
  return { home, version: path.join(home, version), marker: path.join(home, `${version}.installed.json`), current: path.join(home, 'current') };
}

/** @param {string} file @returns {Promise<ModuleJson>} */
async function readModuleJson(file) {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new TaskFailure('the artifact has no module.json at its root');
  }
  if (text.length > MODULE_JSON_MAX) throw new TaskFailure('module.json is too large');
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TaskFailure('module.json is not JSON');
  }
  if (typeof json !== 'object' || json === null || typeof json.name !== 'string' || typeof json.version !== 'string')
    throw new TaskFailure('module.json needs "name" and "version" strings');
  for (const c of COMMANDS) if (json[c] !== undefined && typeof json[c] !== 'string') throw new TaskFailure(`module.json: "${c}" must be a shell command (a string)`);
  return json;
}

/**
 * Runs one of the module's commands; resolves with its output's tail, throws TaskFailure on a
 * non-zero exit or the timeout (the whole process group is killed then).
 * @param {Context} ctx @param {ModuleJson} mod @param {typeof COMMANDS[number]} which @param {string} cwd @param {Record<string, string>} vars
 */
export function runCommand(ctx, mod, which, cwd, vars) {
  const command = mod[which];
  if (!command) return Promise.resolve('');
  const env = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/', LANG: process.env.LANG ?? 'C.UTF-8', ...vars };
  return new Promise((resolve, reject) => {
    // The command waits for a line on stdin, written once its process group is recorded: a run
    // killed before that moment leaves nothing running that the next run would not know of.
    const child = spawn('sh', ['-c', 'read -r _ && exec sh -c "$1"', 'inplace-command', command], { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    ctx.onCommand(child.pid ?? null);
    // A child that is already gone (it could not start) is reported by 'error'/'close' below.
    child.stdin.on('error', () => undefined);
    child.stdin.end('\n');
    let tail = '';
    const keep = (/** @type {Buffer} */ chunk) => (tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, ctx.commandTimeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      ctx.onCommand(null);
      reject(new TaskFailure(`${which} could not run: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      ctx.onCommand(null);
      ctx.log('module.command', { module: mod.name, version: mod.version, command: which, exit: code, signal });
      if (timedOut) reject(new TaskFailure(`${which} did not finish within ${ctx.commandTimeoutMs / 1000} s`, tail));
      else if (code !== 0) reject(new TaskFailure(`${which} exited with ${code ?? signal}`, tail));
      else resolve(tail);
    });
  });
}

/** @param {string} dir @param {ModuleJson} mod @param {TaskInfo} task @param {string} kind */
function commandVars(dir, mod, task, kind) {
  return {
    INPLACE_TASK: kind,
    INPLACE_MODULE_NAME: mod.name,
    INPLACE_MODULE_VERSION: mod.version,
    INPLACE_MODULE_DIR: paths(dir, mod).version,
    INPLACE_AGENT_DIR: dir,
    INPLACE_MIGRATION_ID: task.migrationId,
    INPLACE_PLATFORM_ID: task.platformId,
    INPLACE_STORAGE_ADDRESS: task.storageAddress,
    ...(task.reason ? { INPLACE_REMOVAL_REASON: task.reason } : {}),
  };
}

/** The version `current` points at, if any. @param {string} current */
async function currentVersion(current) {
  try {
    return await readlink(current);
  } catch {
    return null;
  }
}

/** Points `current` at `version` atomically (or removes it when version is null). @param {string} current @param {string | null} version */
async function switchCurrent(current, version) {
  if (version === null) return unlink(current).catch(() => undefined);
  const next = `${current}.${randomBytes(4).toString('hex')}`;
  await symlink(version, next);
  await rename(next, current);
}

/** @param {string} file */
async function readJson(file) {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Whether `name@version` is installed here with this digest. @param {string} dir @param {{ name: string, version: string, sha256: string }} ref */
export async function isInstalled(dir, ref) {
  return (await readJson(paths(dir, ref).marker))?.sha256 === ref.sha256;
}

/**
 * Installs one module: download, sha256 check, inspect, unpack, module.json, install, switch
 * `current` (stopping the version it pointed at), start. Nothing is unpacked before the digest
 * matched and the archive passed inspection. On failure the new version's directory is removed
 * and `current` points where it did. An installed version with the same digest is left as it is.
 * @param {Context} ctx @param {{ name: string, version: string, artifactUrl: string, sha256: string }} ref @param {TaskInfo} task
 * @returns {Promise<'installed' | 'already installed'>}
 */
export async function installModule(ctx, ref, task) {
  checkRef(ref);
  const p = paths(ctx.dir, ref);
  if (await isInstalled(ctx.dir, ref)) {
    if ((await currentVersion(p.current)) !== ref.version) await switchCurrent(p.current, ref.version);
    return 'already installed';
  }
  await mkdir(p.home, { recursive: true });
  await rm(p.version, { recursive: true, force: true });
  await rm(p.marker, { force: true });
  const downloads = path.join(ctx.dir, 'downloads');
  await mkdir(downloads, { recursive: true });
  const file = path.join(downloads, `${ref.name}-${ref.version}-${randomBytes(4).toString('hex')}.tar.gz`);
  const staging = path.join(p.home, `.staging-${randomBytes(4).toString('hex')}`);
  try {
    const got = await download(ref.artifactUrl, file, { maxBytes: ctx.maxArtifactBytes, timeoutMs: ctx.downloadTimeoutMs });
    if (got.sha256 !== ref.sha256) throw new TaskFailure(`sha256 mismatch for ${ref.name}@${ref.version}: expected ${ref.sha256}, got ${got.sha256}; nothing unpacked`);
    ctx.log('module.downloaded', { module: ref.name, version: ref.version, bytes: got.bytes, sha256: got.sha256 });
    await inspectArchive(file, ctx.maxUnpackedBytes);
    await mkdir(staging);
    await unpack(file, staging);
    const mod = await readModuleJson(path.join(staging, 'module.json'));
    if (mod.name !== ref.name || mod.version !== ref.version)
      throw new TaskFailure(`module.json names ${mod.name}@${mod.version}, the task ${ref.name}@${ref.version}`);
    await rename(staging, p.version);
    const vars = commandVars(ctx.dir, mod, task, 'deploy');
    await runCommand(ctx, mod, 'install', p.version, vars);
    const previous = await currentVersion(p.current);
    if (previous && previous !== ref.version) {
      const old = await readJson(path.join(p.home, previous, 'module.json'));
      if (old) await runCommand(ctx, old, 'stop', path.join(p.home, previous), commandVars(ctx.dir, old, task, 'deploy'));
    }
    await switchCurrent(p.current, ref.version);
    try {
      await runCommand(ctx, mod, 'start', p.version, vars);
    } catch (err) {
      await switchCurrent(p.current, previous);
      throw err;
    }
    await writeFile(p.marker, JSON.stringify({ sha256: ref.sha256, installedAt: new Date().toISOString(), migrationId: task.migrationId }));
    return 'installed';
  } catch (err) {
    await rm(p.version, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(file, { force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Removes one module version: `stop` if it is current, then `remove`, then its directory. A
 * version that is not here is already removed.
 * @param {Context} ctx @param {{ name: string, version: string }} ref @param {TaskInfo} task
 * @returns {Promise<'removed' | 'not installed'>}
 */
export async function removeModule(ctx, ref, task) {
  checkRef(ref);
  const p = paths(ctx.dir, ref);
  if (!existsSync(p.version)) {
    await rm(p.marker, { force: true });
    return 'not installed';
  }
  const mod = (await readJson(path.join(p.version, 'module.json'))) ?? { name: ref.name, version: ref.version };
  const vars = commandVars(ctx.dir, mod, task, 'remove');
  if ((await currentVersion(p.current)) === ref.version) {
    await runCommand(ctx, mod, 'stop', p.version, vars);
    await switchCurrent(p.current, null);
  }
  await runCommand(ctx, mod, 'remove', p.version, vars);
  await rm(p.marker, { force: true });
  await rm(p.version, { recursive: true, force: true });
  await rmdir(p.home).catch(() => undefined);
  return 'removed';
}

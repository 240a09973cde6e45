// @ts-check
// Getting a module artifact onto disk, and deciding whether it may be unpacked: the download is
// bounded in size and time and hashed as it streams; the archive is listed and refused as a whole
// if any entry is absolute, climbs out with `..`, is a link leading out of the module's directory,
// or is anything but a file, a directory or a link; its total unpacked size is bounded too.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { serviceUrl } from './config.mjs';

export class TaskFailure extends Error {
  /** @param {string} message @param {string} [output] the tail of a command's output */
  constructor(message, output = '') {
    super(message);
    this.output = output;
  }
}

/**
 * Downloads `url` to `dest` and returns its sha256 (hex). No redirects are followed. The file is
 * removed again if the download fails or goes over `maxBytes`.
 * @param {string} url @param {string} dest @param {{ maxBytes: number, timeoutMs: number }} limits
 */
export async function download(url, dest, { maxBytes, timeoutMs }) {
  let target;
  try {
    target = serviceUrl(url, 'the artifact URL');
  } catch (err) {
    throw new TaskFailure(/** @type {Error} */ (err).message);
  }
  const signal = AbortSignal.timeout(timeoutMs);
  let res;
  try {
    res = await fetch(target, { redirect: 'error', signal });
  } catch (err) {
    throw new TaskFailure(`download failed: ${signal.aborted ? `no answer within ${timeoutMs / 1000} s` : causeOf(err)}`);
  }
  if (!res.ok || !res.body) throw new TaskFailure(`download failed: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await res.body.cancel();
    throw new TaskFailure(`artifact too large: ${declared} bytes, the limit is ${maxBytes}`);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new TaskFailure(`artifact too large: over ${maxBytes} bytes`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(/** @type {import('node:stream/web').ReadableStream} */ (res.body)), meter, createWriteStream(dest, { mode: 0o600 }), { signal });
  } catch (err) {
    await unlink(dest).catch(() => undefined);
    if (err instanceof TaskFailure) throw err;
    throw new TaskFailure(`download failed: ${signal.aborted ? `not finished within ${timeoutMs / 1000} s` : causeOf(err)}`);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** @param {unknown} err */
function causeOf(err) {
  const e = /** @type {{ cause?: { code?: string, message?: string }, message?: string }} */ (err);
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

/**
 * Why `entry` may not be unpacked under the module's directory, or null when it may.
 * @param {{ path: string, type: string, linkpath?: string }} entry
 */
export function entryRefusal(entry) {
  const name = entry.path;
  if (!ALLOWED_TYPES.has(entry.type)) return `${name}: a ${entry.type} entry`;
  if (path.posix.isAbsolute(name) || /^[a-zA-Z]:/.test(name)) return `${name}: an absolute path`;
  if (name.split(/[\\/]/).includes('..')) return `${name}: a path with ".."`;
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const link = entry.linkpath ?? '';
    if (path.posix.isAbsolute(link)) return `${name}: a link to an absolute path (${link})`;
    // A symbolic link resolves from its own folder, a hard link from the archive's root.
    const from = entry.type === 'SymbolicLink' ? path.posix.dirname(name) : '.';
    const resolved = path.posix.normalize(path.posix.join(from, link));
    if (resolved === '..' || resolved.startsWith('../')) return `${name}: a link out of the module's directory (${link})`;
  }
  return null;
}

/**
 * Lists the archive and refuses it whole (TaskFailure) if any entry may not be unpacked or the
 * entries add up to more than `maxBytes`.
 * @param {string} file @param {number} maxBytes
 */
export async function inspectArchive(file, maxBytes) {
  /** @type {string[]} */
  const refusals = [];
  let total = 0;
  let entries = 0;
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry(entry) {
        entries++;
        total += entry.size ?? 0;
        const why = entryRefusal({ path: entry.path, type: entry.type, linkpath: entry.linkpath });
        if (why && refusals.length < 5) refusals.push(why);
      },
    });
  } catch (err) {
    throw new TaskFailure(`not a readable .tar.gz: ${/** @type {Error} */ (err).message}`);
  }
  if (refusals.length) throw new TaskFailure(`archive refused, nothing unpacked: ${refusals.join('; ')}`);
  if (total > maxBytes) throw new TaskFailure(`archive refused, nothing unpacked: ${total} bytes unpacked, the limit is ${maxBytes}`);
  if (!entries) throw new TaskFailure('archive refused: it is empty');
}

/**
 * Unpacks an inspected archive into `dir` (which exists and is empty). The same checks run again as
 * a filter, and node-tar's own protections stay on (no absolute paths, no `..`, no writing through
 * links, no owners or modes from the archive beyond the usual permission bits).
 * @param {string} file @param {string} dir
 */
export async function unpack(file, dir) {
  /** @type {string | null} */
  let refused = null;
  await tar.x({
    file,
    cwd: dir,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    noMtime: true,
    unlink: false,
    filter: (p, entry) => {
      const e = /** @type {import('tar').ReadEntry} */ (entry);
      const why = entryRefusal({ path: p, type: e.type, linkpath: e.linkpath });
      refused ??= why;
      return !why;
    },
  });
  if (refused) throw new TaskFailure(`archive refused while unpacking: ${refused}`);
}

// @ts-check
// What the agent keeps in DIR besides the modules: `agent.lock` (one agent per DIR: the pid of the
// holder; a lock whose process is gone is taken over) and `state.json` (the task in flight and the
// process group of the command it runs, so that a restarted agent finishes that task and first
// kills what its predecessor left running). state.json is replaced atomically.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

export class LockHeld extends Error {}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/** Takes DIR's lock for this process; returns the release function. @param {string} dir */
export function acquireLock(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'agent.lock');
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      const release = () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) rmSync(file);
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8'));
      if (holder && holder !== process.pid && alive(holder)) throw new LockHeld(`another agent (pid ${holder}) holds ${file}`);
      rmSync(file, { force: true });
    }
  }
  throw new LockHeld(`could not take ${file}`);
}

/**
 * @typedef {{ id: string, kind: string, attempt: number, leaseExpiresAt: number, payload: any }} Task
 * @typedef {{ inFlight: Task | null, commandGroup: number | null }} State
 */

/** @param {string} dir @returns {State} */
export function loadState(dir) {
  try {
    const s = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'));
    return { inFlight: s.inFlight ?? null, commandGroup: s.commandGroup ?? null };
  } catch {
    return { inFlight: null, commandGroup: null };
  }
}

/** @param {string} dir @param {State} state */
export function saveState(dir, state) {
  const file = path.join(dir, 'state.json');
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  renameSync(tmp, file);
}

/** Kills a process group a previous agent left running (a command cut off by its death). @param {number} group */
export function killLeftover(group) {
  try {
    process.kill(-group, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

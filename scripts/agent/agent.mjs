// @ts-check
// One pass of the agent: report the host (observed, or the facts file), finish the task a previous
// run left in flight, then take this server's tasks once and run each: deploy (install every
// module) or remove (remove every module). Each result goes back with the attempt it was leased
// for, a reason and the output's tail. The key is held by the service client only.
import { TaskFailure } from './artifact.mjs';
import { installModule, removeModule } from './modules.mjs';
import { observeHost, readFacts } from './observe.mjs';
import { killLeftover, loadState, saveState } from './state.mjs';

/** The service refused the key (401/403): nothing the agent can fix by retrying. */
export class KeyRefused extends Error {}
/** The service did not answer. */
export class Unreachable extends Error {}

/** The service's field for a failure is bounded; the reason comes first, then the output's tail. */
const ERROR_MAX = 1000;

/**
 * @param {URL} base @param {string} key @param {number} timeoutMs
 */
export function serviceClient(base, key, timeoutMs) {
  /** @param {string} method @param {string} path @param {unknown} [body] */
  return async function call(method, path, body) {
    let res;
    try {
      res = await fetch(new URL(path, base), {
        method,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const e = /** @type {{ cause?: { code?: string, message?: string }, name?: string }} */ (err);
      throw new Unreachable(`${base.origin} is not reachable (${e.cause?.code ?? e.cause?.message ?? e.name})`);
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (res.status === 401 || res.status === 403) throw new KeyRefused(`the service refused the key (${res.status}: ${data?.detail ?? data?.title ?? ''})`);
    return { status: res.status, body: data };
  };
}

/**
 * @typedef {import('./state.mjs').Task} Task
 * @typedef {(event: string, fields?: Record<string, unknown>) => void} Log
 * @typedef {import('./config.mjs').Settings} Settings
 */

/**
 * The service refuses control characters (but tab and newline), bidi controls and unpaired
 * surrogates in the text it shows people; a command's output may hold any of them (colours, \r).
 */
const UNSHOWABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;
/** @param {string} text */
const showable = (text) => text.replace(/\r\n/g, '\n').replace(UNSHOWABLE, '\ufffd');

/** @param {TaskFailure} err */
function failureText(err) {
  const message = showable(err.message);
  if (!err.output) return message.slice(0, ERROR_MAX);
  const head = `${message}\n--- output (tail) ---\n`;
  return head.length >= ERROR_MAX ? message.slice(0, ERROR_MAX) : head + showable(err.output).slice(-(ERROR_MAX - head.length));
}

/**
 * @param {Settings} settings @param {ReturnType<typeof serviceClient>} call @param {Log} log
 */
export function createAgent(settings, call, log) {
  const dir = settings.dir;
  let state = loadState(dir);
  const save = () => saveState(dir, state);

  /** @type {import('./modules.mjs').Context} */
  const ctx = {
    dir,
    commandTimeoutMs: settings.commandTimeoutMs,
    downloadTimeoutMs: settings.downloadTimeoutMs,
    maxArtifactBytes: settings.maxArtifactBytes,
    maxUnpackedBytes: settings.maxUnpackedBytes,
    log,
    onCommand(pid) {
      state.commandGroup = pid;
      save();
    },
  };

  async function report() {
    const observed = settings.facts ? { report: readFacts(settings.facts), interfaces: undefined } : observeHost();
    const r = await call('POST', '/v1/agent/report', observed.report);
    if (r.status !== 200) throw new Error(`report refused: ${r.status} ${r.body?.detail ?? r.body?.title ?? ''}`);
    log('report', { source: settings.facts ? 'facts' : 'host', observed: observed.report, interfaces: observed.interfaces, result: r.body });
    return r.body;
  }

  /** Runs one task and tells the service; a refused result (the attempt is no longer current) is logged. @param {Task} task */
  async function run(task) {
    state.inFlight = task;
    save();
    const p = task.payload;
    const info = { migrationId: p.migrationId, platformId: p.platformId, storageAddress: p.storageAddress, reason: p.reason };
    /** @type {Record<string, unknown>} */
    let result;
    try {
      /** @type {string[]} */
      const done = [];
      for (const m of p.modules) {
        const outcome = task.kind === 'remove_platform_modules' ? await removeModule(ctx, m, info) : await installModule(ctx, m, info);
        done.push(`${m.name}@${m.version} ${outcome}`);
      }
      log('task.succeeded', { task: task.id, kind: task.kind, attempt: task.attempt, modules: done });
      result = { attempt: task.attempt, outcome: 'succeeded' };
    } catch (err) {
      // A module's own failure, or the host's (a full disk, a permission): either way the task failed.
      const failure = err instanceof TaskFailure ? err : new TaskFailure(/** @type {Error} */ (err).message);
      log('task.failed', { task: task.id, kind: task.kind, attempt: task.attempt, reason: failure.message, output: failure.output.slice(-500) });
      result = { attempt: task.attempt, outcome: 'failed', error: failureText(failure) };
    }
    const r = await call('POST', `/v1/agent/tasks/${encodeURIComponent(task.id)}/result`, result);
    if (r.status === 200) log('task.reported', { task: task.id, state: r.body.state, attempts: r.body.attempts });
    else log('task.report-refused', { task: task.id, status: r.status, detail: r.body?.detail });
    state.inFlight = null;
    save();
  }

  /** One report, the task left in flight (if any), one poll of tasks. */
  async function pass() {
    await report();
    if (state.commandGroup) {
      if (killLeftover(state.commandGroup)) log('command.killed-leftover', { group: state.commandGroup });
      state.commandGroup = null;
      save();
    }
    if (state.inFlight) {
      log('task.resumed', { task: state.inFlight.id, attempt: state.inFlight.attempt });
      await run(state.inFlight);
    }
    const r = await call('GET', '/v1/agent/tasks');
    if (r.status !== 200) throw new Error(`task poll refused: ${r.status} ${r.body?.detail ?? ''}`);
    /** @type {Task[]} */
    const tasks = r.body.items;
    for (const task of tasks) await run(task);
    return tasks.length;
  }

  return { pass, report };
}

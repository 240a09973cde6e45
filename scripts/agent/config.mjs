// @ts-check
// The agent's settings: flags first, then INPLACE_* environment variables, then defaults. The key is
// kept out of the returned settings' printable parts: it lives in `key` only, which nothing logs.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export const HELP = `Usage: inplace-agent --url URL --key KEY --dir DIR [options]
       npm run agent -- --url URL --key KEY --dir DIR [options]

The InPlace agent: reports what it observes of the server it runs on, and runs the deployment and
removal tasks the service gives that server (platform modules: download, sha256 check, unpack,
install, switch, remove). One agent per DIR.

Options (each also from the environment variable shown)
  --url URL                 the InPlace service, https (http on loopback only)     INPLACE_URL
  --key KEY                 the agent key the operator minted for this server      INPLACE_AGENT_KEY
  --key-file FILE           read the key from FILE instead (first line)            INPLACE_AGENT_KEY_FILE
  --dir DIR                 the agent's own directory: lock, state, modules/       INPLACE_AGENT_DIR
  --facts FILE              report JSON {identity, properties} from FILE instead   INPLACE_AGENT_FACTS
                            of observing the host (tests and simulation)
  --once                    one report and one pass over the tasks, then exit      INPLACE_AGENT_ONCE=1
  --interval SECONDS        between passes, with ±20 % jitter (default 60)         INPLACE_AGENT_INTERVAL
  --command-timeout SECONDS a module's install/start/stop/remove (default 600)     INPLACE_AGENT_COMMAND_TIMEOUT
  --download-timeout SECONDS one artifact download (default 300)                   INPLACE_AGENT_DOWNLOAD_TIMEOUT
  --max-artifact-mib N      largest artifact downloaded (default 512)              INPLACE_AGENT_MAX_ARTIFACT_MIB
  --max-unpacked-mib N      largest total size unpacked from one artifact          INPLACE_AGENT_MAX_UNPACKED_MIB
                            (default 2048)
  -h, --help                this help

Exit status: 0 done (--once) or stopped by a signal; 2 bad flags; 3 key refused; 4 service
unreachable (--once); 5 another agent holds DIR. A task that fails is reported to the service and
is not the agent's failure. Logs are JSON lines on stdout; the key never appears in them.`;

export class UsageError extends Error {}

/**
 * @typedef {object} Settings
 * @property {URL} url
 * @property {string} key
 * @property {string} dir
 * @property {string | null} facts
 * @property {boolean} once
 * @property {number} intervalMs
 * @property {number} commandTimeoutMs
 * @property {number} downloadTimeoutMs
 * @property {number} maxArtifactBytes
 * @property {number} maxUnpackedBytes
 */

/** True for the loopback addresses and `localhost`: the only hosts reached over plain http. @param {string} hostname */
export function isLoopback(hostname) {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * An https URL, or http to a loopback host; never user-info.
 * @param {string} value @param {string} what @returns {URL}
 */
export function serviceUrl(value, what) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what} is not a URL`);
  }
  if (url.username || url.password) throw new UsageError(`${what} must not carry user-info`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new UsageError(`${what} must be https (plain http only to a loopback address)`);
}

/** @param {string | undefined} value @param {string} flag @param {number} min @param {number} max @returns {number | undefined} */
function number(value, flag, min, max) {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be a number from ${min} to ${max}`);
  return n;
}

/**
 * @param {string[]} argv @param {NodeJS.ProcessEnv} env
 * @returns {{ help: true } | ({ help: false } & Settings)}
 */
export function readSettings(argv, env) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        'key-file': { type: 'string' },
        dir: { type: 'string' },
        facts: { type: 'string' },
        once: { type: 'boolean' },
        interval: { type: 'string' },
        'command-timeout': { type: 'string' },
        'download-timeout': { type: 'string' },
        'max-artifact-mib': { type: 'string' },
        'max-unpacked-mib': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(/** @type {Error} */ (err).message);
  }
  if (values.help) return { help: true };
  const url = values.url ?? env.INPLACE_URL;
  if (!url) throw new UsageError('--url (or INPLACE_URL) is required');
  const keyFile = values['key-file'] ?? env.INPLACE_AGENT_KEY_FILE;
  let key = values.key ?? env.INPLACE_AGENT_KEY;
  if (!key && keyFile) {
    try {
      key = readFileSync(keyFile, 'utf8').split('\n')[0]?.trim();
    } catch (err) {
      throw new UsageError(`--key-file: ${/** @type {NodeJS.ErrnoException} */ (err).code ?? 'unreadable'}`);
    }
  }
  if (!key) throw new UsageError('--key, --key-file (or INPLACE_AGENT_KEY, INPLACE_AGENT_KEY_FILE) is required');
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) throw new UsageError('the key is not a printable token');
  const dir = values.dir ?? env.INPLACE_AGENT_DIR;
  if (!dir) throw new UsageError('--dir (or INPLACE_AGENT_DIR) is required');
  /** @typedef {'interval' | 'command-timeout' | 'download-timeout' | 'max-artifact-mib' | 'max-unpacked-mib'} NumberFlag */
  /** @param {NumberFlag} flag @param {string} name @param {number} min @param {number} max @param {number} fallback */
  const setting = (flag, name, min, max, fallback) => number(values[flag], `--${flag}`, min, max) ?? number(env[name], name, min, max) ?? fallback;
  /** @param {NumberFlag} flag @param {string} name @param {number} min @param {number} fallback */
  const seconds = (flag, name, min, fallback) => setting(flag, name, min, 86400, fallback) * 1000;
  /** @param {NumberFlag} flag @param {string} name @param {number} fallback */
  const mib = (flag, name, fallback) => setting(flag, name, 1, 65536, fallback) * 1024 * 1024;
  return {
    help: false,
    url: serviceUrl(url, '--url'),
    key,
    dir,
    facts: values.facts ?? env.INPLACE_AGENT_FACTS ?? null,
    once: values.once ?? env.INPLACE_AGENT_ONCE === '1',
    intervalMs: seconds('interval', 'INPLACE_AGENT_INTERVAL', 0.1, 60),
    commandTimeoutMs: seconds('command-timeout', 'INPLACE_AGENT_COMMAND_TIMEOUT', 1, 600),
    downloadTimeoutMs: seconds('download-timeout', 'INPLACE_AGENT_DOWNLOAD_TIMEOUT', 1, 300),
    maxArtifactBytes: mib('max-artifact-mib', 'INPLACE_AGENT_MAX_ARTIFACT_MIB', 512),
    maxUnpackedBytes: mib('max-unpacked-mib', 'INPLACE_AGENT_MAX_UNPACKED_MIB', 2048),
  };
}

// @ts-check
// What the command-line tools share: usage errors, where the InPlace URL and API key come from
// (flags, then INPLACE_URL/INPLACE_KEY, then the demo file `npm start` writes), and text tables.
import { existsSync, readFileSync } from 'node:fs';
import { ApiError } from './api.mjs';

/** A mistake in the command line: the tools print it with a pointer to --help and exit 2. */
export class UsageError extends Error {}

/**
 * The service's base URL and an API key: --url/--key, then INPLACE_URL/INPLACE_KEY, then the demo
 * file (`as`: customer|provider|operator, optionally :N, 1-based, picks its principal).
 * @param {{ url?: string, key?: string, demo: string, as?: string }} opts
 * @returns {{ baseUrl: string, key: string }}
 */
export function connection({ url, key, demo: demoFile, as = 'customer' }) {
  const demo = existsSync(demoFile) ? JSON.parse(readFileSync(demoFile, 'utf8')) : null;
  const [who = 'customer', n = '1'] = as.split(':');
  const index = Number(n) - 1;
  /** @type {Record<string, () => string | undefined>} */
  const fromDemo = {
    operator: () => demo?.operatorKey,
    customer: () => demo?.customers?.[index]?.key,
    provider: () => demo?.providers?.[index]?.key,
  };
  if (!fromDemo[who]) throw new UsageError(`--as must be customer, provider or operator (got ${who})`);
  const found = key || process.env.INPLACE_KEY || fromDemo[who]();
  if (!found) throw new UsageError(`no API key: pass --key, set INPLACE_KEY, or run \`npm start\` to write ${demoFile}`);
  return { baseUrl: url || process.env.INPLACE_URL || demo?.baseUrl || 'http://127.0.0.1:8787', key: found };
}

/** Renders rows as an aligned text table. @param {string[]} headers @param {unknown[][]} rows */
export function table(headers, rows) {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '—' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r, j) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('  ') + (j === 0 ? `\n${widths.map((w) => '─'.repeat(w)).join('  ')}` : '')).join('\n');
}

/**
 * Runs a tool's `main` and exits with its code. What it throws is reported on stderr: a usage
 * error (exit 2); InPlace's problem+json (as JSON with `json`, else title, detail, field errors and
 * request id; exit 1); a service that cannot be reached, which fetch throws as a TypeError with the
 * reason as its cause (`unreachable` words it; exit 1); anything else by its message (exit 1).
 * @param {() => Promise<number>} main
 * @param {{ json?: boolean, answered?: string, unreachable: (why: string | undefined) => string }} how
 */
export function runMain(main, { json = false, answered = '', unreachable }) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof UsageError) {
        console.error(`error: ${err.message}\n(see --help)`);
        process.exit(2);
      }
      const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (err).cause;
      if (err instanceof ApiError) {
        const p = err.problem ?? {};
        if (json) console.error(JSON.stringify(p, null, 2));
        else {
          console.error(`error: ${answered}${err.status} ${p.title ?? ''}${p.detail ? `: ${p.detail}` : ''}`);
          for (const e of p.errors ?? []) console.error(`  - ${e.field}: ${e.message}`);
          if (p.requestId) console.error(`  request id: ${p.requestId}`);
        }
      } else if (err instanceof TypeError && cause) console.error(`error: ${unreachable(cause.code ?? cause.message)}`);
      else console.error(`error: ${/** @type {Error} */ (err).message}`);
      process.exit(1);
    },
  );
}

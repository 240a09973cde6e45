#!/usr/bin/env node
// @ts-check
// The InPlace CLI: `npm run cli -- <command> [options]`. Human tables by default, `--json` for
// scripts. Base URL and key come from --url/--key, then INPLACE_URL/INPLACE_KEY, then the demo file
// written by `npm start` (.inplace/demo.json; pick a principal with --as customer|provider|operator[:N]).
import { parseArgs } from 'node:util';
import { connection, runMain, table, UsageError } from './lib/cli.mjs';
import { parseSteps } from './lib/schedule-steps.mjs';
import { availabilityWord, reasonWithCount, verdictWord } from '../src/lib/answer-words.js';
import { serverCount } from '../src/lib/server-count.js';
import { typedClient } from './lib/typed-api.mjs';

/** @typedef {import('./lib/api-types.js').Schemas} Schemas */

const HELP = `Usage: npm run cli -- <command> [options]

Commands
  account                         who you are (principal, organisation, service level)
  usage [--from D] [--to D]       usage and billing history, per month (--daily: per day)
  platforms                       the platform catalogue
  hardware-ids [--scope S]        masked IDs of the hardware holding your data (S: server|rack|row|site|all)
      [--customer ID] [--audience ID,ID] [--ttl SECONDS] [--max-uses N]
  mip [--scope S] [--customer ID] the migration-in-place list: where you can move without moving your data
  compat --platform ID [--scope S] [--customer ID] [--hardware-ids ID,ID]
                                  does a platform fit your hardware? (masked IDs minted at S unless given)
  migrate --platform ID [--scope S] [--customer ID]
                                  start a migration in place (a fresh Idempotency-Key per run)
  status [MIGRATION]              your migrations, or one migration's state, progress and history
  step MIGRATION ACTION           accept | approve | pause | resume | rollback | cancel
  traffic [--customer ID]         the SBC's split of end-user sessions and per-platform errors
  schedule STEPS|pause|resume|off [--customer ID]
                                  B's share by explicit steps, e.g. 1:300,5:600,25:900,50:900,100:300
                                  (percent:pause seconds); pause/resume it; off: follow the data migrated

Options
  --url URL        service base URL      (env INPLACE_URL; default: the demo file, else http://127.0.0.1:8787)
  --key KEY        API key               (env INPLACE_KEY; default: from the demo file, see --as)
  --as WHO         customer|provider|operator, optionally :N (1-based) — a principal of the demo file
  --demo FILE      demo file             (default .inplace/demo.json)
  --json           machine-readable output
  -h, --help       this help`;

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    as: { type: 'string', default: 'customer' },
    demo: { type: 'string', default: '.inplace/demo.json' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
    scope: { type: 'string' },
    customer: { type: 'string' },
    audience: { type: 'string' },
    ttl: { type: 'string' },
    'max-uses': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    daily: { type: 'boolean', default: false },
    platform: { type: 'string' },
    'hardware-ids': { type: 'string' },
  },
});

/** @param {unknown} data @param {() => string} human */
function print(data, human) {
  console.log(opts.json ? JSON.stringify(data, null, 2) : human());
}

const short = (/** @type {string} */ token) => (token.length > 24 ? `${token.slice(0, 12)}…${token.slice(-8)}` : token);
const time = (/** @type {number} */ ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const SCOPES = /** @type {const} */ (['server', 'rack', 'row', 'site']);

/** @param {string | undefined} value @param {string} flag @returns {number | undefined} */
function integer(value, flag) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number`);
  return Number(value);
}

/** @param {string | undefined} value @returns {'server' | 'rack' | 'row' | 'site'} */
function scopeOf(value, fallback = 'rack') {
  const scope = value ?? fallback;
  const found = SCOPES.find((s) => s === scope);
  if (!found) throw new UsageError(`--scope must be one of ${SCOPES.join(', ')}`);
  return found;
}

/** @param {ReturnType<typeof typedClient>} api */
async function customerId(api) {
  if (opts.customer) return opts.customer;
  const me = await api.call('getAccount');
  if (me.kind !== 'customer') throw new UsageError('--customer ID is required unless you are the customer');
  return me.id;
}

/**
 * Names for the ids a table would show: platforms and their providers from the catalog, the caller,
 * and for the operator every customer and provider. An id nobody named stays as it is.
 * @param {ReturnType<typeof typedClient>} api
 */
async function directory(api) {
  /** @type {Map<string, string>} */
  const names = new Map();
  /** @type {string | undefined} */
  let cursor;
  do {
    const page = await api.call('getPlatforms', { query: { limit: 500, cursor } });
    for (const p of page.items) names.set(p.id, p.name).set(p.providerId, p.providerName);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const me = await api.call('getAccount');
  names.set(me.id, me.name);
  for (const operation of me.kind === 'operator' ? /** @type {const} */ (['getCustomers', 'getProviders']) : []) {
    do {
      const page = await api.call(operation, { query: { limit: 500, cursor } });
      for (const p of page.items) names.set(p.id, p.name);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return (/** @type {string} */ id) => names.get(id) ?? id;
}

/** @typedef {Awaited<ReturnType<typeof directory>>} NameOf */

/** @type {Record<string, (api: ReturnType<typeof typedClient>) => Promise<void>>} */
const COMMANDS = {
  async account(api) {
    const me = await api.call('getAccount');
    print(me, () => table(['id', 'kind', 'name', 'organisation', 'service level'], [[me.id, me.kind, me.name, me.organisation, me.serviceLevel]]));
  },

  async usage(api) {
    const report = await api.call('getAccountUsage', { query: { from: opts.from, to: opts.to } });
    const periods = opts.daily ? report.daily : report.monthly;
    const name = await directory(api);
    print(report, () =>
      [
        `${name(report.principalId)}: ${report.from} to ${report.to}`,
        table(
          [opts.daily ? 'day' : 'month', 'operation', 'quantity', `amount (${report.currency})`],
          periods.flatMap((p) => [...p.lines.map((l) => [p.period, l.operation, l.quantity, l.amount]), [p.period, 'total', '', p.total]]),
        ),
        `total ${report.total} ${report.currency}`,
      ].join('\n'),
    );
  },

  async platforms(api) {
    const { items } = await api.call('getPlatforms', { query: { limit: 500 } });
    print(items, () =>
      table(
        ['id', 'name', 'provider', 'support', 'multi-site', 'per core·month'],
        items.map((p) => [p.id, p.name, p.providerName, p.serviceProfile.supportLevel, p.serviceProfile.multiSite ? 'yes' : 'no', `${p.serviceProfile.pricing.perCoreMonth} ${p.serviceProfile.pricing.currency}`]),
      ),
    );
  },

  async 'hardware-ids'(api) {
    const scopes = opts.scope === 'all' ? [...SCOPES].reverse() : [scopeOf(opts.scope)];
    const terms = {
      ...(opts.customer ? { customerId: opts.customer } : {}),
      ...(opts.audience ? { audience: opts.audience.split(',').map((a) => a.trim()) } : {}),
      ...(opts.ttl ? { ttlSeconds: integer(opts.ttl, '--ttl') } : {}),
      ...(opts['max-uses'] ? { maxUses: integer(opts['max-uses'], '--max-uses') } : {}),
    };
    /** @type {Schemas['HardwareId'][]} */
    const items = [];
    for (const scope of scopes) items.push(...(await api.call('postHardwareIds', { body: { scope, ...terms } })).items);
    print({ items }, () => table(['scope', 'placements', 'expires (UTC)', 'uses left', 'id (masked; --json for the whole token)'], items.map((h) => [h.scope, h.coverage, time(h.expiresAt), h.usesLeft, short(h.id)])));
  },

  async mip(api) {
    const id = await customerId(api);
    const list = await api.call('getCustomersByCustomerIdMipList', { path: { customerId: id }, query: { scope: scopeOf(opts.scope) } });
    const name = await directory(api);
    print(list, () =>
      [
        `${name(list.customerId)}: ${list.placements} placements; ${list.available.length} platforms available without the data leaving its ${list.scope}`,
        table(
          ['platform', 'available', 'narrowest scope', 'covered srv/rack/row/site', 'est. per month', 'why not'],
          [...list.available, ...list.unavailable].map((e) => [
            e.name,
            { available: 'yes', unavailable: 'no', withheld: 'withheld' }[availabilityWord(e)],
            e.narrowestScope,
            SCOPES.map((s) => e.coverage[s]).join('/'),
            `${Math.round(e.estimatedMonthlyPrice.amount)} ${e.estimatedMonthlyPrice.currency}`,
            e.reasons.map((r) => `${r.reason} (${r.placements})`).join('; '),
          ]),
        ),
      ].join('\n'),
    );
  },
};

/** @returns {string} */
function required(/** @type {string | undefined} */ value, /** @type {string} */ flag) {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

const STEPS = /** @type {const} */ (['accept', 'approve', 'pause', 'resume', 'rollback', 'cancel']);

/** @param {Schemas['Migration']} m @param {NameOf} name */
function migrationSummary(m, name) {
  return [
    table(
      ['migration', 'customer', 'state', 'from → to', 'data migrated', 'deployed', 'scope'],
      [[m.id, name(m.customerId), m.state, `${name(m.source.platformId)} → ${name(m.target.platformId)}`, `${m.progress.percent}%`, `${m.deployment.succeeded}/${m.deployment.tasks}`, m.scope]],
    ),
    '',
    table(['when (UTC)', 'transition', 'by', 'reason'], m.history.map((h) => [time(h.at), `${h.from ?? '—'} → ${h.to}`, `${h.by.kind === 'system' ? 'system' : name(h.by.id)} (${h.by.kind})`, h.reason])),
  ].join('\n');
}

Object.assign(COMMANDS, {
  /** @param {ReturnType<typeof typedClient>} api */
  async compat(api) {
    const platformId = required(opts.platform, '--platform');
    const hardwareIds = opts['hardware-ids']
      ? opts['hardware-ids'].split(',').map((id) => id.trim())
      : (await api.call('postHardwareIds', { body: { scope: scopeOf(opts.scope, 'server'), ...(opts.customer ? { customerId: opts.customer } : {}) } })).items.map((h) => h.id);
    const result = await api.call('postCompatibility', { body: { hardwareIds, platformId } });
    print(result, () =>
      table(
        ['#', 'scope', 'verdict', 'servers fitting', 'why not'],
        // A withheld verdict (the census: not answered about the unit) is no verdict, and counts nothing.
        result.results.map((r) => [
          r.index,
          r.scope,
          verdictWord(r),
          r.servers.approved === null ? '—' : `${serverCount(r.servers.approved)}/${serverCount(r.servers.total)}`,
          r.reasons.map(reasonWithCount).join('; '),
        ]),
      ),
    );
  },

  /** @param {ReturnType<typeof typedClient>} api */
  async migrate(api) {
    const body = { customerId: await customerId(api), targetPlatformId: required(opts.platform, '--platform'), scope: scopeOf(opts.scope, 'server') };
    const m = await api.call('postMigrations', { body, headers: { 'idempotency-key': crypto.randomUUID() } });
    const name = await directory(api);
    print(m, () => migrationSummary(m, name));
  },

  /** @param {ReturnType<typeof typedClient>} api */
  async status(api) {
    const [, id] = positionals;
    const name = await directory(api);
    if (id) {
      const m = await api.call('getMigrationsById', { path: { id } });
      print(m, () => migrationSummary(m, name));
      return;
    }
    const { items } = await api.call('getMigrations', { query: { limit: 100 } });
    print(items, () =>
      table(
        ['migration', 'customer', 'state', 'from → to', 'data migrated', 'started (UTC)'],
        items.map((m) => [m.id, name(m.customerId), m.state, `${name(m.source.platformId)} → ${name(m.target.platformId)}`, `${m.progress.percent}%`, time(m.createdAt)]),
      ),
    );
  },

  /** @param {ReturnType<typeof typedClient>} api */
  async step(api) {
    const [, id, action] = positionals;
    const step = STEPS.find((s) => s === action);
    if (!id || !step) throw new UsageError(`usage: step MIGRATION ${STEPS.join('|')}`);
    const operation = /** @type {const} */ ({
      accept: 'postMigrationsByIdAccept',
      approve: 'postMigrationsByIdApprove',
      pause: 'postMigrationsByIdPause',
      resume: 'postMigrationsByIdResume',
      rollback: 'postMigrationsByIdRollback',
      cancel: 'postMigrationsByIdCancel',
    })[step];
    const m = await api.call(operation, { path: { id } });
    const name = await directory(api);
    print(m, () => migrationSummary(m, name));
  },

  /** @param {ReturnType<typeof typedClient>} api */
  async traffic(api) {
    const t = await api.call('getCustomersByCustomerIdTraffic', { path: { customerId: await customerId(api) } });
    const name = await directory(api);
    print(t, () => trafficSummary(t, name));
  },

  /** @param {ReturnType<typeof typedClient>} api */
  async schedule(api) {
    const [, what] = positionals;
    if (!what) throw new UsageError('usage: schedule STEPS|pause|resume|off (STEPS: percent:pauseSeconds,…, e.g. 1:300,5:600,100:0)');
    const other = /** @type {const} */ (['pause', 'resume', 'off']).find((o) => o === what);
    const steps = other ? [] : stepsOf(what);
    const path = { customerId: await customerId(api) };
    const t = other
      ? await api.call(
          /** @type {const} */ ({
            pause: 'postCustomersByCustomerIdTrafficSchedulePause',
            resume: 'postCustomersByCustomerIdTrafficScheduleResume',
            off: 'deleteCustomersByCustomerIdTrafficSchedule',
          })[other],
          { path },
        )
      : await api.call('putCustomersByCustomerIdTrafficSchedule', { path, body: { steps } });
    const name = await directory(api);
    print(t, () => trafficSummary(t, name));
  },
});

/** Steps from the command line; a malformed one is a usage error. @param {string} text */
function stepsOf(text) {
  try {
    return parseSteps(text);
  } catch (err) {
    throw new UsageError(/** @type {Error} */ (err).message);
  }
}

/** @param {Schemas['Traffic']} t @param {NameOf} name */
function trafficSummary(t, name) {
  /** @type {[string, Schemas['Traffic']['a'], number][]} */
  const sides = [
    ['A', t.a, 10_000 - t.weightB],
    ['B', t.b, t.weightB],
  ];
  const rate = (/** @type {{ requests: number, errors: number } | undefined} */ n) => (n && n.requests ? `${((n.errors / n.requests) * 100).toFixed(2)}%` : '—');
  const s = t.schedule;
  const mode = s
    ? `schedule ${s.steps.map((x) => `${x.weight}%`).join(' → ')}: step ${s.currentStep + 1} of ${s.steps.length}, ${s.status.replace(/_/g, ' ')}${s.nextStepAt ? `, next at ${time(s.nextStepAt)} UTC` : `, ${s.pauseLeftSeconds} s of its pause left`}`
    : 'following the data migrated';
  return [
    `${name(t.customerId)}: ${t.percentB}% of sessions to B${t.migrationId ? ` (migration ${t.migrationId}; ${mode})` : ''}`,
    table(
      ['side', 'platform', 'share', 'requests (window)', 'error rate (window)', 'requests (total)', 'error rate (total)'],
      sides.filter(([, u]) => u).map(([side, u, share]) => [side, name(u?.platformId ?? ''), `${share / 100}%`, t.window[u?.platformId ?? '']?.requests ?? 0, rate(t.window[u?.platformId ?? '']), t.totals[u?.platformId ?? '']?.requests ?? 0, rate(t.totals[u?.platformId ?? ''])]),
    ),
  ].join('\n');
}

async function main() {
  const [command] = positionals;
  if (opts.help || !command) {
    console.log(HELP);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command: ${command}`);
  const { baseUrl, key } = connection({ url: opts.url, key: opts.key, demo: opts.demo, as: opts.as });
  await run(typedClient(baseUrl, key));
  return 0;
}

runMain(main, { json: opts.json, unreachable: (why) => `the service is not reachable (${why}); is \`npm start\` running?` });

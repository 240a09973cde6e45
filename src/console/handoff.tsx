/**
 * The patent's hand-off in the console. A customer mints hardware IDs for a provider it chooses
 * (audience, lifetime, uses) and hands them over (copy one, copy all, or download them as JSON); the
 * provider pastes them into a compatibility check against one of its platforms or requirements of
 * its own, and sees approve/deny with the reasons and what is released. Both sides see each ID as
 * the same short fingerprint, so they can tell which is which without reading a JWT. A refused
 * request shows the form again with the API's reason (answered 200: the page itself is fine).
 */
import { Hono, type Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { PlatformT } from '../catalog/schema';
import type { CompatibilityResult } from '../compatibility/schema';
import { HWID_MAX_PER_REQUEST, HWID_MAX_USES_MAX, HWID_TTL_MAX_S, PAGE_LIMIT_MAX, USAGE_PRICES } from '../constants';
import type { HardwareIdSchema } from '../hardware/schema';
import { SCOPES, type Scope } from '../inventory/units';
import { ApiCallError, problemText } from './api';
import { consoleFor, type ConsoleEnv } from './context';
import { isScope } from './customer';
import { CsrfField, Layout, money, Notice, Section, when } from './layout';

type HardwareId = z.infer<typeof HardwareIdSchema>;
type Check = z.infer<typeof CompatibilityResult>;

export const handoffPages = new Hono<ConsoleEnv>();
handoffPages.use('/customer/hand-off', consoleFor('customer'));
handoffPages.use('/provider/check', consoleFor('provider'));

/** A short, stable name for an ID: the first 48 bits of its SHA-256, in hex groups. */
export async function fingerprint(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  const hex = [...digest.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}`;
}

const LIFETIMES = [
  { seconds: 600, label: '10 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 6 * 3600, label: '6 hours' },
  { seconds: HWID_TTL_MAX_S, label: '24 hours' },
] as const;

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** Providers a customer can hand IDs to, named by the platforms they publish (the catalog is public). */
function providersOf(platforms: PlatformT[]): { id: string; label: string }[] {
  const byProvider = new Map<string, string[]>();
  for (const p of platforms) byProvider.set(p.providerId, [...(byProvider.get(p.providerId) ?? []), p.name]);
  return [...byProvider].map(([id, names]) => ({ id, label: `${names.join(', ')} (${id})` }));
}

interface Minted {
  audience: { id: string; label: string };
  scope: Scope;
  ttlSeconds: number;
  maxUses: number;
  items: (HardwareId & { fingerprint: string })[];
}

const MintedIds: FC<{ minted: Minted }> = ({ minted }) => {
  const all = JSON.stringify(minted.items.map((i) => i.id));
  const download = JSON.stringify({ audience: minted.audience.id, scope: minted.scope, expiresAt: minted.items[0]?.expiresAt ?? null, hardwareIds: minted.items.map((i) => i.id) }, null, 2);
  return (
    <Section
      title={`${minted.items.length} ${minted.scope} ID${minted.items.length === 1 ? '' : 's'} for ${minted.audience.label}`}
      aside={
        <div class="controls">
          <button type="button" class="secondary" data-copy="handoff-all" hidden>
            Copy all
          </button>
          <a class="button" href={`data:application/json;charset=utf-8,${encodeURIComponent(download)}`} download="hardware-ids.json" data-download>
            Download JSON
          </a>
        </div>
      }
    >
      <p class="muted">
        {`Only ${minted.audience.id} can present these IDs, each at most ${minted.maxUses} time${minted.maxUses === 1 ? '' : 's'}, until they expire. They name nothing permanent: another request gives other IDs for the same hardware.`}
      </p>
      <table data-table="minted">
        <thead>
          <tr>
            <th>Fingerprint</th>
            <th>Scope</th>
            <th class="num">Your placements there</th>
            <th>Expires</th>
            <th class="num">Uses left</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {minted.items.map((h, i) => (
            <tr data-hardware-id={h.fingerprint}>
              <td>
                <code>{h.fingerprint}</code>
                <input type="hidden" id={`hwid-${i}`} value={h.id} />
              </td>
              <td>{h.scope}</td>
              <td class="num">{h.coverage}</td>
              <td>{when(h.expiresAt)}</td>
              <td class="num">{h.usesLeft}</td>
              <td>
                <button type="button" class="secondary" data-copy={`hwid-${i}`} hidden>
                  Copy
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <label for="handoff-all">All of them, as the JSON array the compatibility check takes</label>
      <textarea id="handoff-all" readonly rows={3}>
        {all}
      </textarea>
    </Section>
  );
};

async function handOffPage(c: Context<ConsoleEnv>, minted: Minted | null, error: string | null) {
  const { principal, csrf } = c.get('session');
  const platforms = await c.get('api').get<{ items: PlatformT[] }>(`/v1/platforms?limit=${PAGE_LIMIT_MAX}`);
  const providers = providersOf(platforms.items);
  return c.html(
    <Layout title="Hand hardware IDs to a provider" principal={principal} csrf={csrf} path="/console/customer/hand-off" script>
      <Section title="Mint IDs for a provider">
        <p class="muted">
          {`A provider that should tell you whether its platform fits your hardware needs hardware IDs with it in their audience. Each request mints new IDs and is billed ${money(USAGE_PRICES['hardware-ids'].priceMicros)} EUR.`}
        </p>
        {error ? <Notice kind="error">{error}</Notice> : null}
        <form method="post" action="/console/customer/hand-off" class="controls">
          <CsrfField token={csrf} />
          <div>
            <label for="audience">Provider</label>
            <select name="audience" id="audience" required>
              {providers.map((p) => (
                <option value={p.id} selected={minted?.audience.id === p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="scope">Scope</label>
            <select name="scope" id="scope">
              {SCOPES.map((s) => (
                <option value={s} selected={(minted?.scope ?? 'server') === s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="ttl">Lifetime</label>
            <select name="ttlSeconds" id="ttl">
              {LIFETIMES.map((l) => (
                <option value={String(l.seconds)} selected={(minted?.ttlSeconds ?? 3600) === l.seconds}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="uses">Uses per ID</label>
            <input type="number" id="uses" name="maxUses" min="1" max={String(HWID_MAX_USES_MAX)} value={String(minted?.maxUses ?? 3)} required />
          </div>
          <button type="submit" class="primary" data-step="mint">
            Mint IDs
          </button>
        </form>
      </Section>
      {minted ? <MintedIds minted={minted} /> : null}
    </Layout>,
  );
}

handoffPages.get('/customer/hand-off', (c) => handOffPage(c, null, null));

handoffPages.post('/customer/hand-off', async (c) => {
  const form = await c.req.parseBody();
  const platforms = await c.get('api').get<{ items: PlatformT[] }>(`/v1/platforms?limit=${PAGE_LIMIT_MAX}`);
  const audience = providersOf(platforms.items).find((p) => p.id === text(form.audience));
  const scope = isScope(form.scope) ? form.scope : 'server';
  const ttlSeconds = Number(text(form.ttlSeconds));
  const maxUses = Number(text(form.maxUses));
  if (!audience) return handOffPage(c, null, 'Choose one of the providers listed.');
  try {
    const { items } = await c.get('api').post<{ items: HardwareId[] }>('/v1/hardware-ids', { scope, audience: [audience.id], ttlSeconds, maxUses });
    const withPrints = await Promise.all(items.map(async (h) => ({ ...h, fingerprint: await fingerprint(h.id) })));
    return handOffPage(c, { audience, scope, ttlSeconds, maxUses, items: withPrints }, null);
  } catch (err) {
    if (err instanceof ApiCallError && err.status < 500) return handOffPage(c, null, problemText(err));
    throw err;
  }
});

/** Pasted IDs: a JSON array, or tokens separated by white space or commas. */
export function pastedIds(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.filter((x): x is string => typeof x === 'string');
    } catch {
      return [];
    }
  }
  return trimmed.split(/[\s,"]+/).filter(Boolean);
}

const Properties: FC<{ value: Record<string, unknown> }> = ({ value }) => (
  <div class="props">
    {Object.entries(value)
      .map(([k, v]) => `${k} ${flat(v)}`)
      .join(' · ')}
  </div>
);

/** Released values as sent: null is withheld (src/disclosure), a class without `max` has no upper bound. */
function flat(v: unknown): string {
  if (v === null) return 'withheld';
  if (Array.isArray(v)) return v.map(flat).join(', ') || '—';
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('min' in o && 'max' in o) return o.max === null ? `≥ ${String(o.min)}` : o.min === o.max ? String(o.min) : `${String(o.min)}–${String(o.max)}`;
    return Object.entries(o)
      .map(([k, x]) => `${k} ${flat(x)}`)
      .join(', ');
  }
  return String(v);
}

interface Checked {
  /** The platform's name, or "your requirements". */
  against: string;
  results: (Check['results'][number] & { fingerprint: string })[];
}

const CheckResults: FC<{ checked: Checked }> = ({ checked }) => {
  const approved = checked.results.filter((r) => r.approved).length;
  return (
    <Section title={`${approved} of ${checked.results.length} approved for ${checked.against}`}>
      <table data-table="check">
        <thead>
          <tr>
            <th>Fingerprint</th>
            <th>Scope</th>
            <th>Verdict</th>
            <th class="num">Servers approving</th>
            <th>Reasons</th>
            <th>Released</th>
          </tr>
        </thead>
        <tbody>
          {checked.results.map((r) => (
            <tr data-result={r.fingerprint} data-approved={String(r.approved)}>
              <td>
                <code>{r.fingerprint}</code>
              </td>
              <td>{r.scope}</td>
              <td>{r.approved ? <span class="badge ok">approved</span> : <span class="badge bad">denied</span>}</td>
              <td class="num">{`${r.servers.approved} of ${r.servers.total}`}</td>
              <td>
                {r.reasons.length ? (
                  <ul class="reasons">
                    {r.reasons.map((x) => (
                      <li>{`${x.reason} (${x.servers} server${x.servers === 1 ? '' : 's'})`}</li>
                    ))}
                  </ul>
                ) : (
                  <span class="muted">every requirement met</span>
                )}
              </td>
              <td>{r.properties ? <Properties value={r.properties} /> : r.propertiesSummary ? <Properties value={r.propertiesSummary} /> : <span class="muted">nothing</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
};

interface CheckForm {
  ids: string;
  against: string;
  requirements: string;
  properties: boolean;
}

function myPlatforms(c: Context<ConsoleEnv>) {
  return c.get('api').get<{ items: PlatformT[] }>(`/v1/platforms?providerId=${encodeURIComponent(c.get('session').principal.id)}&limit=${PAGE_LIMIT_MAX}`);
}

async function checkPage(c: Context<ConsoleEnv>, form: CheckForm, checked: Checked | null, error: string | null) {
  const { principal, csrf } = c.get('session');
  const mine = await myPlatforms(c);
  return c.html(
    <Layout title="Check hardware IDs" principal={principal} csrf={csrf} path="/console/provider/check">
      <Section title="Does your platform fit a customer's hardware?">
        <p class="muted">
          {`Paste the hardware IDs a customer handed you (up to ${HWID_MAX_PER_REQUEST}; a JSON array or one per line). Each check uses one use of every ID and is billed ${money(USAGE_PRICES['compatibility-checks'].priceMicros)} EUR; IDs not meant for you are refused as a whole and cost nothing.`}
        </p>
        {error ? <Notice kind="error">{error}</Notice> : null}
        <form method="post" action="/console/provider/check">
          <CsrfField token={csrf} />
          <label for="ids">Hardware IDs</label>
          <textarea id="ids" name="ids" rows={5} required>
            {form.ids}
          </textarea>
          <div class="controls">
            <div>
              <label for="against">Check against</label>
              <select id="against" name="against">
                {mine.items.map((p) => (
                  <option value={p.id} selected={form.against === p.id}>
                    {`platform ${p.name}`}
                  </option>
                ))}
                <option value="requirements" selected={form.against === 'requirements'}>
                  requirements of my own (below)
                </option>
              </select>
            </div>
            <label class="check">
              <input type="checkbox" name="properties" value="1" checked={form.properties} /> release the properties I may see
            </label>
            <button type="submit" class="primary" data-step="check">
              Check
            </button>
          </div>
          <label for="requirements">Requirements of my own (JSON, as a platform's `requirements`)</label>
          <textarea id="requirements" name="requirements" rows={3} placeholder='{"properties": [{"op": "gte", "property": "memoryGib", "value": 256}], "minFree": {"cores": 8, "memoryGib": 64}}'>
            {form.requirements}
          </textarea>
        </form>
      </Section>
      {checked ? <CheckResults checked={checked} /> : null}
    </Layout>,
  );
}

handoffPages.get('/provider/check', (c) => checkPage(c, { ids: '', against: '', requirements: '', properties: true }, null, null));

handoffPages.post('/provider/check', async (c) => {
  const body = await c.req.parseBody();
  const form: CheckForm = { ids: text(body.ids), against: text(body.against), requirements: text(body.requirements), properties: body.properties === '1' };
  const hardwareIds = pastedIds(form.ids);
  if (!hardwareIds.length) return checkPage(c, form, null, 'Paste at least one hardware ID.');
  let target: { platformId: string } | { requirements: unknown };
  if (form.against === 'requirements') {
    try {
      target = { requirements: JSON.parse(form.requirements || '{}') };
    } catch {
      return checkPage(c, form, null, 'The requirements are not valid JSON.');
    }
  } else target = { platformId: form.against };
  try {
    const check = await c.get('api').post<Check>('/v1/compatibility', { hardwareIds, ...target, include: form.properties ? ['properties'] : [] });
    const mine = await myPlatforms(c);
    const against = 'platformId' in target ? (mine.items.find((p) => p.id === target.platformId)?.name ?? target.platformId) : 'your requirements';
    const prints = await Promise.all(hardwareIds.map(fingerprint));
    return checkPage(c, form, { against, results: check.results.map((r) => ({ ...r, fingerprint: prints[r.index] ?? '' })) }, null);
  } catch (err) {
    if (err instanceof ApiCallError && err.status < 500) return checkPage(c, form, null, problemText(err));
    throw err;
  }
});

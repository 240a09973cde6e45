/**
 * The patent's hand-off in the console. A customer mints hardware IDs for a provider it chooses
 * (audience, lifetime, uses) and hands them over (copy one, copy all, or download them as JSON); the
 * provider checks them (./provider-check.tsx). Both sides see each ID as
 * the same short fingerprint, so they can tell which is which without reading a JWT. A refused
 * request shows the form again with the API's reason (answered 200: the page itself is fine).
 */
import { Hono, type Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { PlatformT } from '../catalog/schema';
import { HWID_MAX_USES_MAX, HWID_TTL_MAX_S, PAGE_LIMIT_MAX, USAGE_PRICES } from '../constants';
import type { HardwareIdSchema } from '../hardware/schema';
import { SCOPES, type Scope } from '../inventory/units';
import { ApiCallError, problemText } from './api';
import { consoleFor, type ConsoleEnv } from './context';
import { isScope } from './customer';
import { CsrfField, Layout, money, Notice, Section, when } from './layout';

type HardwareId = z.infer<typeof HardwareIdSchema>;

export const handoffPages = new Hono<ConsoleEnv>();
handoffPages.use('/customer/hand-off', consoleFor('customer'));

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

/** A form field's text, trimmed (absent or a file: empty). */
export const formText = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

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
  const audience = providersOf(platforms.items).find((p) => p.id === formText(form.audience));
  const scope = isScope(form.scope) ? form.scope : 'server';
  const ttlSeconds = Number(formText(form.ttlSeconds));
  const maxUses = Number(formText(form.maxUses));
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

/**
 * The provider's side of the hand-off (./handoff.tsx): it pastes the hardware IDs a customer handed
 * it into a compatibility check against one of its platforms or requirements of its own, and sees
 * approve/deny with the reasons and what is released, each ID named by the same fingerprint the
 * customer saw; a verdict the census withholds reads as withheld, with the API's reason. A refused
 * request shows the form again with the API's reason.
 */
import { Hono, type Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { PlatformT } from '../catalog/schema';
import type { CompatibilityResult } from '../compatibility/schema';
import { HWID_MAX_PER_REQUEST, PAGE_LIMIT_MAX, USAGE_PRICES } from '../constants';
import { reasonWithCount, verdictWord } from '../lib/answer-words';
import { serverCount } from '../lib/server-count';
import { ApiCallError, problemText } from './api';
import { consoleFor, type ConsoleEnv } from './context';
import { fingerprint, formText } from './handoff';
import { CsrfField, Layout, money, Notice, Section } from './layout';

type Check = z.infer<typeof CompatibilityResult>;

export const checkPages = new Hono<ConsoleEnv>();
checkPages.use('/provider/check', consoleFor('provider'));

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

type Result = Checked['results'][number];

const BADGE = { approved: 'ok', denied: 'bad', withheld: 'warn' } as const;

/** A withheld result is no verdict (the census, src/disclosure), so it never reads as denied. */
const Verdict: FC<{ result: Result }> = ({ result }) => {
  const word = verdictWord(result);
  return <span class={`badge ${BADGE[word]}`}>{word}</span>;
};

const CheckResults: FC<{ checked: Checked }> = ({ checked }) => {
  const approved = checked.results.filter((r) => r.approved).length;
  const withheld = checked.results.filter((r) => r.withheld).length;
  return (
    <Section title={`${approved} of ${checked.results.length} approved for ${checked.against}${withheld ? `, ${withheld} withheld` : ''}`}>
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
            <tr data-result={r.fingerprint} data-approved={String(r.approved)} data-withheld={String(r.withheld)}>
              <td>
                <code>{r.fingerprint}</code>
              </td>
              <td>{r.scope}</td>
              <td>
                <Verdict result={r} />
              </td>
              <td class="num">{r.servers.approved === null ? <span class="muted">not counted</span> : `${serverCount(r.servers.approved)} of ${serverCount(r.servers.total)}`}</td>
              <td>
                {r.reasons.length ? (
                  <ul class="reasons">
                    {r.reasons.map((x) => (
                      <li>{reasonWithCount(x)}</li>
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

checkPages.get('/provider/check', (c) => checkPage(c, { ids: '', against: '', requirements: '', properties: true }, null, null));

checkPages.post('/provider/check', async (c) => {
  const body = await c.req.parseBody();
  const form: CheckForm = { ids: formText(body.ids), against: formText(body.against), requirements: formText(body.requirements), properties: body.properties === '1' };
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

/** The customer's pages: its hardware (masked IDs), where it can move in place, and its migrations. */
import { Hono, type Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { PlatformT } from '../catalog/schema';
import type { MipEntrySchema, MipListSchema } from '../compatibility/schema';
import { availabilityWord } from '../lib/answer-words';
import { PAGE_LIMIT_MAX, USAGE_CURRENCY, USAGE_PRICES } from '../constants';
import { problems } from '../http/problem';
import type { HardwareIdSchema } from '../hardware/schema';
import { SCOPES, type Scope } from '../inventory/units';
import { ACTIVE_STATES } from '../lib/lifecycle';
import { consoleFor, type ConsoleEnv } from './context';
import { CsrfField, Layout, money, Notice, Section, when } from './layout';
import { myMigrations, platformNames } from './migrations';
import { StateBadge, type Migration } from './migration-view';

type MipList = z.infer<typeof MipListSchema>;
type MipEntry = z.infer<typeof MipEntrySchema>;
type HardwareId = z.infer<typeof HardwareIdSchema>;

export const customerPages = new Hono<ConsoleEnv>();
customerPages.use('/customer', consoleFor('customer'));
customerPages.use('/customer/*', consoleFor('customer'));

const WIDEST_FIRST = [...SCOPES].reverse();
export const isScope = (v: unknown): v is Scope => typeof v === 'string' && (SCOPES as readonly string[]).includes(v);

const ScopeSelect: FC<{ name: string; value: string; all?: boolean }> = ({ name, value, all }) => (
  <select name={name} id={name}>
    {all ? (
      <option value="all" selected={value === 'all'}>
        every scope
      </option>
    ) : null}
    {SCOPES.map((s) => (
      <option value={s} selected={value === s}>
        {s}
      </option>
    ))}
  </select>
);

const HardwareGroups: FC<{ groups: [Scope, HardwareId[]][] }> = ({ groups }) => (
  <div>
    {groups.map(([scope, ids]) => (
      <div data-scope={scope}>
        <h3>{`${ids.length} ${scope}${ids.length === 1 ? '' : 's'}`}</h3>
        <table>
          <thead>
            <tr>
              <th>Masked ID (use it with providers; it reveals nothing linkable)</th>
              <th class="num">Your placements there</th>
              <th>Expires</th>
              <th class="num">Uses left</th>
            </tr>
          </thead>
          <tbody>
            {ids.map((h) => (
              <tr data-hardware-id>
                <td>
                  <code class="token" title={h.id}>
                    {h.id}
                  </code>
                </td>
                <td class="num">{h.coverage}</td>
                <td>{when(h.expiresAt)}</td>
                <td class="num">{h.usesLeft}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    ))}
  </div>
);

const Coverage: FC<{ entry: MipEntry }> = ({ entry }) => (
  <span class="mono">{SCOPES.map((s) => `${s === 'server' ? 'srv' : s} ${entry.coverage[s]}`).join(' · ')}</span>
);


/** Leads to the confirmation page, which says what the migration costs before anything starts. */
const MoveForm: FC<{ entry: MipEntry; scope: Scope }> = ({ entry, scope }) => (
  <form method="get" action="/console/customer/migrate">
    <input type="hidden" name="platform" value={entry.platformId} />
    <input type="hidden" name="scope" value={scope} />
    <button type="submit" class="primary" data-step="migrate">
      Migrate…
    </button>
  </form>
);

/**
 * An entry the census withholds is not a "no": the list cannot say at this scope (its first reasons
 * say why), though it may still tell of a home in a wider unit.
 */
const Availability: FC<{ entry: MipEntry }> = ({ entry: e }) => {
  const word = availabilityWord(e);
  if (word === 'available') return <span class="badge ok">{`yes, same ${e.narrowestScope}`}</span>;
  const wider = e.narrowestScope ? <span class="badge warn">{`only within a ${e.narrowestScope}`}</span> : null;
  if (word === 'withheld') return <>{[<span class="badge warn">withheld</span>, wider]}</>;
  return wider ?? <span class="badge bad">no</span>;
};

const MipTable: FC<{ list: MipList; canMove: boolean }> = ({ list, canMove }) => (
  <table data-table="mip">
    <thead>
      <tr>
        <th>Platform</th>
        <th>Available in place</th>
        <th title="Placements with a compatible home on the same server, rack, row, site">{`Placements covered (of ${list.placements})`}</th>
        <th>Support</th>
        <th>Multi-site</th>
        <th class="num">Est. per month</th>
        <th class="num">Preference fit</th>
        <th>Why not</th>
        {canMove ? <th></th> : null}
      </tr>
    </thead>
    <tbody>
      {[...list.available, ...list.unavailable].map((e) => (
        <tr data-platform={e.platformId} data-available={String(e.available)}>
          <td>
            <strong>{e.name}</strong>
            {e.fresh ? null : <div class="muted">recomputing…</div>}
          </td>
          <td>
            <Availability entry={e} />
          </td>
          <td>
            <Coverage entry={e} />
          </td>
          <td>{e.serviceProfile.supportLevel}</td>
          <td>{e.serviceProfile.multiSite ? 'yes' : 'no'}</td>
          <td class="num">{`${Math.round(e.estimatedMonthlyPrice.amount).toLocaleString('en')} ${e.estimatedMonthlyPrice.currency}`}</td>
          <td class="num">{e.preferenceFit === null ? '—' : `${Math.round(e.preferenceFit * 100)}%`}</td>
          <td>
            {e.reasons.length ? (
              <ul class="reasons">
                {e.reasons.map((r) => (
                  <li>{`${r.reason} (${r.placements} placement${r.placements === 1 ? '' : 's'})`}</li>
                ))}
              </ul>
            ) : null}
          </td>
          {canMove ? <td>{e.available ? <MoveForm entry={e} scope={list.scope} /> : null}</td> : null}
        </tr>
      ))}
    </tbody>
  </table>
);

async function customerPage(c: Context<ConsoleEnv>, hardware: [Scope, HardwareId[]][] | null, requested: string) {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const scope = isScope(c.req.query('scope')) ? (c.req.query('scope') as Scope) : 'rack';
  const [mip, platforms, migrations] = await Promise.all([
    api.get<MipList>(`/v1/customers/${encodeURIComponent(principal.id)}/mip-list?scope=${scope}`),
    api.get<{ items: PlatformT[] }>(`/v1/platforms?limit=${PAGE_LIMIT_MAX}`),
    myMigrations(api),
  ]);
  const active: Migration | undefined = migrations.find((m) => ACTIVE_STATES.includes(m.state));
  const current = platforms.items.find((p) => p.id === mip.currentPlatformId);
  return c.html(
    <Layout title={`${principal.name}: hardware & platforms`} principal={principal} csrf={csrf} path="/console/customer">
      <Section
        title="Hardware holding your data"
        aside={
          <form method="post" action="/console/customer/hardware" class="controls">
            <CsrfField token={csrf} />
            <div>
              <label for="hwscope">Scope</label>
              <ScopeSelect name="hwscope" value={requested} all />
            </div>
            <button type="submit" class="secondary">
              Request masked IDs
            </button>
          </form>
        }
      >
        <p class="muted">
          {`Your data sits on ${mip.placements} placement${mip.placements === 1 ? '' : 's'}${current ? `, on ${current.name}` : ''}. Hardware is named only by masked, expiring, use-limited IDs, new for every request; each request is billed as one hardware-ID request per scope.`}
        </p>
        {hardware ? <HardwareGroups groups={hardware} /> : null}
      </Section>
      <Section
        title="Where you can move in place"
        aside={
          <form method="get" action="/console/customer" class="controls">
            <div>
              <label for="scope">Data may move within the same</label>
              <ScopeSelect name="scope" value={scope} />
            </div>
            <button type="submit" class="secondary">
              Compare
            </button>
          </form>
        }
      >
        <p class="muted">{`${mip.available.length} platform${mip.available.length === 1 ? '' : 's'} available without your data leaving its ${scope}; ${mip.unavailable.length} not, with the reasons.`}</p>
        {active ? (
          <Notice>
            {'A migration is under way: '}
            <a href={`/console/customer/migrations/${active.id}`}>{active.id}</a> <StateBadge state={active.state} />
            {'. You can start another once it ends.'}
          </Notice>
        ) : null}
        <MipTable list={mip} canMove={!active} />
      </Section>
    </Layout>,
  );
}

customerPages.get('/customer', (c) => customerPage(c, null, 'all'));

customerPages.post('/customer/hardware', async (c) => {
  const form = await c.req.parseBody();
  const requested = isScope(form.hwscope) ? form.hwscope : 'all';
  const scopes = requested === 'all' ? WIDEST_FIRST : [requested];
  const api = c.get('api');
  const groups = await Promise.all(scopes.map(async (scope) => [scope, (await api.post<{ items: HardwareId[] }>('/v1/hardware-ids', { scope })).items] as [Scope, HardwareId[]]));
  return customerPage(c, groups, requested);
});

/** Migrate, confirmed: what moves where, what it costs, then the start (with a fresh Idempotency-Key, so a double submit starts one). */
customerPages.get('/customer/migrate', async (c) => {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const scope = isScope(c.req.query('scope')) ? (c.req.query('scope') as Scope) : 'server';
  const [mip, name] = await Promise.all([api.get<MipList>(`/v1/customers/${encodeURIComponent(principal.id)}/mip-list?scope=${scope}`), platformNames(api)]);
  const entry = mip.available.find((e) => e.platformId === c.req.query('platform'));
  if (!entry) throw problems.notFound('platform available in place at this scope');
  const price = USAGE_PRICES.migrations.priceMicros;
  return c.html(
    <Layout title="Start a migration in place" principal={principal} csrf={csrf} path="/console/customer">
      <Section title={`${mip.currentPlatformId ? name(mip.currentPlatformId) : 'Your platform'} → ${entry.name}`}>
        <dl class="kv" data-confirm={entry.platformId}>
          <dt>What moves</dt>
          <dd>{`Your ${mip.placements} placement${mip.placements === 1 ? '' : 's'} move to ${entry.name}; the data stays within the same ${scope}.`}</dd>
          <dt>Who agrees</dt>
          <dd>{`The provider of ${entry.name} accepts the request (unless its platform accepts automatically), then its modules are deployed to your hardware.`}</dd>
          <dt>End users</dt>
          <dd>The session border controller moves your end users’ sessions to the new platform as the data moves, or by the canary steps you set on the migration’s page.</dd>
          <dt>Cost of the migration</dt>
          <dd>
            <strong data-field="price">{`${money(price)} ${USAGE_CURRENCY}`}</strong>
            {` per migration, from the price table (operation “migrations”), billed once the first data has moved; cancelled before that, it costs nothing.`}
          </dd>
          <dt>New platform</dt>
          <dd>{`about ${Math.round(entry.estimatedMonthlyPrice.amount).toLocaleString('en')} ${entry.estimatedMonthlyPrice.currency} per month for your placements, billed by its provider`}</dd>
        </dl>
        <form method="post" action="/console/customer/migrations" class="controls">
          <CsrfField token={csrf} />
          <input type="hidden" name="targetPlatformId" value={entry.platformId} />
          <input type="hidden" name="scope" value={scope} />
          <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
          <button type="submit" class="primary" data-step="confirm-migrate">
            {`Start the migration (${money(price)} ${USAGE_CURRENCY})`}
          </button>
          <a href={`/console/customer?scope=${scope}`}>Back to the list</a>
        </form>
      </Section>
    </Layout>,
  );
});

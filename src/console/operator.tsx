/** The operator's pages: data-center map, customers and providers, reconciliation status. */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { PlatformT } from '../catalog/schema';
import { PAGE_LIMIT_MAX } from '../constants';
import { getDb } from '../db';
import { unitPriceMicros } from '../usage/billing';
import { utcDay } from '../usage/recorder';
import { consoleFor, type ConsoleEnv } from './context';
import { rackFit, type PlatformFit } from './fit';
import { ActionButton, ChoiceForm, Layout, money, Notice, percent, Section, when } from './layout';
import { lastRuns, listPrincipals, placementSummary, rackOccupancy, usageTotalsBetween, type RackOccupancy } from './queries';

export const operatorPages = new Hono<ConsoleEnv>();
operatorPages.use('/operator', consoleFor('operator'));
operatorPages.use('/operator/*', consoleFor('operator'));

interface Site {
  id: string;
  name: string;
  region: string;
  rows: { id: string; name: string; racks: RackOccupancy[] }[];
}

export function groupSites(racks: RackOccupancy[]): Site[] {
  const sites = new Map<string, Site>();
  for (const r of racks) {
    let site = sites.get(r.siteId);
    if (!site) sites.set(r.siteId, (site = { id: r.siteId, name: r.siteName, region: r.region, rows: [] }));
    let row = site.rows[site.rows.length - 1];
    if (!row || row.id !== r.rowId) site.rows.push((row = { id: r.rowId, name: r.rowName, racks: [] }));
    row.racks.push(r);
  }
  return [...sites.values()];
}

const bucket = (ratio: number) => Math.max(0, Math.min(10, Math.round(ratio * 10)));

const RackCell: FC<{ rack: RackOccupancy; fit?: PlatformFit; platform?: string }> = ({ rack, fit, platform }) => {
  if (rack.servers === 0) return <div class="rack empty" data-rack={rack.rackId} title={`${rack.rackId}: no servers`}></div>;
  const data = rack.placedServers ? ' data' : '';
  const holds = `${rack.placedServers} servers hold data of ${rack.customers} customers`;
  if (fit) {
    const f = fit.racks.get(rack.rackId) ?? { approved: 0, denied: rack.servers, reasons: ['not evaluated yet'] };
    const ratio = f.approved / Math.max(1, f.approved + f.denied);
    const why = f.reasons.length ? ` · denied for: ${f.reasons.join('; ')}` : '';
    return (
      <div class={`rack fit-${bucket(ratio)}${data}`} data-rack={rack.rackId} data-fit={ratio.toFixed(3)} title={`${rack.rackId} · ${f.approved} of ${f.approved + f.denied} servers fit ${platform}${why} · ${holds}`}>
        {f.approved}
      </div>
    );
  }
  const ratio = rack.cores ? rack.coresAllocated / rack.cores : 0;
  const title = `${rack.rackId} · ${rack.servers} servers · cores ${percent(rack.coresAllocated, rack.cores)} allocated · memory ${percent(rack.memoryAllocatedGib, rack.memoryGib)} allocated · ${holds}`;
  return (
    <div class={`rack heat-${bucket(ratio)}${data}`} data-rack={rack.rackId} data-occupancy={ratio.toFixed(3)} title={title}>
      {Math.round(ratio * 100)}
    </div>
  );
};

const Legend: FC<{ fit: boolean }> = ({ fit }) => (
  <div class="legend">
    <span>0%</span>
    {Array.from({ length: 11 }, (_, i) => (
      <span class={`rack ${fit ? 'fit' : 'heat'}-${i}`}></span>
    ))}
    <span>{fit ? '100% of servers compatible' : '100% of cores allocated'}</span>
    <span class="rack empty data"></span>
    <span>holds customer data</span>
  </div>
);

operatorPages.get('/operator', async (c) => {
  const { principal, csrf } = c.get('session');
  const db = getDb(c.env.DB);
  const [racks, platforms] = await Promise.all([rackOccupancy(db), c.get('api').get<{ items: PlatformT[] }>(`/v1/platforms?limit=${PAGE_LIMIT_MAX}`)]);
  const sites = groupSites(racks);
  const platform = platforms.items.find((p) => p.id === c.req.query('platform'));
  const fit = platform ? await rackFit(db, platform, racks.map((r) => r.rackId)) : null;
  const servers = racks.reduce((n, r) => n + r.servers, 0);
  const cores = racks.reduce((n, r) => n + r.cores, 0);
  const allocated = racks.reduce((n, r) => n + r.coresAllocated, 0);
  return c.html(
    <Layout title="Data-center map" principal={principal} csrf={csrf} path="/console/operator">
      <Section title={`${sites.length} sites · ${sites.reduce((n, s) => n + s.rows.length, 0)} rows · ${racks.length} racks · ${servers} servers`} aside={<Legend fit={fit !== null} />}>
        <ChoiceForm
          action="/console/operator"
          submit="Show"
          choices={[
            {
              name: 'platform',
              label: 'Colour racks by',
              any: `core allocation (${percent(allocated, cores)} overall)`,
              selected: platform?.id,
              options: platforms.items.map((p) => [p.id, `compatibility with ${p.name}`] as const),
            },
          ]}
        />
        <p class="muted">
          {fit && platform
            ? `Each square is a rack, coloured by the share of its servers compatible with ${platform.name}; the number is how many are.${fit.fresh ? '' : ' Recomputing after a change: some racks may lag.'} Hover for the reasons.`
            : platform
              ? `${platform.name} has not been evaluated yet; showing core allocation.`
              : 'Each square is a rack, coloured by the share of its cores allocated; the number is that share in percent. Hover for details.'}
        </p>
        {sites.length === 0 ? <Notice>No inventory yet: send it with PUT /v1/inventory.</Notice> : null}
        <div class="sites">
          {sites.map((site) => (
            <div class="site" data-site={site.id}>
              <h3>{`${site.name} (${site.id}) · ${site.region}`}</h3>
              {site.rows.map((row) => (
                <div class="row" data-row={row.id}>
                  <span class="label" title={row.id}>
                    {row.name}
                  </span>
                  <div class="racks">
                    {row.racks.map((rack) => (fit && platform ? <RackCell rack={rack} fit={fit} platform={platform.name} /> : <RackCell rack={rack} />))}
                  </div>
                </div>
              ))}
            </div>
          ))}
        </div>
      </Section>
    </Layout>,
  );
});

function monthToDate(now: number): { from: string; to: string } {
  const today = utcDay(now);
  return { from: `${today.slice(0, 7)}-01`, to: today };
}

operatorPages.get('/operator/principals', async (c) => {
  const { principal, csrf } = c.get('session');
  const db = getDb(c.env.DB);
  const [customers, providers, summary, platforms] = await Promise.all([
    listPrincipals(db, 'customer', PAGE_LIMIT_MAX),
    listPrincipals(db, 'provider', PAGE_LIMIT_MAX),
    placementSummary(db),
    c.get('api').get<{ items: PlatformT[] }>(`/v1/platforms?limit=${PAGE_LIMIT_MAX}`),
  ]);
  const range = monthToDate(Date.now());
  const billed = new Map<string, number>();
  for (const u of await usageTotalsBetween(db, range.from, range.to)) {
    billed.set(u.principalId, (billed.get(u.principalId) ?? 0) + u.count * unitPriceMicros(u.operation));
  }
  const platformName = new Map(platforms.items.map((p) => [p.id, p.name]));
  const placed = new Map(summary.map((s) => [s.customerId, s]));
  const platformCount = new Map<string, number>();
  for (const p of platforms.items) platformCount.set(p.providerId, (platformCount.get(p.providerId) ?? 0) + 1);
  return c.html(
    <Layout title="Customers & providers" principal={principal} csrf={csrf} path="/console/operator/principals">
      <Section title={`Customers (${customers.length > PAGE_LIMIT_MAX ? `first ${PAGE_LIMIT_MAX}` : customers.length})`}>
        <table data-table="customers">
          <thead>
            <tr>
              <th>Name</th>
              <th>Organisation</th>
              <th>Service level</th>
              <th>Runs on</th>
              <th class="num">Servers</th>
              <th class="num">{`Billed ${range.from.slice(0, 7)} (EUR)`}</th>
            </tr>
          </thead>
          <tbody>
            {customers.slice(0, PAGE_LIMIT_MAX).map((cu) => (
              <tr data-principal={cu.id}>
                <td>
                  {cu.name} <span class="mono muted">{cu.id}</span>
                </td>
                <td>{cu.organisation}</td>
                <td>{cu.serviceLevel}</td>
                <td>{placed.get(cu.id) ? (platformName.get(placed.get(cu.id)?.platformId ?? '') ?? placed.get(cu.id)?.platformId) : <span class="muted">no placements</span>}</td>
                <td class="num">{placed.get(cu.id)?.servers ?? 0}</td>
                <td class="num">{money(billed.get(cu.id) ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title={`Providers (${providers.length > PAGE_LIMIT_MAX ? `first ${PAGE_LIMIT_MAX}` : providers.length})`}>
        <table data-table="providers">
          <thead>
            <tr>
              <th>Name</th>
              <th>Organisation</th>
              <th>Service level</th>
              <th class="num">Platforms</th>
              <th class="num">{`Billed ${range.from.slice(0, 7)} (EUR)`}</th>
            </tr>
          </thead>
          <tbody>
            {providers.slice(0, PAGE_LIMIT_MAX).map((p) => (
              <tr data-principal={p.id}>
                <td>
                  {p.name} <span class="mono muted">{p.id}</span>
                </td>
                <td>{p.organisation}</td>
                <td>{p.serviceLevel}</td>
                <td class="num">{platformCount.get(p.id) ?? 0}</td>
                <td class="num">{money(billed.get(p.id) ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </Layout>,
  );
});

operatorPages.get('/operator/reconciliation', async (c) => {
  const { principal, csrf } = c.get('session');
  const runs = await lastRuns(getDb(c.env.DB));
  const queued = c.req.query('queued') === '1';
  return c.html(
    <Layout title="Reconciliation" principal={principal} csrf={csrf} path="/console/operator/reconciliation">
      {queued ? <Notice kind="ok">Reconciliation queued: it runs in the background within seconds; reload this page to see each job’s new run.</Notice> : null}
      <Section
        title="Last run of each job"
        aside={
          <ActionButton action="/console/operator/reconciliation/run" csrf={csrf} step="reconcile" label="Run now" />
        }
      >
        <p class="muted">The cron trigger runs every job every five minutes; each job is bounded per run and safe to repeat.</p>
        {runs.length === 0 ? (
          <Notice>No run recorded yet.</Notice>
        ) : (
          <table data-table="reconciliation">
            <thead>
              <tr>
                <th>Job</th>
                <th>Last run</th>
                <th>Result</th>
                <th>What it did</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr data-job={r.job}>
                  <td class="mono">{r.job}</td>
                  <td>{when(r.ranAt)}</td>
                  <td>{r.ok ? <span class="badge ok">ok</span> : <span class="badge bad">failed</span>}</td>
                  <td class="mono">
                    {Object.entries(r.detail)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join(' · ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </Layout>,
  );
});

operatorPages.post('/operator/reconciliation/run', async (c) => {
  await c.env.RECOMPUTE.send({ kind: 'reconcile' });
  return c.redirect('/console/operator/reconciliation?queued=1', 303);
});

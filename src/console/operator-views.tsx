/** The operator's inventory (site → row → rack → server), migrations with deployment per server, and agent flags. */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { AgentFlagSchema } from '../agent/report-schema';
import { PAGE_LIMIT_MAX } from '../constants';
import { getDb } from '../db';
import type { ServerSchema } from '../inventory/schema';
import { MIGRATION_STATES } from '../lib/lifecycle';
import { consoleFor, type ConsoleEnv } from './context';
import { ChoiceForm, Layout, Notice, percent, Section, when } from './layout';
import { myMigrations, platformNames, trafficOf } from './migrations';
import { DeploymentTable, LiveMigration, MigrationTable, type Migration, type MigrationTask } from './migration-view';
import { groupSites } from './operator';
import { listPrincipals, rackOccupancy, type RackOccupancy } from './queries';

type Server = z.infer<typeof ServerSchema>;
type Flag = z.infer<typeof AgentFlagSchema>;

export const operatorViews = new Hono<ConsoleEnv>();
operatorViews.use('/operator/*', consoleFor('operator'));

type Capacity = Pick<RackOccupancy, 'servers' | 'cores' | 'coresAllocated' | 'memoryGib' | 'memoryAllocatedGib'>;

function sum(racks: Capacity[]): Capacity {
  const total = { servers: 0, cores: 0, coresAllocated: 0, memoryGib: 0, memoryAllocatedGib: 0 };
  for (const r of racks) for (const k of Object.keys(total) as (keyof Capacity)[]) total[k] += r[k];
  return total;
}

const CapacityLine: FC<{ c: Capacity }> = ({ c }) => (
  <span class="muted">{`${c.servers} servers · cores ${c.coresAllocated.toLocaleString('en')} / ${c.cores.toLocaleString('en')} allocated (${percent(c.coresAllocated, c.cores)}) · memory ${c.memoryAllocatedGib.toLocaleString('en')} / ${c.memoryGib.toLocaleString('en')} GiB (${percent(c.memoryAllocatedGib, c.memoryGib)})`}</span>
);

const ServerTable: FC<{ servers: Server[] }> = ({ servers }) => (
  <table data-table="servers">
    <thead>
      <tr>
        <th>Server</th>
        <th>Identity</th>
        <th>CPU</th>
        <th>Memory · storage</th>
        <th>Hypervisor · traits · certifications</th>
        <th class="num">Cores allocated</th>
        <th class="num">Memory allocated</th>
      </tr>
    </thead>
    <tbody>
      {servers.map((s) => (
        <tr data-server={s.id}>
          <td class="mono">{s.id}</td>
          <td class="mono">{`${s.identity.serial} · ${s.identity.mac} · Dom0 ${s.identity.dom0Ip}`}</td>
          <td>{`${s.properties.cpuVendor} ${s.properties.cpuModel} (${s.properties.cpuArch}), ${s.properties.cores} cores${s.properties.gpus ? `, ${s.properties.gpus} GPUs` : ''}`}</td>
          <td>{`${s.properties.memoryGib} GiB · ${s.properties.storageGib} GiB ${s.properties.storageKind}`}</td>
          <td>{[s.properties.hypervisor, s.properties.traits.join(', ') || '—', s.properties.certifications.join(', ') || '—'].join(' · ')}</td>
          <td class="num">{`${s.capacity.coresAllocated} / ${s.capacity.cores}`}</td>
          <td class="num">{`${s.capacity.memoryAllocatedGib} / ${s.capacity.memoryGib} GiB`}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

operatorViews.get('/operator/inventory', async (c) => {
  const { principal, csrf } = c.get('session');
  const racks = await rackOccupancy(getDb(c.env.DB));
  const rack = racks.find((r) => r.rackId === c.req.query('rack'));
  const servers = rack ? (await c.get('api').get<{ items: Server[] }>(`/v1/inventory/servers?rack=${encodeURIComponent(rack.rackId)}&limit=${PAGE_LIMIT_MAX}`)).items : [];
  return c.html(
    <Layout title="Inventory" principal={principal} csrf={csrf} path="/console/operator/inventory">
      <div class="grid-inventory">
        <Section title="Sites, rows and racks">
          {racks.length === 0 ? <Notice>No inventory yet: send it with PUT /v1/inventory.</Notice> : null}
          <ul class="tree">
            {groupSites(racks).map((site) => (
              <li data-site={site.id}>
                <details open={rack?.siteId === site.id}>
                  <summary>
                    <strong>{`${site.name} (${site.id}) · ${site.region}`}</strong> <CapacityLine c={sum(site.rows.flatMap((r) => r.racks))} />
                  </summary>
                  <ul>
                    {site.rows.map((row) => (
                      <li data-row={row.id}>
                        <details open={rack?.rowId === row.id}>
                          <summary>
                            {`${row.name} (${row.id}) `}
                            <CapacityLine c={sum(row.racks)} />
                          </summary>
                          <ul>
                            {row.racks.map((r) => (
                              <li data-rack={r.rackId} class={r.rackId === rack?.rackId ? 'selected' : ''}>
                                <a href={`/console/operator/inventory?rack=${encodeURIComponent(r.rackId)}`}>{`${r.rackName} (${r.rackId})`}</a> <CapacityLine c={r} />
                              </li>
                            ))}
                          </ul>
                        </details>
                      </li>
                    ))}
                  </ul>
                </details>
              </li>
            ))}
          </ul>
        </Section>
        <Section title={rack ? `${rack.rackName} (${rack.rackId}): ${servers.length} servers` : 'Servers'}>
          {rack ? (
            <>
              <p>
                <CapacityLine c={rack} />
              </p>
              <ServerTable servers={servers} />
            </>
          ) : (
            <Notice>Open a site and a row, then choose a rack to see its servers, their properties and capacity.</Notice>
          )}
        </Section>
      </div>
    </Layout>,
  );
});

const isState = (v: unknown): v is Migration['state'] => typeof v === 'string' && (MIGRATION_STATES as readonly string[]).includes(v);

operatorViews.get('/operator/migrations', async (c) => {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const state = isState(c.req.query('state')) ? c.req.query('state') : undefined;
  const [items, name, customers] = await Promise.all([myMigrations(api, state ? `&state=${state}` : ''), platformNames(api), listPrincipals(getDb(c.env.DB), 'customer', PAGE_LIMIT_MAX)]);
  const customerNames = new Map(customers.map((cu) => [cu.id, cu.name]));
  return c.html(
    <Layout title="Migrations" principal={principal} csrf={csrf} path="/console/operator/migrations">
      <Section
        title={`${items.length} migration${items.length === 1 ? '' : 's'}${state ? ` ${state.replace(/_/g, ' ')}` : ''}`}
        aside={
          <ChoiceForm
            action="/console/operator/migrations"
            submit="Filter"
            choices={[{ name: 'state', label: 'State', any: 'any', selected: state, options: MIGRATION_STATES.map((s) => [s, s.replace(/_/g, ' ')] as const) }]}
          />
        }
      >
        <MigrationTable items={items} base="/console/operator/migrations" platformName={name} customerName={(id) => customerNames.get(id) ?? id} />
      </Section>
    </Layout>,
  );
});

operatorViews.get('/operator/migrations/:id', async (c) => {
  const { principal, csrf } = c.get('session');
  const api = c.get('api');
  const [m, name] = await Promise.all([api.get<Migration>(`/v1/migrations/${encodeURIComponent(c.req.param('id'))}`), platformNames(api)]);
  const db = getDb(c.env.DB);
  const [tasks, traffic, customers, providers] = await Promise.all([
    api.get<{ items: MigrationTask[] }>(`/v1/migrations/${encodeURIComponent(m.id)}/tasks?limit=${PAGE_LIMIT_MAX}`),
    trafficOf(api, m.customerId),
    listPrincipals(db, 'customer', PAGE_LIMIT_MAX),
    listPrincipals(db, 'provider', PAGE_LIMIT_MAX),
  ]);
  const names = new Map([...customers, ...providers].map((p) => [p.id, p.name]));
  const who = (id: string) => `${names.get(id) ?? ''} (${id})`.trim();
  return c.html(
    <Layout title={`Migration ${m.id}`} principal={principal} csrf={csrf} path="/console/operator/migrations" script>
      <p class="muted">{`Customer ${who(m.customerId)} · from provider ${who(m.source.providerId)} to ${who(m.target.providerId)}`}</p>
      <LiveMigration m={m} base="/console/operator/migrations" csrf={csrf} steps={[]} scheduleActions={null} traffic={traffic} platformName={name} />
      <DeploymentTable tasks={tasks.items} />
    </Layout>,
  );
});

operatorViews.get('/operator/agents', async (c) => {
  const { principal, csrf } = c.get('session');
  const flags = await c.get('api').get<{ items: Flag[] }>(`/v1/agent/flags?limit=${PAGE_LIMIT_MAX}`);
  return c.html(
    <Layout title="Agent flags" principal={principal} csrf={csrf} path="/console/operator/agents">
      <Section title={`${flags.items.length} flag${flags.items.length === 1 ? '' : 's'}`}>
        <p class="muted">
          An agent that reports an identity (serial, MAC, Dom0 or internal IP) other than the one on record changes nothing: its report is flagged here for you to look at.
        </p>
        {flags.items.length === 0 ? (
          <Notice kind="ok">No agent has reported an identity that differs from the record.</Notice>
        ) : (
          <table data-table="flags">
            <thead>
              <tr>
                <th>Server</th>
                <th>Field</th>
                <th>On record</th>
                <th>Observed</th>
                <th class="num">Reports</th>
                <th>First seen</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {flags.items.map((f) => (
                <tr data-flag={f.id}>
                  <td class="mono">{f.serverId}</td>
                  <td>{f.field}</td>
                  <td class="mono">{f.recorded}</td>
                  <td class="mono">{f.observed}</td>
                  <td class="num">{f.reports}</td>
                  <td>{when(f.firstSeenAt)}</td>
                  <td>{when(f.lastSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </Layout>,
  );
});

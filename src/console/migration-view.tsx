/** Migration pieces shared by the customer's and the provider's pages: list, live view, poll data. */
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { PrincipalKind } from '../auth/principal';
import { CONSOLE_POLL_MS } from '../constants';
import { TERMINAL_STATES } from '../lib/lifecycle';
import type { MigrationTaskSchema } from '../agent/task-schema';
import type { MigrationSchema } from '../migrations/schema';
import type { TrafficSchema } from '../sbc/schema';
import type { TimelinePointSchema } from '../migrations/schema';
import { ActionButton, Notice, Section, when } from './layout';
import { CANARY, ScheduleControl, type ScheduleAction } from './schedule-control';

export type Migration = z.infer<typeof MigrationSchema>;
export type Traffic = z.infer<typeof TrafficSchema>;

const BADGE: Record<string, string> = { completed: 'ok', rolled_back: 'warn', cancelled: 'warn', failed: 'bad' };

export const StateBadge: FC<{ state: string }> = ({ state }) => <span class={`badge ${BADGE[state] ?? ''}`}>{state.replace(/_/g, ' ')}</span>;

/** Every steering step, in the order the live view draws their buttons. */
export const STEPS = ['approve', 'accept', 'pause', 'resume', 'rollback', 'cancel'] as const;

/** The steps a party may try in the migration's current state (the API has the last word). */
export function stepsFor(m: Migration, kind: PrincipalKind, me: string): string[] {
  const steps: string[] = [];
  if (kind === 'operator' || kind === 'agent') return steps;
  const consent = m.state === 'awaiting_consent';
  if (consent && kind === 'customer' && m.initiatedBy.kind === 'provider') steps.push('approve');
  if (consent && kind === 'provider' && m.target.providerId === me && m.initiatedBy.kind === 'customer') steps.push('accept');
  if (kind === 'provider' && m.target.providerId !== me) return steps;
  if (m.state === 'deploying' || m.state === 'migrating') steps.push('pause');
  if (m.state === 'paused') steps.push('resume');
  if (m.state === 'deploying' || m.state === 'migrating' || m.state === 'paused') steps.push('rollback');
  if (m.state === 'requested' || consent || m.state === 'deploying' || m.state === 'paused') steps.push('cancel');
  return steps;
}

export const MigrationTable: FC<{ items: Migration[]; base: string; platformName: (id: string) => string; customerName?: (id: string) => string }> = ({ items, base, platformName, customerName }) =>
  items.length === 0 ? (
    <Notice>No migrations yet.</Notice>
  ) : (
    <table data-table="migrations">
      <thead>
        <tr>
          <th>Migration</th>
          {customerName ? <th>Customer</th> : null}
          <th>From → to</th>
          <th>State</th>
          <th class="num">Data migrated</th>
          <th>Started</th>
        </tr>
      </thead>
      <tbody>
        {items.map((m) => (
          <tr data-migration={m.id} data-state={m.state}>
            <td>
              <a href={`${base}/${m.id}`} class="mono">
                {m.id}
              </a>
            </td>
            {customerName ? <td>{customerName(m.customerId)}</td> : null}
            <td>{`${platformName(m.source.platformId)} → ${platformName(m.target.platformId)}`}</td>
            <td>
              <StateBadge state={m.state} />
            </td>
            <td class="num">{`${m.progress.percent}%`}</td>
            <td>{when(m.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );

export const LiveMigration: FC<{
  m: Migration;
  base: string;
  csrf: string;
  steps: string[];
  scheduleActions: ScheduleAction[] | null;
  traffic: Traffic | null;
  platformName: (id: string) => string;
}> = ({ m, base, csrf, steps, scheduleActions, traffic, platformName }) => (
  <div data-live data-src={`/console/api/migrations/${m.id}`} data-interval={String(CONSOLE_POLL_MS)} data-state={m.state}>
    <Section
      title={`${platformName(m.source.platformId)} → ${platformName(m.target.platformId)}`}
      aside={
        <div class="controls">
          {STEPS.map((step) => (
            <ActionButton
              action={`${base}/${m.id}/${step}`}
              csrf={csrf}
              step={step}
              label={step[0]?.toUpperCase() + step.slice(1)}
              primary={step === 'accept' || step === 'approve'}
              hidden={!steps.includes(step)}
            />
          ))}
        </div>
      }
    >
      <dl class="kv">
        <dt>State</dt>
        <dd data-field="state">{m.state}</dd>
        <dt>Data migrated</dt>
        <dd>
          <progress max="100" value={String(m.progress.percent)}></progress> <span data-field="progress">{`${m.progress.percent}%`}</span>
        </dd>
        <dt>Deployment</dt>
        <dd data-field="deployment">{`${m.deployment.succeeded} of ${m.deployment.tasks} servers deployed${m.deployment.failed ? `, ${m.deployment.failed} failed` : ''}`}</dd>
        <dt>End-user traffic</dt>
        <dd data-field="traffic">{trafficLine(m, traffic)}</dd>
        <dt>Scope</dt>
        <dd>{`data stays within the same ${m.scope}`}</dd>
        <dt>Started by</dt>
        <dd>{`${m.initiatedBy.kind} · ${when(m.createdAt)}`}</dd>
      </dl>
    </Section>
    <div class="grid2">
      <Section title="Data migrated and end-user sessions">
        <svg class="chart" viewBox="0 0 640 268" role="img" aria-label="Migration chart"></svg>
        <p class="muted">
          {`A is ${platformName(m.source.platformId)}, B is ${platformName(m.target.platformId)}. The session border controller's share of end-user sessions on each, the data migrated, and each platform's failed calls over the last minute (right axis). Recorded by the service from the start, so a reload keeps the history.`}
        </p>
      </Section>
      <Section title="Timeline">
        <ol class="timeline">
          {m.history.map((h) => (
            <li>
              <div class="at">{`${when(h.at)} · ${h.by.kind}`}</div>
              <div>{transitionLabel(h)}</div>
            </li>
          ))}
        </ol>
      </Section>
    </div>
    {scheduleActions ? (
      <div data-schedule-section>
        <ScheduleControl action={`${base}/${m.id}/schedule`} csrf={csrf} actions={scheduleActions} steps={traffic?.schedule?.steps ?? CANARY} />
      </div>
    ) : null}
  </div>
);

function transitionLabel(h: Migration['history'][number]): string {
  return `${h.from ? `${h.from.replace(/_/g, ' ')} → ` : ''}${h.to.replace(/_/g, ' ')}${h.reason ? ` (${h.reason})` : ''}`;
}

/** One line on how the SBC shares sessions: following the data, or where a step schedule stands. */
export function trafficLine(m: Migration, traffic: Traffic | null): string {
  if (m.state === 'completed') return 'Every session on the new platform (it is now the only one)';
  if (!traffic?.b || traffic.migrationId !== m.id) return 'All sessions on the current platform';
  const share = `${traffic.percentB}% of sessions on the new platform`;
  const s = traffic.schedule;
  if (traffic.mode !== 'schedule' || !s) return `${share}, following the data migrated`;
  const step = `step ${s.currentStep + 1} of ${s.steps.length} (${s.steps[s.currentStep]?.weight ?? 0}%)`;
  const next = s.nextStepAt ? `, next step ${when(s.nextStepAt)}` : '';
  return `${share}; schedule ${step}, ${s.status.replace(/_/g, ' ')}${next}`;
}

type TimelinePoint = z.infer<typeof TimelinePointSchema>;
const rate = (c: { requests: number; failures: number }) => (c.requests > 0 ? c.failures / c.requests : null);

/**
 * What the live view polls: state, the steps this party may take now (the page shows only their
 * buttons), progress, the history, and the migration's timeline as the coordinator keeps it.
 */
export function liveData(
  m: Migration,
  traffic: Traffic | null,
  points: TimelinePoint[],
  steps: string[],
  scheduleActions: ScheduleAction[],
  names: { a: string; b: string },
  now: number,
) {
  return {
    id: m.id,
    state: m.state,
    terminal: TERMINAL_STATES.includes(m.state),
    steps,
    scheduleActions,
    traffic: trafficLine(m, traffic),
    progress: m.progress.percent,
    deployment: `${m.deployment.succeeded} of ${m.deployment.tasks} servers deployed${m.deployment.failed ? `, ${m.deployment.failed} failed` : ''}`,
    events: m.history.map((h) => ({ at: h.at, by: h.by.kind, label: transitionLabel(h) })),
    names,
    now,
    points: points.map((p) => ({
      at: p.at,
      state: p.state,
      migrated: p.migratedPercent / 100,
      shareB: p.percentB === null ? null : p.percentB / 100,
      errorRateA: rate(p.calls.a),
      errorRateB: rate(p.calls.b),
    })),
  };
}

export type MigrationTask = z.infer<typeof MigrationTaskSchema>;

/** Deployment per server: each agent task of the migration (the server masked for all but the operator). */
export const DeploymentTable: FC<{ tasks: MigrationTask[] }> = ({ tasks }) => (
  <Section title="Deployment per server">
    {tasks.length === 0 ? (
      <Notice>No agent tasks yet: they are created when the migration is accepted.</Notice>
    ) : (
      <table data-table="deployment">
        <thead>
          <tr>
            <th>Server</th>
            <th>Task</th>
            <th>Modules</th>
            <th>State</th>
            <th class="num">Attempts</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr data-task={t.id} data-kind={t.kind === 'deploy_platform_modules' ? 'deploy' : 'remove'} data-state={t.state}>
              <td class="mono" title={t.serverId ? (t.lastError ?? '') : 'a hardware ID minted for you; no permanent identifier'}>
                {t.serverId ?? `…${(t.hardwareId ?? '').slice(-12)}`}
              </td>
              <td>{t.kind === 'deploy_platform_modules' ? 'deploy' : 'remove'}</td>
              <td>{t.modules.map((x) => `${x.name}@${x.version}`).join(', ')}</td>
              <td>
                <StateBadge state={t.state} />
              </td>
              <td class="num">{String(t.attempts)}</td>
              <td>{when(t.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </Section>
);

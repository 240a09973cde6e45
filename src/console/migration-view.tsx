/** Migration pieces shared by the customer's and the provider's pages: list, live view, poll data. */
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { PrincipalKind } from '../auth/principal';
import { CONSOLE_POLL_MS } from '../constants';
import type { MigrationSchema } from '../migrations/schema';
import type { TrafficSchema } from '../sbc/schema';
import { ActionButton, Notice, Section, when } from './layout';

export type Migration = z.infer<typeof MigrationSchema>;
export type Traffic = z.infer<typeof TrafficSchema>;

const TERMINAL = new Set(['completed', 'rolled_back', 'cancelled', 'failed']);
const BADGE: Record<string, string> = { completed: 'ok', rolled_back: 'warn', cancelled: 'warn', failed: 'bad' };

export const StateBadge: FC<{ state: string }> = ({ state }) => <span class={`badge ${BADGE[state] ?? ''}`}>{state.replace(/_/g, ' ')}</span>;

/** Every steering step, in the order the live view draws their buttons. */
export const STEPS = ['approve', 'accept', 'pause', 'resume', 'rollback', 'cancel'] as const;

/** The steps a party may try in the migration's current state (the API has the last word). */
export function stepsFor(m: Migration, kind: PrincipalKind, me: string): string[] {
  const steps: string[] = [];
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

export const MigrationTable: FC<{ items: Migration[]; base: string; platformName: (id: string) => string }> = ({ items, base, platformName }) =>
  items.length === 0 ? (
    <Notice>No migrations yet.</Notice>
  ) : (
    <table data-table="migrations">
      <thead>
        <tr>
          <th>Migration</th>
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

export const LiveMigration: FC<{ m: Migration; base: string; csrf: string; steps: string[]; platformName: (id: string) => string }> = ({ m, base, csrf, steps, platformName }) => (
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
        <dd data-field="traffic">—</dd>
        <dt>Scope</dt>
        <dd>{`data stays within the same ${m.scope}`}</dd>
        <dt>Started by</dt>
        <dd>{`${m.initiatedBy.kind} · ${when(m.createdAt)}`}</dd>
      </dl>
    </Section>
    <div class="grid2">
      <Section title="Data migrated and traffic split">
        <svg class="chart" viewBox="0 0 640 240" role="img" aria-label="Migration chart"></svg>
        <p class="muted">
          Blue: share of the data migrated. Green and grey: share of end-user sessions the session border controller sends to platform B and A. Dashed red: their error rates (right axis).
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
  </div>
);

function transitionLabel(h: Migration['history'][number]): string {
  return `${h.from ? `${h.from.replace(/_/g, ' ')} → ` : ''}${h.to.replace(/_/g, ' ')}${h.reason ? ` (${h.reason})` : ''}`;
}

/** One line on how the SBC shares sessions: following the data, or where a step schedule stands. */
export function trafficLine(traffic: Traffic | null): string {
  if (!traffic?.b) return 'All sessions on the current platform';
  const share = `${traffic.percentB}% of sessions on the new platform`;
  const s = traffic.schedule;
  if (traffic.mode !== 'schedule' || !s) return `${share}, following the data migrated`;
  const step = `step ${s.currentStep + 1} of ${s.steps.length} (${s.steps[s.currentStep]?.weight ?? 0}%)`;
  const next = s.nextStepAt ? `, next step ${when(s.nextStepAt)}` : '';
  return `${share}; schedule ${step}, ${s.status.replace(/_/g, ' ')}${next}`;
}

/** Errors per request over the SBC's current window for one platform; null without requests. */
function errorRate(traffic: Traffic, platformId: string | undefined): number | null {
  const counts = platformId ? traffic.window[platformId] : undefined;
  return counts && counts.requests > 0 ? counts.errors / counts.requests : null;
}

/**
 * What the live view polls: state, the steps this party may take now (the page shows only their
 * buttons), progress, the timeline and chart samples (with the SBC's split when it has one).
 */
export function liveData(m: Migration, traffic: Traffic | null, steps: string[], now: number) {
  const migrated = m.progress.percent / 100;
  const split = traffic
    ? { weightB: traffic.weightB / 10_000, errorRateA: errorRate(traffic, traffic.a?.platformId), errorRateB: errorRate(traffic, traffic.b?.platformId) }
    : { weightB: null, errorRateA: null, errorRateB: null };
  return {
    id: m.id,
    state: m.state,
    terminal: TERMINAL.has(m.state),
    steps,
    traffic: trafficLine(traffic),
    progress: m.progress.percent,
    deployment: `${m.deployment.succeeded} of ${m.deployment.tasks} servers deployed${m.deployment.failed ? `, ${m.deployment.failed} failed` : ''}`,
    events: m.history.map((h) => ({ at: h.at, by: h.by.kind, label: transitionLabel(h) })),
    samples: [
      { at: m.createdAt, migrated: 0, weightB: null, errorRateA: null, errorRateB: null },
      { at: m.lastProgressAt, migrated, weightB: null, errorRateA: null, errorRateB: null },
      { at: now, migrated, ...split },
    ],
  };
}

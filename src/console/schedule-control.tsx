/** The customer's control of the traffic schedule (canary steps of B's share) in the live migration view. */
import type { FC } from 'hono/jsx';
import type { PrincipalKind } from '../auth/principal';
import { CsrfField, Section } from './layout';
import type { Migration, Traffic } from './migration-view';

/** What the customer can do to the traffic schedule (canary steps of B's share). */
export const SCHEDULE_ACTIONS = ['set', 'pause', 'resume', 'clear'] as const;
export type ScheduleAction = (typeof SCHEDULE_ACTIONS)[number];

/** A canary schedule to start from: the README's steps. */
export const CANARY = [
  { weight: 1, pauseSeconds: 300 },
  { weight: 5, pauseSeconds: 600 },
  { weight: 25, pauseSeconds: 900 },
  { weight: 50, pauseSeconds: 900 },
  { weight: 100, pauseSeconds: 300 },
];
/** Rows the schedule form offers (empty ones are ignored). */
const SCHEDULE_FORM_ROWS = 8;

const ScheduleButton: FC<{ action: string; csrf: string; name: ScheduleAction; label: string; hidden: boolean }> = ({ action, csrf, name, label, hidden }) => (
  <form method="post" action={`${action}/${name}`} hidden={hidden}>
    <CsrfField token={csrf} />
    <button type="submit" class="secondary" data-schedule={name}>
      {label}
    </button>
  </form>
);

/**
 * The customer's control of how fast its end users meet platform B: canary steps (B's share and how
 * long it holds), capped by the data migrated; pause, resume, or clear (back to following the data).
 */
export const ScheduleControl: FC<{ action: string; csrf: string; actions: ScheduleAction[]; steps: { weight: number; pauseSeconds: number }[] }> = ({ action, csrf, actions, steps }) => (
  <Section
    title="End-user traffic schedule"
    aside={
      <div class="controls">
        <ScheduleButton action={action} csrf={csrf} name="pause" label="Pause schedule" hidden={!actions.includes('pause')} />
        <ScheduleButton action={action} csrf={csrf} name="resume" label="Resume schedule" hidden={!actions.includes('resume')} />
        <ScheduleButton action={action} csrf={csrf} name="clear" label="Clear schedule" hidden={!actions.includes('clear')} />
      </div>
    }
  >
    <p class="muted">
      Once platform B is deployed you decide how fast end users meet it: each step holds a share of sessions on B for a while before the next one; B never gets more than
      the data migrated, the share never goes down, and the cutover waits for the last step. Clear the schedule to let B’s share follow the data migrated.
    </p>
    <form method="post" action={`${action}/set`} data-schedule-form hidden={!actions.includes('set')}>
      <CsrfField token={csrf} />
      <table class="steps">
        <thead>
          <tr>
            <th>Step</th>
            <th>Sessions on B (%)</th>
            <th>Hold for (seconds)</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: SCHEDULE_FORM_ROWS }, (_, i) => (
            <tr>
              <td>{String(i + 1)}</td>
              <td>
                <input type="number" name="weight" min="0" max="100" value={steps[i] ? String(steps[i].weight) : ''} aria-label={`Step ${i + 1}: percent of sessions on B`} />
              </td>
              <td>
                <input type="number" name="pause" min="0" value={steps[i] ? String(steps[i].pauseSeconds) : ''} aria-label={`Step ${i + 1}: seconds to hold`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button type="submit" class="primary" data-schedule="set">
          Set schedule
        </button>
      </p>
    </form>
  </Section>
);

/** What the customer may do to the traffic schedule now (the API has the last word). */
export function scheduleActionsFor(m: Migration, traffic: Traffic | null, kind: PrincipalKind): ScheduleAction[] {
  if (kind !== 'customer' || !traffic?.b || traffic.migrationId !== m.id || (m.state !== 'migrating' && m.state !== 'paused')) return [];
  const s = traffic.schedule;
  if (!s) return ['set'];
  if (s.status === 'finished') return ['set', 'clear'];
  return ['set', s.status === 'paused' ? 'resume' : 'pause', 'clear'];
}

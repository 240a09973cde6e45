/**
 * The migration lifecycle as data: states, who may steer, and from which states. Pure: the
 * coordinator asks `decide` and records what it answers.
 *
 *   requested → awaiting_consent → deploying → migrating → cutting_over → completed
 *   deploying | migrating ⇄ paused;  deploying | migrating | paused → rolling_back → rolled_back
 *   requested | awaiting_consent | deploying | paused (before migrating) → cancelled
 *   deploying → failed (a deployment task ran out of attempts)
 */
import { type Actor, type ActorKind, type MigrationState, type SteeringAction } from '../lib/lifecycle';
import type { WebhookEventType } from '../webhooks/events';

/** What `decide` needs to know about a migration. */
export interface Parties {
  state: MigrationState;
  pausedFrom: MigrationState | null;
  customerId: string;
  targetProviderId: string;
  initiatorKind: ActorKind;
}

export type Decision = { ok: true; to: MigrationState } | { ok: false; status: 403 | 409; detail: string };

type Role = 'customer' | 'target';

function roleOf(m: Parties, actor: Actor): Role | null {
  if (actor.kind === 'customer' && actor.id === m.customerId) return 'customer';
  if (actor.kind === 'provider' && actor.id === m.targetProviderId) return 'target';
  return null;
}

const refuse = (status: 403 | 409, detail: string): Decision => ({ ok: false, status, detail });
const stateRefusal = (action: string, m: Parties) => refuse(409, `Cannot ${action} a migration that is ${m.state.replace('_', ' ')}.`);

/** Whether `actor` may take `action` on `m` now, and the state it leads to. Role is checked before state. */
export function decide(m: Parties, action: SteeringAction | 'progress', actor: Actor): Decision {
  const role = roleOf(m, actor);
  switch (action) {
    case 'accept':
      if (role !== 'target') return refuse(403, 'Only the target provider accepts a migration.');
      if (m.initiatorKind !== 'customer') return refuse(403, 'You started this migration; the customer approves it.');
      return m.state === 'awaiting_consent' ? { ok: true, to: 'deploying' } : stateRefusal(action, m);
    case 'approve':
      if (role !== 'customer') return refuse(403, 'Only the customer approves a migration.');
      if (m.initiatorKind === 'customer') return refuse(403, 'You started this migration; the target provider accepts it.');
      return m.state === 'awaiting_consent' ? { ok: true, to: 'deploying' } : stateRefusal(action, m);
    case 'progress':
      if (role !== 'target') return refuse(403, 'Only the target provider reports progress.');
      return m.state === 'migrating' ? { ok: true, to: 'migrating' } : stateRefusal('report progress on', m);
    case 'pause':
      if (!role) return refuse(403, 'Only the customer or the target provider steers a migration.');
      return m.state === 'deploying' || m.state === 'migrating' ? { ok: true, to: 'paused' } : stateRefusal(action, m);
    case 'resume':
      if (!role) return refuse(403, 'Only the customer or the target provider steers a migration.');
      return m.state === 'paused' && m.pausedFrom ? { ok: true, to: m.pausedFrom } : stateRefusal(action, m);
    case 'rollback':
      if (!role) return refuse(403, 'Only the customer or the target provider steers a migration.');
      return m.state === 'deploying' || m.state === 'migrating' || m.state === 'paused' ? { ok: true, to: 'rolling_back' } : stateRefusal('roll back', m);
    case 'cancel': {
      if (!role) return refuse(403, 'Only the customer or the target provider steers a migration.');
      const beforeData = m.state === 'requested' || m.state === 'awaiting_consent' || m.state === 'deploying';
      if (beforeData || (m.state === 'paused' && m.pausedFrom === 'deploying')) return { ok: true, to: 'cancelled' };
      return m.state === 'migrating' || m.state === 'paused' ? refuse(409, 'Data is already moving; roll the migration back instead.') : stateRefusal(action, m);
    }
  }
}

/** The webhook events a transition emits, in order. */
export function transitionEvents(from: MigrationState | null, to: MigrationState, consent: 'accepted' | 'approved' | null): WebhookEventType[] {
  if (from === null) return ['migration.requested'];
  if (from === 'paused' && to !== 'rolling_back' && to !== 'cancelled') return ['migration.resumed'];
  switch (to) {
    case 'deploying':
      return [`migration.${consent ?? 'accepted'}`, 'platform.deploying'];
    case 'migrating':
      return ['platform.deployed'];
    default:
      return [`migration.${to}`];
  }
}

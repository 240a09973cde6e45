/**
 * The migration lifecycle's vocabulary, shared by every folder that records or reports a
 * migration (migrations, sbc, webhooks, console): its states, who acts, and the steering actions.
 * The rules over them are src/migrations/lifecycle.ts.
 */

export const MIGRATION_STATES = [
  'requested',
  'awaiting_consent',
  'deploying',
  'migrating',
  'cutting_over',
  'completed',
  'paused',
  'rolling_back',
  'rolled_back',
  'cancelled',
  'failed',
] as const;
export type MigrationState = (typeof MIGRATION_STATES)[number];

export const TERMINAL_STATES: readonly MigrationState[] = ['completed', 'rolled_back', 'cancelled', 'failed'];
export const ACTIVE_STATES: readonly MigrationState[] = MIGRATION_STATES.filter((s) => !TERMINAL_STATES.includes(s));
/** The target provider may reach the customer's data (storage addresses and credentials). */
export const STORAGE_OPEN_STATES: readonly MigrationState[] = ['deploying', 'migrating', 'paused', 'cutting_over'];
/** A migration quiet in these for too long is reported stalled. */
export const STALLABLE_STATES: readonly MigrationState[] = ['deploying', 'migrating', 'cutting_over'];
/** The migration ends (or is ending) without platform B: every session goes back to A. */
export const WITHOUT_B_STATES: readonly MigrationState[] = ['rolling_back', 'rolled_back', 'cancelled', 'failed'];

export type ActorKind = 'customer' | 'provider' | 'operator' | 'agent' | 'system';
export interface Actor {
  id: string;
  kind: ActorKind;
}

export const SYSTEM: Actor = { id: 'system', kind: 'system' };

export const STEERING_ACTIONS = ['accept', 'approve', 'pause', 'resume', 'rollback', 'cancel'] as const;
export type SteeringAction = (typeof STEERING_ACTIONS)[number];

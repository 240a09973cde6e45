/**
 * The migration lifecycle's vocabulary, shared by every folder that records or reports a
 * migration (migrations, sbc, webhooks, console): its states, who acts, and the steering actions,
 * and the states of what a migration drives (agent tasks, the traffic schedule, webhook
 * deliveries). The rules over them are src/migrations/lifecycle.ts.
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

const TERMINAL = ['completed', 'rolled_back', 'cancelled', 'failed'] as const satisfies readonly MigrationState[];
/** The state a migration ended in (a removal task names it as its reason). */
export type TerminalState = (typeof TERMINAL)[number];
export const TERMINAL_STATES: readonly MigrationState[] = TERMINAL;
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

/** What an agent task does: deploy the target platform's modules, or remove a platform's. */
export const TASK_KINDS = ['deploy_platform_modules', 'remove_platform_modules'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** An agent task's states; a pending or leased task may still run. */
export const TASK_STATES = ['pending', 'leased', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const OPEN_TASK_STATES = ['pending', 'leased'] as const satisfies readonly TaskState[];

/** The traffic schedule's status (src/sbc/schedule.ts). */
export const SCHEDULE_STATUSES = ['running', 'waiting_for_data', 'paused', 'migration_paused', 'finished'] as const;
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];

/** A webhook delivery's states: to be tried (again), answered with a 2xx, given up. */
export const DELIVERY_STATES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

import { z } from '@hono/zod-openapi';
import { TASK_MAX_ATTEMPTS } from '../constants';
import { text } from '../http/text';
import { TASK_KINDS, TASK_STATES, TERMINAL_STATES } from '../lib/lifecycle';

export const TaskResultBody = z
  .discriminatedUnion('outcome', [
    z.strictObject({ attempt: z.number().int().min(1).max(TASK_MAX_ATTEMPTS), outcome: z.literal('succeeded') }),
    z.strictObject({
      attempt: z.number().int().min(1).max(TASK_MAX_ATTEMPTS),
      outcome: z.literal('failed'),
      error: text({ max: 1000, multiline: true }).openapi({ description: 'What went wrong, for the operator' }),
    }),
  ])
  .openapi('AgentTaskResult');

const ModuleRef = z.object({ name: z.string(), version: z.string(), artifactUrl: z.string(), sha256: z.string() });

const DeployPayloadSchema = z.object({
  kind: z.literal('deploy_platform_modules'),
  migrationId: z.string(),
  platformId: z.string(),
  modules: z.array(ModuleRef).openapi({ description: 'Artifacts to install; verify each against its sha256' }),
  storageAddress: z.string().openapi({ description: 'Where the customer’s data on this server is reached' }),
});

const RemovePayloadSchema = z.object({
  kind: z.literal('remove_platform_modules'),
  migrationId: z.string(),
  platformId: z.string(),
  modules: z.array(z.object({ name: z.string(), version: z.string() })).openapi({ description: 'Modules to remove: run each one’s `remove`, then delete it' }),
  storageAddress: z.string(),
  reason: z.enum(TERMINAL_STATES).openapi({
    description: 'The target platform’s modules go after a rollback, cancel or failure; the source platform’s after completion',
  }),
});

export const AgentTaskSchema = z
  .object({
    id: z.string().openapi({ example: 'tsk_Yq3vN0cR8mZt1pLw' }),
    kind: z.enum(TASK_KINDS),
    attempt: z.number().int().openapi({ description: 'Quote it in the result; a reclaimed attempt can no longer report' }),
    leaseExpiresAt: z.number().int().openapi({ description: 'Report before this (epoch ms) or the task is offered again' }),
    payload: z.discriminatedUnion('kind', [DeployPayloadSchema, RemovePayloadSchema]),
  })
  .openapi('AgentTask');

/** A task as the operator sees it on one server (GET /v1/agent/tasks?serverId=). */
export const ServerTaskSchema = z
  .object({
    id: z.string(),
    kind: z.enum(TASK_KINDS),
    migrationId: z.string(),
    customerId: z.string(),
    serverId: z.string(),
    state: z.enum(TASK_STATES),
    attempts: z.number().int(),
    lastError: z.string().nullable().openapi({ description: 'The last failed attempt’s reason and output tail, as the agent reported it' }),
    updatedAt: z.number().int(),
  })
  .openapi('ServerTask');

/** A migration's task on one server: the operator sees the server id, the other parties a hardware ID minted for them. */
export const MigrationTaskSchema = z
  .object({
    id: z.string(),
    kind: z.enum(TASK_KINDS),
    serverId: z.string().optional().openapi({ description: 'Operator only' }),
    hardwareId: z.string().optional().openapi({ description: 'Customer and providers: a masked hardware ID of the server (scope server), minted for you by this request' }),
    platformId: z.string(),
    modules: z.array(z.object({ name: z.string(), version: z.string() })),
    state: z.enum(TASK_STATES),
    attempts: z.number().int(),
    lastError: z.string().nullable().optional().openapi({ description: 'Operator only' }),
    updatedAt: z.number().int(),
  })
  .openapi('MigrationTask');

export const TaskStateSchema = z
  .object({
    id: z.string(),
    state: z.enum(TASK_STATES).openapi({ description: '`pending` after a failed attempt that will be retried' }),
    attempts: z.number().int(),
  })
  .openapi('AgentTaskState');

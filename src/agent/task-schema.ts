import { z } from '@hono/zod-openapi';
import { TASK_MAX_ATTEMPTS } from '../constants';
import { text } from '../http/text';

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

export const AgentTaskSchema = z
  .object({
    id: z.string().openapi({ example: 'tsk_Yq3vN0cR8mZt1pLw' }),
    kind: z.literal('deploy_platform_modules'),
    attempt: z.number().int().openapi({ description: 'Quote it in the result; a reclaimed attempt can no longer report' }),
    leaseExpiresAt: z.number().int().openapi({ description: 'Report before this (epoch ms) or the task is offered again' }),
    payload: z.object({
      kind: z.literal('deploy_platform_modules'),
      migrationId: z.string(),
      platformId: z.string(),
      modules: z.array(ModuleRef).openapi({ description: 'Artifacts to install; verify each against its sha256' }),
      storageAddress: z.string().openapi({ description: 'Where the customer’s data on this server is reached' }),
    }),
  })
  .openapi('AgentTask');

export const TaskStateSchema = z
  .object({
    id: z.string(),
    state: z.enum(['pending', 'leased', 'succeeded', 'failed', 'cancelled']).openapi({ description: '`pending` after a failed attempt that will be retried' }),
    attempts: z.number().int(),
  })
  .openapi('AgentTaskState');

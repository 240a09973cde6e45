import { createRoute, z } from '@hono/zod-openapi';
import { allow } from '../auth/middleware';
import { TASKS_PER_POLL } from '../constants';
import { getDb } from '../db';
import { AUTHED, bearerSecurity, createRouter, jsonBody, jsonResponse, problemResponses } from '../http/openapi';
import { problems } from '../http/problem';
import { coordinatorFor } from '../migrations/coordinator-client';
import { unwrap } from '../migrations/outcome';
import { customersWithPendingTasks, taskCustomer } from './task-index';
import { AgentTaskSchema, TaskResultBody, TaskStateSchema } from './task-schema';
import type { LeasedTask } from './tasks';

export const agentTasksRouter = createRouter();

function serverOf(serverId: string | null): string {
  if (!serverId) throw problems.forbidden('This agent key is not bound to a server.');
  return serverId;
}

agentTasksRouter.openapi(
  createRoute({
    method: 'get',
    path: '/v1/agent/tasks',
    tags: ['Agent'],
    summary: 'Take the deployment tasks for your server (agent); each comes leased to you for one attempt',
    security: bearerSecurity,
    middleware: [allow('agent')],
    responses: { 200: jsonResponse(z.object({ items: z.array(AgentTaskSchema) }), 'Tasks leased to you (possibly none)'), ...problemResponses(...AUTHED) },
  }),
  async (c) => {
    const serverId = serverOf(c.get('principal').serverId);
    const items: LeasedTask[] = [];
    for (const customerId of await customersWithPendingTasks(getDb(c.env.DB), serverId, TASKS_PER_POLL)) {
      if (items.length >= TASKS_PER_POLL) break;
      items.push(...(await coordinatorFor(c.env, customerId).pollTasks(serverId, TASKS_PER_POLL - items.length)));
    }
    return c.json({ items }, 200);
  },
);

agentTasksRouter.openapi(
  createRoute({
    method: 'post',
    path: '/v1/agent/tasks/{id}/result',
    tags: ['Agent'],
    summary: 'Report the outcome of the attempt you hold (agent); failures are retried a bounded number of times',
    security: bearerSecurity,
    middleware: [allow('agent')],
    request: { params: z.object({ id: z.string().max(100) }), body: jsonBody(TaskResultBody) },
    responses: { 200: jsonResponse(TaskStateSchema, 'The task after the report'), ...problemResponses(...AUTHED, 404, 409) },
  }),
  async (c) => {
    const serverId = serverOf(c.get('principal').serverId);
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const customerId = await taskCustomer(getDb(c.env.DB), id, serverId);
    if (!customerId) throw problems.notFound('task');
    const report = body.outcome === 'succeeded' ? { outcome: body.outcome } : { outcome: body.outcome, error: body.error };
    return c.json(unwrap(await coordinatorFor(c.env, customerId).taskResult(id, serverId, body.attempt, report)), 200);
  },
);

import { z } from '@hono/zod-openapi';
import { authedRoute } from '../auth/route';
import { TASKS_PER_POLL } from '../constants';
import { cursorOf, getDb } from '../db';
import { createRouter, IdParams, jsonBody, jsonResponse, listPage, PageQuery } from '../http/openapi';
import { problems } from '../http/problem';
import { coordinatorFor } from '../lib/coordinator';
import { unwrap } from '../http/outcome';
import { UnitId } from '../inventory/schema';
import { customersWithPendingTasks, taskCustomer, tasksOfServer } from './task-index';
import { AgentTaskSchema, ServerTaskSchema, TaskResultBody, TaskStateSchema } from './task-schema';
import type { LeasedTask } from './tasks';

export const agentTasksRouter = createRouter();

function serverOf(serverId: string | null): string {
  if (!serverId) throw problems.forbidden('This agent key is not bound to a server.');
  return serverId;
}

agentTasksRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/agent/tasks',
    tags: ['Agents'],
    summary: 'Agent: take your server’s tasks, each leased to you for one attempt. Operator: one server’s tasks (`serverId`), of every customer',
    description:
      'An agent gets deployment tasks while their migration deploys and removal tasks whenever they are due; asking leases them. The operator’s listing leases nothing: it pages through the task index of `serverId`, oldest change first.',
    allow: ['agent', 'operator'],
    request: { query: PageQuery.extend({ serverId: UnitId.optional().openapi({ description: 'Operator: the server whose tasks to list (required)' }) }) },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(z.union([AgentTaskSchema, ServerTaskSchema])), nextCursor: z.string().nullable().optional() }),
        'Agent: tasks leased to you (possibly none). Operator: a page of the server’s tasks',
      ),
    },
  }),
  async (c) => {
    const me = c.get('principal');
    const db = getDb(c.env.DB);
    if (me.kind === 'operator') {
      const { serverId, ...query } = c.req.valid('query');
      if (!serverId) throw problems.validation([{ field: 'query.serverId', message: 'required for the operator' }]);
      const page = await listPage(query, (_, limit, after) => tasksOfServer(db, serverId, limit, after), (t) => cursorOf(t.updatedAt, t.id), (rows) => rows.map(({ version: _version, ...t }) => t));
      return c.json(page, 200);
    }
    const serverId = serverOf(me.serverId);
    const items: LeasedTask[] = [];
    for (const customerId of await customersWithPendingTasks(db, serverId, TASKS_PER_POLL)) {
      if (items.length >= TASKS_PER_POLL) break;
      items.push(...(await coordinatorFor(c.env, customerId).pollTasks(serverId, TASKS_PER_POLL - items.length)));
    }
    return c.json({ items }, 200);
  },
);

agentTasksRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/agent/tasks/{id}/result',
    tags: ['Agents'],
    summary: 'Report the outcome of the attempt you hold (agent); failures are retried a bounded number of times',
    allow: ['agent'],
    request: { params: IdParams, body: jsonBody(TaskResultBody) },
    problems: [404, 409],
    responses: { 200: jsonResponse(TaskStateSchema, 'The task after the report') },
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

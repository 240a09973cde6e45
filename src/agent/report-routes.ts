import { authedRoute } from '../auth/route';
import { cursorOf, getDb } from '../db';
import { createRouter, jsonBody, jsonResponse, listPage, PageQuery, pageSchema } from '../http/openapi';
import { problems } from '../http/problem';
import { UnitId } from '../inventory/schema';
import { listFlags } from './flags';
import { recordAgentReport } from './report';
import { AgentFlagSchema, AgentReportBody, AgentReportResult } from './report-schema';

export const agentReportRouter = createRouter();

agentReportRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/agent/report',
    tags: ['Agents'],
    summary: 'Report what the agent observes of its server: identity and properties (agent key)',
    description:
      'Identity that differs from the record is flagged for the operator and never overwrites it (nothing is written then). Otherwise changed properties update the server, and its compatibility is recomputed.',
    allow: ['agent'],
    request: { body: jsonBody(AgentReportBody) },
    problems: [404, 409],
    responses: { 200: jsonResponse(AgentReportResult, 'What matched, what was flagged, what changed') },
  }),
  async (c) => {
    const { serverId } = c.get('principal');
    if (!serverId) throw problems.forbidden('This key is not bound to a server.');
    return c.json(await recordAgentReport(getDb(c.env.DB), c.env.RECOMPUTE, serverId, c.req.valid('json'), c.get('requestId')), 200);
  },
);

agentReportRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/agent/flags',
    tags: ['Agents'],
    summary: 'Identity mismatches agents reported, for the operator to look into',
    allow: ['operator'],
    request: { query: PageQuery.extend({ serverId: UnitId.optional() }) },
    responses: { 200: jsonResponse(pageSchema(AgentFlagSchema), 'A page of flags') },
  }),
  async (c) => c.json(await listPage(c.req.valid('query'), (filter, limit, after) => listFlags(getDb(c.env.DB), filter, limit, after), (f) => cursorOf(f.firstSeenAt, f.id)), 200),
);

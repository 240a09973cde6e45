import type { z } from '@hono/zod-openapi';
import { recomputeForServers } from '../compatibility/recompute';
import type { Db } from '../db';
import { problems } from '../http/problem';
import { applyObservedProperties, getServer } from '../inventory/store';
import { flagMismatches, type Mismatch } from './flags';
import { IDENTITY_FIELDS, type AgentReportBody, type AgentReportResult } from './report-schema';

/**
 * An agent's report on its own server. The recorded identity is the reference: any difference is
 * flagged for the operator and nothing is written to the server, since the report may come from
 * another machine. When the identity matches, changed properties are written (moving the server's
 * `updated_at`) and the server's compatibility is recomputed.
 */
export async function recordAgentReport(db: Db, serverId: string, report: z.infer<typeof AgentReportBody>): Promise<z.infer<typeof AgentReportResult>> {
  const server = await getServer(db, serverId);
  if (!server) throw problems.notFound('server');
  const mismatches: Mismatch[] = [];
  for (const field of IDENTITY_FIELDS) {
    const observed = report.identity[field];
    if (observed !== undefined && observed !== server.identity[field]) mismatches.push({ field, recorded: server.identity[field], observed });
  }
  if (mismatches.length) {
    await flagMismatches(db, serverId, mismatches);
    console.log(JSON.stringify({ level: 'warn', event: 'agent.identity-mismatch', serverId, fields: mismatches.map((m) => m.field) }));
    return { identity: { matches: false, mismatched: mismatches.map((m) => m.field) }, properties: { applied: false, changed: [] } };
  }
  const { changed } = await applyObservedProperties(db, server, report.properties);
  if (changed.length) await recomputeForServers(db, [serverId]);
  return { identity: { matches: true, mismatched: [] }, properties: { applied: true, changed } };
}

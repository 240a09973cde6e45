import type { z } from '@hono/zod-openapi';
import { serversChanged } from '../compatibility/recompute';
import type { RecomputeMessage } from '../compatibility/queue';
import type { Db } from '../db';
import { problems } from '../http/problem';
import { applyObservedProperties, getServer, type ServerRecord } from '../inventory/store';
import { flagMismatches, type Mismatch } from './flags';
import { IDENTITY_FIELDS, type AgentReportBody, type AgentReportResult, type CapacityField, type IdentityField } from './report-schema';
import { log } from '../lib/log';

/**
 * An agent's report on its own server. The recorded identity is the reference: any difference is
 * flagged for the operator and nothing is written to the server, since the report may come from
 * another machine. When the identity matches, changed properties are written (moving the server's
 * `updated_at`) and the server's compatibility is recomputed (on the queue). Capacity reported below what is
 * allocated is still the server's truth: it is written, flagged for the operator, and free capacity
 * shows as zero (never negative) until the operator moves placements.
 */
export async function recordAgentReport(
  db: Db,
  queue: Queue<RecomputeMessage>,
  serverId: string,
  report: z.infer<typeof AgentReportBody>,
  requestId: string,
): Promise<z.infer<typeof AgentReportResult>> {
  const server = await getServer(db, serverId);
  if (!server) throw problems.notFound('server');
  const mismatches: Mismatch<IdentityField>[] = [];
  for (const field of IDENTITY_FIELDS) {
    const observed = report.identity[field];
    if (observed !== undefined && observed !== server.identity[field]) mismatches.push({ field, recorded: server.identity[field], observed });
  }
  if (mismatches.length) {
    await flagMismatches(db, serverId, mismatches);
    log('warn', 'agent.identity-mismatch', { requestId, serverId, fields: mismatches.map((m) => m.field) });
    return { identity: { matches: false, mismatched: mismatches.map((m) => m.field) }, properties: { applied: false, changed: [], overAllocated: [] } };
  }
  const { changed } = await applyObservedProperties(db, server, report.properties);
  const over = overAllocations(server, report.properties);
  if (over.length) {
    await flagMismatches(db, serverId, over);
    log('warn', 'agent.over-allocation', { requestId, serverId, fields: over.map((m) => m.field) });
  }
  if (changed.length) await serversChanged(db, queue, [serverId]);
  return { identity: { matches: true, mismatched: [] }, properties: { applied: true, changed, overAllocated: over.map((m) => m.field) } };
}

function overAllocations(server: ServerRecord, observed: z.infer<typeof AgentReportBody>['properties']): Mismatch<CapacityField>[] {
  const { coresAllocated, memoryAllocatedGib } = server.capacity;
  const found: Mismatch<CapacityField>[] = [];
  if (observed.cores !== undefined && observed.cores < coresAllocated) found.push({ field: 'cores', recorded: String(coresAllocated), observed: String(observed.cores) });
  if (observed.memoryGib !== undefined && observed.memoryGib < memoryAllocatedGib)
    found.push({ field: 'memoryGib', recorded: String(memoryAllocatedGib), observed: String(observed.memoryGib) });
  return found;
}

/** `GET|PUT /v1/migrations/{id}/analysis`: how the SBC judges platform B for one migration. */
import { authedRoute } from '../auth/route';
import { SBC_ANALYSIS_DEFAULTS } from '../constants';
import { getDb } from '../db';
import type { Env } from '../env';
import { createRouter, IdParams, jsonBody, jsonResponse } from '../http/openapi';
import { problems } from '../http/problem';
import { coordinatorFor } from '../lib/coordinator';
import { unwrap } from '../http/outcome';
import { getMigrationRow, isParty } from './read-model';
import type { AnalysisSettings } from '../sbc/analysis';
import type { AnalysisReport } from '../sbc/desk';
import { flush } from '../sbc/outcomes';
import { AnalysisSchema, AnalysisSettingsBody } from '../sbc/schema';

export const analysisRouter = createRouter();

const PATH = '/v1/migrations/{id}/analysis';
const TAGS = ['Session border controller'];
const DOC =
  'Only the platform can fail this analysis: 5xx answers and upstream transport failures count; 4xx answers and a client’s own aborted or oversized body never do. ' +
  'Each client (CF-Connecting-IP; an IPv6 client by its /64) adds at most a few outcomes per side and window. ' +
  'B breaches when its failure rate exceeds A’s over the same window by more than `threshold`, significantly, with `minCalls` counted B outcomes and failures from `minClients` distinct clients and as many distinct sessions; then the migration rolls back or pauses (`action`).';

/** The migration's customer id, if the caller `may` see it; 404 otherwise (nothing says it exists). */
async function customerOf(env: Env, id: string, may: (row: { customerId: string; sourceProviderId: string; targetProviderId: string }) => boolean): Promise<string> {
  const row = await getMigrationRow(getDb(env.DB), id);
  if (!row || !may(row)) throw problems.notFound('migration');
  return row.customerId;
}

function present(migrationId: string, r: AnalysisReport) {
  return { migrationId, settings: r.settings, defaults: r.setBy === null, setBy: r.setBy, setAt: r.setAt, verdict: r.verdict };
}

analysisRouter.openapi(
  authedRoute({
    method: 'get',
    path: PATH,
    tags: TAGS,
    summary: 'The migration’s traffic analysis: its settings and B’s verdict against A now (the parties)',
    description: DOC,
    request: { params: IdParams },
    problems: [404],
    responses: { 200: jsonResponse(AnalysisSchema, 'Settings and verdict') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const customerId = await customerOf(c.env, id, (row) => isParty(row, c.get('principal')));
    // What this isolate counted but has not reported yet is judged too.
    await flush(c.env, customerId);
    return c.json(present(id, unwrap(await coordinatorFor(c.env, customerId).analysis(id))), 200);
  },
);

analysisRouter.openapi(
  authedRoute({
    method: 'put',
    path: PATH,
    tags: TAGS,
    summary: 'Set the migration’s traffic analysis (the customer, the operator)',
    description: `${DOC} Settable while the migration is active (409 once it is over); omitted settings take their defaults; minClients above minCalls is refused (422). The providers read the settings but cannot change them (403).`,
    allow: ['customer', 'operator'],
    request: { params: IdParams, body: jsonBody(AnalysisSettingsBody) },
    problems: [404, 409, 422],
    responses: { 200: jsonResponse(AnalysisSchema, 'The settings now in force, and the verdict under them') },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const me = c.get('principal');
    const settings: AnalysisSettings = { ...SBC_ANALYSIS_DEFAULTS, ...c.req.valid('json') };
    if (settings.minClients > settings.minCalls)
      throw problems.unprocessable('Every failing client adds at least one counted call: minClients cannot exceed minCalls.', [
        { field: 'minClients', message: `at most minCalls (${settings.minCalls})` },
      ]);
    const customerId = await customerOf(c.env, id, (row) => me.kind === 'operator' || row.customerId === me.id);
    return c.json(present(id, unwrap(await coordinatorFor(c.env, customerId).setAnalysis(id, settings, { id: me.id, kind: me.kind }))), 200);
  },
);

import { z } from '@hono/zod-openapi';
import { SBC_ANALYSIS_BOUNDS as BOUNDS, SBC_ANALYSIS_DEFAULTS as DEFAULTS, SBC_BASELINE_MIN_CALLS, SBC_CLIENT_MAX_OUTCOMES, SBC_SCHEDULE_MAX_PAUSE_S, SBC_SCHEDULE_MAX_STEPS } from '../constants';
import { SCHEDULE_STATUSES } from '../lib/lifecycle';

export const CustomerIdParam = z
  .string()
  .regex(/^cus_[A-Za-z0-9_-]{16}$/, 'a customer id')
  .openapi({ example: 'cus_5mQ9x7d2Lk3P0aZb' });

const UpstreamSchema = z.object({ platformId: z.string(), providerId: z.string(), upstreamUrl: z.string() });
const CountsSchema = z.object({
  requests: z.number().int().openapi({ description: 'Every proxied call, whoever failed it' }),
  errors: z.number().int().openapi({ description: '5xx answers' }),
  upstreamFailures: z.number().int().openapi({ description: 'Calls the platform failed without an answer (refused, reset, timed out once it had the whole request); a client’s own broken or oversized body is not one' }),
  latencyMsSum: z.number().int(),
});

export const RouteQuery = z.object({
  customerId: CustomerIdParam,
  session: z.string().min(1).max(128).openapi({ description: 'The session key the external SBC tracks the call by' }),
});

export const RouteDecisionSchema = z
  .object({
    customerId: z.string(),
    session: z.string(),
    side: z.enum(['A', 'B']),
    platformId: z.string(),
    upstreamUrl: z.string(),
    weightB: z.number().int().openapi({ description: 'B’s share of sessions in basis points (10000 = all)' }),
    epoch: z.number().int(),
    bucket: z.number().int().openapi({ description: 'The session’s bucket in [0, 10000), a keyed hash only the service can compute: B when bucket < weightB' }),
  })
  .openapi('RouteDecision');

const ScheduleStepSchema = z.strictObject({
  weight: z.number().int().min(0).max(100).openapi({ description: 'Percent of sessions on platform B at this step', example: 5 }),
  pauseSeconds: z
    .number()
    .int()
    .min(0)
    .max(SBC_SCHEDULE_MAX_PAUSE_S)
    .openapi({ description: `How long B holds this share before the next step (after the last one: before the cutover); 0–${SBC_SCHEDULE_MAX_PAUSE_S}`, example: 600 }),
});

export const ScheduleBody = z
  .strictObject({
    steps: z
      .array(ScheduleStepSchema)
      .min(1)
      .max(SBC_SCHEDULE_MAX_STEPS)
      .openapi({
        description: `1–${SBC_SCHEDULE_MAX_STEPS} steps; weights strictly increasing, none below B’s current share, the last one 100 (otherwise 422 with the failing steps)`,
        example: [
          { weight: 1, pauseSeconds: 300 },
          { weight: 5, pauseSeconds: 600 },
          { weight: 25, pauseSeconds: 900 },
          { weight: 50, pauseSeconds: 900 },
          { weight: 100, pauseSeconds: 300 },
        ],
      }),
  })
  .openapi('TrafficScheduleRequest');

const ScheduleSchema = z.object({
  steps: z.array(ScheduleStepSchema),
  currentStep: z.number().int().openapi({ description: 'Index (from 0) of the step in force' }),
  status: z.enum(SCHEDULE_STATUSES).openapi({
    description:
      '`running`: B holds the step’s share and its pause runs; `waiting_for_data`: B’s share waits for the data migrated to reach the step; `paused`: held through the traffic API; `migration_paused`: the migration is paused; `finished`: the last step ran its pause (the cutover follows)',
  }),
  nextStepAt: z.number().int().nullable().openapi({ description: 'When the current step’s pause ends (ms since the epoch), while it runs; after the last step the migration cuts over' }),
  pauseLeftSeconds: z.number().int().openapi({ description: 'What is left of the current step’s pause' }),
  setBy: z.object({ id: z.string(), kind: z.string() }),
  setAt: z.number().int(),
});

export const TrafficSchema = z
  .object({
    customerId: z.string(),
    epoch: z.number().int(),
    weightB: z.number().int(),
    percentB: z.number(),
    a: UpstreamSchema.nullable(),
    b: UpstreamSchema.nullable(),
    migrationId: z.string().nullable(),
    mode: z.enum(['progress', 'schedule']).openapi({ description: '`progress`: B’s share follows the data migrated; `schedule`: explicit steps, capped by the data migrated' }),
    schedule: ScheduleSchema.nullable(),
    totals: z.record(z.string(), CountsSchema).openapi({ description: 'Per platform id, since the coordinator began counting' }),
    window: z.record(z.string(), CountsSchema).openapi({ description: 'Per platform id, over the current analysis window' }),
  })
  .openapi('Traffic');

export const AnalysisSettingsBody = z
  .strictObject({
    threshold: z
      .number()
      .min(BOUNDS.threshold.min)
      .max(BOUNDS.threshold.max)
      .optional()
      .openapi({ description: `How far B’s failure rate may exceed A’s over the window, as a share (${BOUNDS.threshold.min}–${BOUNDS.threshold.max}; default ${DEFAULTS.threshold})`, example: 0.05 }),
    windowSeconds: z
      .number()
      .int()
      .min(BOUNDS.windowSeconds.min)
      .max(BOUNDS.windowSeconds.max)
      .multipleOf(10)
      .optional()
      .openapi({ description: `The analysis window, a multiple of 10 s (${BOUNDS.windowSeconds.min}–${BOUNDS.windowSeconds.max}; default ${DEFAULTS.windowSeconds})`, example: 60 }),
    minCalls: z
      .number()
      .int()
      .min(BOUNDS.minCalls.min)
      .max(BOUNDS.minCalls.max)
      .optional()
      .openapi({ description: `Counted B outcomes needed in the window before B is judged (${BOUNDS.minCalls.min}–${BOUNDS.minCalls.max}; default ${DEFAULTS.minCalls})`, example: 50 }),
    minClients: z
      .number()
      .int()
      .min(BOUNDS.minClients.min)
      .max(BOUNDS.minClients.max)
      .optional()
      .openapi({ description: `Distinct clients, and distinct sessions, B must have failed before it breaches (${BOUNDS.minClients.min}–${BOUNDS.minClients.max}, at most minCalls; default ${DEFAULTS.minClients})`, example: 20 }),
    action: z
      .enum(['rollback', 'pause'])
      .optional()
      .openapi({ description: `On a breach: \`rollback\` (default) or \`pause\` the migration; either is a webhook to both providers (\`migration.rolling_back\`, \`migration.paused\`)` }),
  })
  .openapi('AnalysisSettingsRequest', { description: 'Omitted settings take their defaults.' });

const SettingsSchema = z.object({
  threshold: z.number(),
  windowSeconds: z.number().int(),
  minCalls: z.number().int(),
  minClients: z.number().int(),
  action: z.enum(['rollback', 'pause']),
});

const SideStatsSchema = z.object({
  calls: z.number().int().openapi({ description: `Counted outcomes in the window: 2xx/3xx and platform failures, at most ${SBC_CLIENT_MAX_OUTCOMES} per client (4xx and clients’ own broken bodies are not counted)` }),
  failures: z.number().int(),
  failureRate: z.number(),
  clients: z.number().int(),
  failingClients: z.number().int(),
});

export const AnalysisSchema = z
  .object({
    migrationId: z.string(),
    settings: SettingsSchema,
    defaults: z.boolean().openapi({ description: 'True while nobody has set the settings' }),
    setBy: z.object({ id: z.string(), kind: z.string() }).nullable(),
    setAt: z.number().int().nullable(),
    verdict: z
      .object({
        kind: z.enum(['healthy', 'inconclusive', 'breach']),
        reason: z.string(),
        b: SideStatsSchema.extend({ failingSessions: z.number().int() }),
        a: SideStatsSchema,
        baseline: z.enum(['A', 'none']).openapi({ description: `\`A\` when A had ${SBC_BASELINE_MIN_CALLS} counted outcomes in the window; \`none\`: B is judged against 0` }),
        excess: z.number().openapi({ description: 'B’s failure rate minus the baseline’s' }),
        z: z.number().nullable().openapi({ description: 'One-sided two-proportion z-score of B against A' }),
      })
      .nullable()
      .openapi({ description: 'B judged against A now, while platform B serves this migration; null otherwise' }),
  })
  .openapi('TrafficAnalysis');

import { z } from '@hono/zod-openapi';
import { SBC_SCHEDULE_MAX_PAUSE_S, SBC_SCHEDULE_MAX_STEPS } from '../constants';

export const CustomerIdParam = z
  .string()
  .regex(/^cus_[A-Za-z0-9_-]{16}$/, 'a customer id')
  .openapi({ example: 'cus_5mQ9x7d2Lk3P0aZb' });

const UpstreamSchema = z.object({ platformId: z.string(), providerId: z.string(), upstreamUrl: z.string() });
const CountsSchema = z.object({ requests: z.number().int(), errors: z.number().int(), upstreamFailures: z.number().int(), latencyMsSum: z.number().int() });

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
    bucket: z.number().int().openapi({ description: 'The session’s deterministic bucket in [0, 10000): B when bucket < weightB' }),
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
  status: z.enum(['running', 'waiting_for_data', 'paused', 'migration_paused', 'finished']).openapi({
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

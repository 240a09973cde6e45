import { z } from '@hono/zod-openapi';

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

export const TrafficSchema = z
  .object({
    customerId: z.string(),
    epoch: z.number().int(),
    weightB: z.number().int(),
    percentB: z.number(),
    a: UpstreamSchema.nullable(),
    b: UpstreamSchema.nullable(),
    migrationId: z.string().nullable(),
    totals: z.record(z.string(), CountsSchema).openapi({ description: 'Per platform id, since the coordinator began counting' }),
    window: z.record(z.string(), CountsSchema).openapi({ description: 'Per platform id, over the current analysis window' }),
  })
  .openapi('Traffic');

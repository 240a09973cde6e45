import { z } from '@hono/zod-openapi';
import { ServiceProfile } from '../catalog/schema';
import { SCOPES } from './mip';

export const Scope = z.enum(SCOPES);

export const MipQuery = z.object({
  scope: Scope.default('server').openapi({
    description: 'How far the customer’s data may be from where it sits: the same server, rack, row or site',
  }),
});

const Reason = z.object({ reason: z.string(), placements: z.number().int().openapi({ description: 'How many of the customer’s placements it concerns' }) });

export const MipEntrySchema = z
  .object({
    platformId: z.string(),
    name: z.string(),
    providerId: z.string(),
    available: z.boolean().openapi({ description: 'Available within the requested scope' }),
    narrowestScope: Scope.nullable().openapi({ description: 'The narrowest scope at which every placement has a compatible home (null: none)' }),
    coverage: z.object({
      placements: z.number().int(),
      server: z.number().int(),
      rack: z.number().int(),
      row: z.number().int(),
      site: z.number().int(),
    }),
    preferenceFit: z.number().nullable().openapi({ description: 'Mean share of the platform’s preferences the compatible servers meet (0–1)' }),
    serviceProfile: ServiceProfile,
    estimatedMonthlyPrice: z.object({ currency: z.string(), amount: z.number() }),
    fresh: z.boolean().openapi({ description: 'False while a recompute for this platform or these servers is still pending' }),
    reasons: z.array(Reason).openapi({ description: 'Top reasons, for unavailable platforms' }),
  })
  .openapi('MipEntry');

export const MipListSchema = z
  .object({
    customerId: z.string(),
    scope: Scope,
    currentPlatformId: z.string().nullable(),
    placements: z.number().int(),
    available: z.array(MipEntrySchema).openapi({ description: 'Ranked by fit: narrowest scope, preferences, price' }),
    unavailable: z.array(MipEntrySchema),
  })
  .openapi('MipList');

export const RebuildBody = z
  .strictObject({
    cursor: z.string().max(1000).optional().openapi({ description: 'The `nextCursor` of the previous step; omit to start' }),
  })
  .openapi('CompatibilityRebuild');

export const RebuildResult = z
  .object({
    servers: z.number().int(),
    revoked: z.number().int(),
    nextCursor: z.string().nullable().openapi({ description: 'Null when the rebuild is complete' }),
  })
  .openapi('CompatibilityRebuildResult');

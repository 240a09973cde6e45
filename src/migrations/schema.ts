import { z } from '@hono/zod-openapi';
import { HWID_MAX_PER_REQUEST, HWID_MAX_TOKEN_CHARS, IDEMPOTENCY_KEY_MAX_CHARS, SBC_WINDOW_MS, TIMELINE_MAX_POINTS } from '../constants';
import { SCOPES } from '../inventory/units';
import { MIGRATION_STATES } from '../lib/lifecycle';

const Id = z.string().min(1).max(100);

export const StartMigrationBody = z
  .strictObject({
    customerId: Id.openapi({ description: 'The customer whose platform moves (a customer names itself)' }),
    targetPlatformId: Id.openapi({ description: 'Platform B' }),
    scope: z.enum(SCOPES).default('server').openapi({ description: 'How far from its data the target platform may run: the same servers, rack, row or site' }),
    hardwareIds: z
      .array(z.string().min(1).max(HWID_MAX_TOKEN_CHARS))
      .min(1)
      .max(HWID_MAX_PER_REQUEST)
      .optional()
      .openapi({
        description:
          'Masked hardware IDs of the customer’s hardware, with the caller in their audience; they must cover all of the customer’s data. Required when a provider starts the migration.',
      }),
  })
  .openapi('StartMigration');

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(IDEMPOTENCY_KEY_MAX_CHARS)
    .openapi({ description: 'Required. The same key and body replay the first response for 24 h; another body with it is refused (422).', example: '8e03978e-40d5-43e8-bc93-6894a57f9324' }),
});

export const ProgressBody = z
  .strictObject({
    segmentsDone: z.number().int().min(0).max(10_000_000),
    segmentsTotal: z.number().int().min(1).max(10_000_000),
  })
  .refine((b) => b.segmentsDone <= b.segmentsTotal, { message: 'segmentsDone cannot exceed segmentsTotal', path: ['segmentsDone'] })
  .openapi('MigrationProgress');

const ActorSchema = z.object({ id: z.string(), kind: z.enum(['customer', 'provider', 'operator', 'agent', 'system']) });

const TransitionSchema = z
  .object({
    seq: z.number().int(),
    from: z.enum(MIGRATION_STATES).nullable(),
    to: z.enum(MIGRATION_STATES),
    at: z.number().int().openapi({ description: 'Unix epoch milliseconds' }),
    by: ActorSchema,
    reason: z.string().nullable(),
  })
  .openapi('MigrationTransition');

export const MigrationSchema = z
  .object({
    id: z.string().openapi({ example: 'mig_6cQm0xW1pN4rT8yZ' }),
    customerId: z.string(),
    state: z.enum(MIGRATION_STATES),
    scope: z.enum(SCOPES),
    source: z.object({ platformId: z.string(), providerId: z.string() }),
    target: z.object({ platformId: z.string(), providerId: z.string() }),
    initiatedBy: ActorSchema,
    progress: z.object({ segmentsDone: z.number().int(), segmentsTotal: z.number().int().nullable(), percent: z.number() }),
    deployment: z
      .object({ tasks: z.number().int(), succeeded: z.number().int(), pending: z.number().int(), failed: z.number().int() })
      .openapi({ description: 'Agent deployment tasks of platform B’s modules, one per target server' }),
    history: z.array(TransitionSchema),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    lastProgressAt: z.number().int(),
  })
  .openapi('Migration');

export type MigrationView = z.infer<typeof MigrationSchema>;

export const MigrationListQuery = z.object({
  state: z.enum(MIGRATION_STATES).optional(),
  customerId: Id.optional(),
});

export const StorageAccessSchema = z
  .object({
    migrationId: z.string(),
    addresses: z.array(z.string()).openapi({ description: 'Network addresses of the customer’s data' }),
    credential: z.object({
      token: z.string().openapi({ description: 'Signed JWT; audience is the target provider' }),
      type: z.literal('Bearer'),
      expiresAt: z.number().int(),
    }),
  })
  .openapi('MigrationStorageAccess');

const WindowCallsSchema = z.object({
  requests: z.number().int().openapi({ description: `End-user calls the platform answered over the SBC's last ${SBC_WINDOW_MS / 1000} s` }),
  failures: z.number().int().openapi({ description: 'Of those, 5xx answers and upstream failures' }),
});

export const TimelinePointSchema = z
  .object({
    at: z.number().int().openapi({ description: 'Unix epoch milliseconds' }),
    state: z.enum(MIGRATION_STATES),
    migratedPercent: z.number().openapi({ description: 'Share of the data migrated (100 at completion)' }),
    percentB: z.number().nullable().openapi({
      description: 'Share of end-user sessions the SBC sends to platform B, the target; null before B is deployed, 100 at completion, 0 after a rollback',
    }),
    calls: z.object({ a: WindowCallsSchema, b: WindowCallsSchema }).openapi({ description: 'Platform A (the source) and platform B (the target)' }),
  })
  .openapi('MigrationTimelinePoint');

export const TimelineSchema = z
  .object({
    migrationId: z.string(),
    points: z.array(TimelinePointSchema).openapi({
      description: `Oldest first. A point is recorded when the state, the data migrated or B's share changes, and for the call counts at most every few seconds; past ${TIMELINE_MAX_POINTS} points the older half is thinned.`,
    }),
  })
  .openapi('MigrationTimeline', {
    example: {
      migrationId: 'mig_6cQm0xW1pN4rT8yZ',
      points: [
        { at: 1764600000000, state: 'migrating', migratedPercent: 50, percentB: 25, calls: { a: { requests: 940, failures: 2 }, b: { requests: 310, failures: 0 } } },
        { at: 1764600060000, state: 'completed', migratedPercent: 100, percentB: 100, calls: { a: { requests: 120, failures: 0 }, b: { requests: 1180, failures: 1 } } },
      ],
    },
  });

import { z } from '@hono/zod-openapi';
import { Requirements, ServiceProfile } from '../catalog/schema';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS, HWID_MAX_PER_REQUEST, HWID_MAX_TOKEN_CHARS } from '../constants';
import { HardwareIdSchema } from '../hardware/schema';
import { SCOPES } from './mip';

const Scope = z.enum(SCOPES);

export const MipQuery = z.object({
  scope: Scope.default('server').openapi({
    description: 'How far the customer’s data may be from where it sits: the same server, rack, row or site',
  }),
  include: z.enum(['hardwareIds']).optional().openapi({
    description: '`hardwareIds`: also mint masked IDs (audience: the caller) of the units involved, per narrowest scope of the available platforms',
  }),
});

const Reason = z.object({ reason: z.string(), placements: z.number().int().openapi({ description: 'How many of the customer’s placements it concerns' }) });

export const MipEntrySchema = z
  .object({
    platformId: z.string(),
    name: z.string(),
    providerId: z.string(),
    available: z.boolean().openapi({ description: 'Available within the requested scope' }),
    withheld: z.boolean().openapi({
      description:
        'True when the platform is not available here only because it is not answered about some of the placements’ servers, racks or rows (too few of the data center’s servers or units would set it apart, or not judged yet): not a denial; the first reasons say why',
    }),
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
    reasons: z.array(Reason).openapi({ description: 'Top reasons, for unavailable platforms; first, where the platform is not answered at a data center of the placements, why' }),
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
    hardwareIds: z
      .partialRecord(Scope, z.array(HardwareIdSchema))
      .optional()
      .openapi({ description: 'With `include=hardwareIds`: per scope, one masked ID per unit holding the customer’s data' }),
  })
  .openapi('MipList');

export const RebuildBody = z.strictObject({}).openapi('CompatibilityRebuild');

export const RebuildResult = z
  .object({
    servers: z.number().int().openapi({ description: 'Servers to recompute' }),
    pages: z.number().int().openapi({ description: 'Queue messages enqueued, one per page of whole racks' }),
  })
  .openapi('CompatibilityRebuildResult');

export const CompatibilityBody = z
  .strictObject({
    hardwareIds: z
      .array(z.string().min(1).max(HWID_MAX_TOKEN_CHARS))
      .min(1)
      .max(HWID_MAX_PER_REQUEST)
      .openapi({ description: 'Hardware IDs with you in their audience (one use of each is counted; all must be valid)' }),
    platformId: z.string().min(1).max(100).optional().openapi({ description: 'A platform: customers may ask about any, providers about their own' }),
    requirements: Requirements.optional().openapi({ description: 'Ad-hoc requirements instead of a platform (providers only), judged on the servers’ released records alone: a requirement on what a record withholds is not met' }),
    include: z
      .array(z.enum(['properties']))
      .max(1)
      .default([])
      .openapi({ description: '`properties`: also release the non-identifying properties (a summary for racks, rows and sites)' }),
  })
  .refine((b) => (b.platformId === undefined) !== (b.requirements === undefined), {
    message: 'give exactly one of platformId and requirements',
    path: ['platformId'],
  })
  .openapi('CompatibilityCheck');

const Range = z.object({ min: z.number(), max: z.number() });
const Band = z
  .object({ min: z.number().int(), max: z.number().int().nullable().openapi({ description: 'Exclusive; null: no upper bound' }) })
  .nullable()
  .openapi('CapacityClass', { description: 'A free-capacity class (bands in src/constants.ts), never the exact value; null: withheld' });
const Count = z
  .object({ min: z.number().int(), max: z.number().int().nullable().openapi({ description: 'Exclusive; null: no upper bound' }) })
  .openapi('ServerCount', {
    description:
      'How many servers, as a band, never the exact number: a unit’s size class (bands in src/constants.ts), and how many of them approve or fail a requirement relative to it: none {0, 1}, all (the size class), or some (from 1 to below its top)',
  });
/** A count the answer may withhold: `null`, beside the ServerCount component (not a nullable copy registered under its name). */
const WithheldCount = z.union([Count, z.null()]);
const Withheld = 'Null when withheld: the record is generalised until at least K servers of the data center share it';
const FreeClasses = z.object({ cores: Band, memoryGib: Band });

const ReleasedProperties = z
  .object({
    cpuArch: z.string().nullable(),
    cpuVendor: z.string().nullable(),
    cpuModel: z.string().nullable(),
    cores: z.number().int().nullable(),
    memoryGib: z.number().int().nullable(),
    storageKind: z.string().nullable(),
    storageGib: z.number().int().nullable(),
    gpus: z.number().int().nullable(),
    hypervisor: z.string().nullable(),
    traits: z.array(z.string()).nullable(),
    certifications: z.array(z.string()).nullable(),
    free: FreeClasses,
  })
  .openapi('ReleasedProperties', { description: `The server's released record, shared by at least ${DISCLOSE_K_SERVERS} servers of the data center. ${Withheld}.` });

const PropertiesSummary = z
  .object({
    cpuArch: z.array(z.string()).nullable(),
    cpuVendor: z.array(z.string()).nullable(),
    cpuModel: z.array(z.string()).nullable(),
    storageKind: z.array(z.string()).nullable(),
    hypervisor: z.array(z.string()).nullable(),
    cores: Range.nullable(),
    memoryGib: Range.nullable(),
    storageGib: Range.nullable(),
    gpus: Range.nullable(),
    traits: z.array(z.string()).nullable().openapi({ description: 'Present on every server of the unit' }),
    certifications: z.array(z.string()).nullable().openapi({ description: 'Held by every server of the unit' }),
    free: FreeClasses.openapi({ description: 'The span of the servers’ free-capacity classes' }),
    servers: WithheldCount.openapi({ description: 'How many servers the unit has: its size class' }),
  })
  .openapi('PropertiesSummary', {
    description: `A summary of the released records of the unit's servers; a rack's or row's is shared by at least ${DISCLOSE_K_UNITS} racks or rows. Null when withheld.`,
  });

export const CompatibilityResult = z
  .object({
    platformId: z.string().nullable(),
    results: z.array(
      z.object({
        index: z.number().int().openapi({ description: 'Position of the ID in `hardwareIds`' }),
        scope: Scope,
        approved: z.boolean().openapi({ description: 'A server: it satisfies the requirements. A rack, row or site: at least one of its servers does. False when withheld' }),
        withheld: z.boolean().openapi({
          description: `True when the platform is not answered about this unit at its data center: its requirements would set fewer than ${DISCLOSE_K_SERVERS} of the data center's servers apart from the rest, or (for a rack or row ID) fewer than ${DISCLOSE_K_UNITS} of its racks or rows apart from their look-alikes, or have not been judged there yet. The one reason says which; nothing is counted`,
        }),
        servers: z.object({
          total: WithheldCount.openapi({ description: 'The unit’s size class, as its released summary gives it (null: withheld)' }),
          approved: WithheldCount.openapi({ description: 'How many of them approve: none, some or all (null: the verdict is withheld)' }),
        }),
        reasons: z
          .array(z.object({ reason: z.string(), servers: WithheldCount.openapi({ description: 'How many of the unit’s servers fail it: some or all (null: the verdict is withheld)' }) }))
          .openapi({ description: 'Every failed requirement (for a unit: the top ones, those all servers fail first, then in requirement order), or why the verdict is withheld' }),
        fresh: z.boolean(),
        properties: ReleasedProperties.optional(),
        propertiesSummary: PropertiesSummary.optional(),
      }),
    ),
  })
  .openapi('CompatibilityResult');

export const CompatibilityStatus = z
  .object({
    fresh: z.boolean().openapi({
      description: 'Every platform’s verdicts are computed for its current revision, every server’s from its latest change, and no data center waits for its released records and census',
    }),
    serversBehind: z.number().int().openapi({ description: 'Servers changed since their verdicts were computed (counted up to 10,000)' }),
    sitesPending: z.number().int().openapi({ description: 'Data centers whose released records and census wait for their refresh (meanwhile a platform whose requirements changed is answered there as withheld)' }),
    platforms: z.array(
      z.object({
        platformId: z.string(),
        revision: z.number().int().openapi({ description: 'The platform’s current revision' }),
        computedRevision: z.number().int().openapi({ description: 'The revision its verdicts are complete for (0: none yet)' }),
        passRevision: z.number().int().openapi({ description: 'The revision the latest pass computes (0: none started)' }),
        passStartedAt: z.number().int().nullable(),
        pages: z.object({ total: z.number().int().openapi({ description: '0 until the pass is planned' }), done: z.number().int() }),
        fresh: z.boolean(),
      }),
    ),
  })
  .openapi('CompatibilityStatus');

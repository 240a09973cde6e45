import { z } from '@hono/zod-openapi';
import { ServerIdentity, ServerProperties } from '../inventory/schema';

export const IDENTITY_FIELDS = ['serial', 'mac', 'dom0Ip', 'internalIp'] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];
/** Capacity an agent may report below what is allocated on the server. */
const CAPACITY_FIELDS = ['cores', 'memoryGib'] as const;
export type CapacityField = (typeof CAPACITY_FIELDS)[number];
export type FlagField = IdentityField | CapacityField;

const P = ServerProperties.shape;

/** What an agent can observe on the machine; omitted fields are left as recorded (no defaults). */
const ObservedPropertiesSchema = z
  .strictObject({
    cpuArch: P.cpuArch.optional(),
    cpuVendor: P.cpuVendor.optional(),
    cpuModel: P.cpuModel.optional(),
    cores: P.cores.optional(),
    memoryGib: P.memoryGib.optional(),
    storageKind: P.storageKind.optional(),
    storageGib: P.storageGib.optional(),
    gpus: P.gpus.unwrap().optional(),
    hypervisor: P.hypervisor.optional(),
    traits: P.traits.unwrap().optional(),
  })
  .openapi('ObservedProperties');

export const AgentReportBody = z
  .strictObject({
    identity: ServerIdentity.partial().default({}).openapi({ description: 'What the agent observes of the server’s permanent identity' }),
    properties: ObservedPropertiesSchema.default({}),
  })
  .openapi('AgentReport');

export const AgentReportResult = z
  .object({
    identity: z.object({
      matches: z.boolean(),
      mismatched: z.array(z.enum(IDENTITY_FIELDS)).openapi({ description: 'Fields flagged for the operator; the recorded identity is kept' }),
    }),
    properties: z.object({
      applied: z.boolean().openapi({ description: 'False when the identity does not match: nothing is written then' }),
      changed: z.array(z.string()),
      overAllocated: z
        .array(z.enum(CAPACITY_FIELDS))
        .openapi({ description: 'Capacity reported below what is allocated on the server: flagged for the operator; free capacity shows as 0' }),
    }),
  })
  .openapi('AgentReportResult');

export const AgentFlagSchema = z
  .object({
    id: z.string(),
    serverId: z.string(),
    field: z.enum([...IDENTITY_FIELDS, ...CAPACITY_FIELDS]).openapi({
      description: 'An identity field that differs from the record, or a capacity (`cores`, `memoryGib`) reported below what is allocated',
    }),
    recorded: z.string().openapi({ description: 'The recorded identity value; for capacity, what is allocated' }),
    observed: z.string().openapi({ description: 'What the agent reported' }),
    reports: z.number().int().openapi({ description: 'How many reports observed this value' }),
    firstSeenAt: z.number().int(),
    lastSeenAt: z.number().int(),
  })
  .openapi('AgentFlag');

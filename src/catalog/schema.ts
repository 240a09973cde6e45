import { z } from '@hono/zod-openapi';
import { CPU_ARCHES, STORAGE_KINDS } from '../constants';
import { text } from '../http/text';
import { providerUrl } from '../http/url-policy';

const Tag = z.string().regex(/^[a-z0-9][a-z0-9._:-]{0,63}$/, 'lower-case tag, at most 64 characters');

/** Server properties a requirement may compare, by type. */
const NUMERIC_PROPERTIES = ['cores', 'memoryGib', 'storageGib', 'gpus'] as const;
const TEXT_PROPERTIES = ['cpuArch', 'cpuVendor', 'cpuModel', 'storageKind', 'hypervisor', 'privateNetworkId'] as const;
const NumericProperty = z.enum(NUMERIC_PROPERTIES);
const AnyProperty = z.enum([...NUMERIC_PROPERTIES, ...TEXT_PROPERTIES]);
const Scalar = z.union([text({ max: 100 }), z.number()]);

export const PropertyRule = z
  .discriminatedUnion('op', [
    z.strictObject({ op: z.literal('eq'), property: AnyProperty, value: Scalar }),
    z.strictObject({ op: z.literal('ne'), property: AnyProperty, value: Scalar }),
    z.strictObject({ op: z.literal('in'), property: AnyProperty, values: z.array(Scalar).min(1).max(50) }),
    z.strictObject({ op: z.literal('gte'), property: NumericProperty, value: z.number() }),
    z.strictObject({ op: z.literal('lte'), property: NumericProperty, value: z.number() }),
    z.strictObject({ op: z.literal('exists'), property: AnyProperty }),
  ])
  .superRefine((rule, ctx) => {
    const numeric = (NUMERIC_PROPERTIES as readonly string[]).includes(rule.property);
    const values = rule.op === 'in' ? rule.values : rule.op === 'eq' || rule.op === 'ne' ? [rule.value] : [];
    for (const v of values) {
      if (numeric !== (typeof v === 'number'))
        ctx.addIssue({ code: 'custom', path: [rule.op === 'in' ? 'values' : 'value'], message: `${rule.property} takes ${numeric ? 'numbers' : 'strings'}` });
    }
    const enums: Partial<Record<string, readonly string[]>> = { cpuArch: CPU_ARCHES, storageKind: STORAGE_KINDS };
    const allowed = enums[rule.property];
    for (const v of values) {
      if (allowed && !allowed.includes(String(v)))
        ctx.addIssue({ code: 'custom', path: ['value'], message: `${rule.property} is one of ${allowed.join(', ')}` });
    }
  })
  .openapi('PropertyRule');

const Preference = z
  .union([
    z.strictObject({ weight: z.number().int().min(1).max(100), trait: Tag }),
    z.strictObject({ weight: z.number().int().min(1).max(100), rule: PropertyRule }),
  ])
  .openapi('Preference', { description: 'Soft preference: adds `weight` to a server’s score when it holds; never denies' });

export const Requirements = z
  .strictObject({
    requiredTraits: z.array(Tag).max(32).default([]),
    forbiddenTraits: z.array(Tag).max(32).default([]),
    anyOfTraits: z.array(z.array(Tag).min(1).max(16)).max(8).default([]).openapi({ description: 'Each group: at least one trait must be present' }),
    requiredCertifications: z.array(Tag).max(16).default([]),
    properties: z.array(PropertyRule).max(32).default([]),
    minFree: z
      .strictObject({ cores: z.number().int().min(0).default(0), memoryGib: z.number().int().min(0).default(0) })
      .default({ cores: 0, memoryGib: 0 })
      .openapi({ description: 'Free capacity each server must have for the platform' }),
    preferences: z.array(Preference).max(32).default([]),
  })
  .superRefine((r, ctx) => {
    const both = r.requiredTraits.filter((t) => r.forbiddenTraits.includes(t));
    if (both.length) ctx.addIssue({ code: 'custom', path: ['forbiddenTraits'], message: `both required and forbidden: ${both.join(', ')}` });
  })
  .openapi('Requirements');

export type RequirementsT = z.infer<typeof Requirements>;

export const ServiceProfile = z
  .strictObject({
    supportLevel: z.enum(['community', 'business', 'enterprise']),
    multiSite: z.boolean(),
    consulting: z.boolean().default(false),
    focus: z.array(Tag).max(8).default([]).openapi({ example: ['low-latency', 'load-balancing'] }),
    pricing: z.strictObject({
      currency: z.enum(['USD', 'EUR']),
      monthlyBase: z.number().min(0).max(1_000_000),
      perCoreMonth: z.number().min(0).max(10_000),
    }),
  })
  .openapi('ServiceProfile');

const Module = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    version: text({ max: 64 }),
    artifactUrl: providerUrl().openapi({ description: 'Where agents download the module (https; private, loopback and metadata addresses are refused)' }),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  })
  .openapi('Module');

const PlatformFields = {
  name: text({ max: 100 }),
  description: text({ max: 2000, min: 0, multiline: true }).default(''),
  serviceProfile: ServiceProfile,
  requirements: Requirements.default(Requirements.parse({})),
  modules: z.array(Module).min(1).max(50),
  upstreamUrl: providerUrl().openapi({ description: 'Where the SBC sends end-user calls served by this platform' }),
  autoAccept: z.boolean().default(false).openapi({ description: 'Accept customer-initiated migrations without a manual accept' }),
};

export const CreatePlatformBody = z.strictObject(PlatformFields).openapi('CreatePlatform');

export const PatchPlatformBody = z
  .strictObject({
    name: PlatformFields.name.optional(),
    description: text({ max: 2000, min: 0, multiline: true }).optional(),
    serviceProfile: ServiceProfile.optional(),
    requirements: Requirements.optional(),
    modules: PlatformFields.modules.optional(),
    upstreamUrl: PlatformFields.upstreamUrl.optional(),
    autoAccept: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'change at least one field')
  .openapi('PatchPlatform');

export const PlatformSchema = z
  .object({
    id: z.string(),
    providerId: z.string(),
    name: z.string(),
    description: z.string(),
    serviceProfile: ServiceProfile,
    requirements: Requirements,
    modules: z.array(Module),
    upstreamUrl: z.string(),
    autoAccept: z.boolean(),
    revision: z.number().int(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Platform');

export type PlatformT = z.infer<typeof PlatformSchema>;

/** A platform as the catalog lists it: with the name of the provider that publishes it. */
export const CatalogEntrySchema = PlatformSchema.extend({ providerName: z.string().openapi({ example: 'Atlas Enterprise' }) }).openapi('CatalogEntry');

import { z } from '@hono/zod-openapi';
import { IssuedKeySchema } from '../auth/schema';
import { PRINCIPAL_KINDS, SERVICE_LEVELS } from '../auth/principal';
import { text } from '../http/text';

const RegisterFields = {
  name: text({ max: 200 }).openapi({ example: 'Acme Retail' }),
  organisation: text({ max: 200 }).openapi({ example: 'Acme Retail GmbH' }),
  serviceLevel: z.enum(SERVICE_LEVELS).default('standard'),
};

export const RegisterCustomerBody = z.strictObject(RegisterFields).openapi('RegisterCustomer');
export const RegisterProviderBody = z.strictObject(RegisterFields).openapi('RegisterProvider');

export const AccountSchema = z
  .object({
    id: z.string(),
    kind: z.enum(PRINCIPAL_KINDS),
    name: z.string(),
    organisation: z.string(),
    serviceLevel: z.enum(SERVICE_LEVELS),
    serverId: z.string().nullable().openapi({ description: 'Agents only: the server the agent speaks for' }),
    createdAt: z.number().int(),
    keyId: z.string().openapi({ description: 'The key this request was made with' }),
  })
  .openapi('Account');

export const PrincipalSchema = AccountSchema.pick({ id: true, kind: true, name: true, organisation: true, serviceLevel: true, createdAt: true }).openapi('Principal', {
  example: { id: 'cus_5mQ2vX9bR4sT0aHc', kind: 'customer', name: 'Acme Retail', organisation: 'Acme Retail GmbH', serviceLevel: 'standard', createdAt: 1764547200000 },
});

export const RegisteredSchema = AccountSchema.pick({ id: true, kind: true, name: true, organisation: true, serviceLevel: true })
  .extend({ apiKey: IssuedKeySchema })
  .openapi('Registered');

export const RegisteredProviderSchema = RegisteredSchema.extend({
  webhookSecret: z.string().openapi({ description: 'Standard Webhooks signing secret (whsec_…), shown once' }),
}).openapi('RegisteredProvider');

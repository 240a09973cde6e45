import { z } from '@hono/zod-openapi';
import { text } from '../http/text';

export const IssuedKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_Qm9vdHN0cmFwcGVk' }),
    name: z.string(),
    hint: z.string().openapi({ description: 'Last four characters of the key' }),
    createdAt: z.number().int().openapi({ description: 'Unix epoch milliseconds' }),
    key: z.string().openapi({ description: 'The API key. Shown only in this response; store it now.' }),
  })
  .openapi('IssuedApiKey');

export const KeySchema = IssuedKeySchema.omit({ key: true })
  .extend({ revokedAt: z.number().int().nullable() })
  .openapi('ApiKey');

export const MintKeyBody = z
  .strictObject({
    name: text({ max: 100 }).default('api key'),
    agentFor: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'Operator only: mint a key for the agent of this server (created on first use)' }),
  })
  .openapi('MintApiKey');

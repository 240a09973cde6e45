import { z } from '@hono/zod-openapi';
import { WEBHOOK_URL_MAX_CHARS } from '../constants';

export const SetEndpointBody = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .max(WEBHOOK_URL_MAX_CHARS)
      .openapi({ description: 'https URL receiving Standard Webhooks POSTs; private, loopback and metadata addresses are refused', example: 'https://hooks.provider.example/inplace' }),
  })
  .openapi('SetWebhookEndpoint');

const EndpointFields = {
  url: z.string().nullable(),
  disabledAt: z.number().int().nullable().openapi({ description: 'Set when the endpoint answered 410; setting the URL again re-enables it' }),
  previousSecretExpiresAt: z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'Until then, messages also carry a signature made with the secret the last rotation replaced' }),
};

export const EndpointSchema = z.object(EndpointFields).openapi('WebhookEndpoint');

export const RotatedEndpointSchema = z
  .object({
    ...EndpointFields,
    url: z.string(),
    secret: z.string().openapi({ description: 'The new `whsec_` signing secret. Shown only in this response.' }),
  })
  .openapi('RotatedWebhookEndpoint');

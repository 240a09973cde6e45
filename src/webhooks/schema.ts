import { z } from '@hono/zod-openapi';
import { providerUrl } from '../http/url-policy';
import { DELIVERY_STATES } from '../lib/lifecycle';
import { WEBHOOK_EVENT_TYPES } from './events';

export const SetEndpointBody = z
  .strictObject({
    url: providerUrl().openapi({ description: 'https URL receiving Standard Webhooks POSTs; private, loopback and metadata addresses are refused', example: 'https://hooks.provider.example/inplace' }),
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

export const DeliverySchema = z
  .object({
    id: z.string().openapi({ example: 'dlv_0aHc7mQ2vX9bR4sT' }),
    customerId: z.string(),
    migrationId: z.string().nullable(),
    eventId: z.string().openapi({ description: 'The `webhook-id` header: the same on every attempt and redelivery; dedupe on it' }),
    eventType: z.string().openapi({ description: 'One of the event types documented under the OpenAPI document’s `webhooks`', example: 'migration.completed' }),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable().openapi({ description: 'HTTP status of the last attempt (null: no answer)' }),
    lastError: z.string().nullable(),
    nextAttemptAt: z.number().int().nullable(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('WebhookDelivery');

export const DeliveryListQuery = z.object({
  state: z
    .enum(DELIVERY_STATES)
    .optional()
    .openapi({ description: 'Only deliveries in this state: `pending` (will be tried, or tried again), `succeeded` (a 2xx answer), `failed` (gave up)' }),
  eventType: z.enum(WEBHOOK_EVENT_TYPES).optional().openapi({ description: 'Only deliveries of this event type' }),
  migrationId: z.string().max(100).optional().openapi({ description: 'Only deliveries about this migration' }),
});

export const RedeliverySchema = z
  .object({ id: z.string().openapi({ description: 'The new delivery' }), eventId: z.string(), state: z.literal('pending') })
  .openapi('WebhookRedelivery');

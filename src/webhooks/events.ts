/**
 * The webhook contract: every event type the coordinator can emit, with the zod schema of its
 * `data`. `emitEvent` (outbox.ts) parses every payload with these schemas before it is stored, and
 * the OpenAPI document's `webhooks` section is generated from the same schemas (registerWebhooks),
 * so the documentation cannot drift from what receivers get.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { MIGRATION_STATES } from '../lib/lifecycle';

const MigrationState = z.enum(MIGRATION_STATES);
const at = (what: string) => z.number().int().openapi({ description: `${what}, Unix epoch milliseconds` });

const MigrationData = z.object({
  migrationId: z.string().openapi({ example: 'mig_7hQm2vX9bR4sT0aH' }),
  customerId: z.string().openapi({ example: 'cus_5mQ2vX9bR4sT0aHc' }),
  state: MigrationState.openapi({ description: 'The migration’s state after the change' }),
  sourcePlatformId: z.string().openapi({ description: 'Platform A, which the customer runs on' }),
  targetPlatformId: z.string().openapi({ description: 'Platform B, which the customer moves to' }),
  progress: z.object({
    segmentsDone: z.number().int(),
    segmentsTotal: z.number().int().nullable().openapi({ description: 'Null until the target provider’s first progress report' }),
  }),
});

const TransitionData = MigrationData.extend({
  previousState: MigrationState.nullable().openapi({ description: 'Null for `migration.requested`' }),
  by: z
    .object({ id: z.string(), kind: z.enum(['customer', 'provider', 'operator', 'agent', 'system']) })
    .openapi({ description: 'Who made the transition (`system`: the coordinator itself, e.g. deployment done or automatic rollback)' }),
  reason: z.string().optional(),
}).openapi('MigrationTransitionEventData');

const ProgressData = MigrationData.openapi('MigrationProgressEventData');

const StalledData = MigrationData.extend({ quietSince: at('The last transition or progress report') }).openapi('MigrationStalledEventData');

const TrafficShiftedData = z
  .object({
    migrationId: z.string(),
    customerId: z.string(),
    percentB: z.number().min(0).max(100).openapi({ description: 'Share of end-user sessions platform B serves now' }),
    previousPercentB: z.number().min(0).max(100),
    epoch: z.number().int().openapi({ description: 'The split’s epoch; rollback and completion start a new one' }),
    reason: z.string().openapi({ example: 'migration progress 3/10' }),
  })
  .openapi('TrafficShiftedEventData');

const CompatibilityRevokedData = z
  .object({
    customerId: z.string(),
    migrationId: z.string().nullable().openapi({ description: 'The customer’s active migration when the change was found, if any' }),
    platformId: z.string(),
    relation: z.enum(['current', 'target']).openapi({ description: '`current`: the platform the customer runs on; `target`: the one it is migrating to' }),
    servers: z.number().int().openapi({ description: 'How many of the customer’s servers stopped satisfying the platform' }),
    reasons: z.array(z.object({ reason: z.string(), servers: z.number().int() })).openapi({ description: 'The most frequent failed requirements' }),
    detectedAt: at('When the recomputation found it'),
  })
  .openapi('CompatibilityRevokedEventData');

const transitionTo = (to: string) => ({ data: TransitionData, summary: `The migration moved to \`${to}\`` });

/** Every event type, what it means, and the schema of its `data`. */
export const WEBHOOK_EVENTS = {
  'migration.requested': { data: TransitionData, summary: 'A migration was started (by the customer or the target provider)' },
  'migration.awaiting_consent': transitionTo('awaiting_consent: the other party must accept or approve'),
  'migration.accepted': { data: TransitionData, summary: 'The target provider accepted a customer’s migration (or its platform accepts automatically)' },
  'migration.approved': { data: TransitionData, summary: 'The customer approved a provider’s migration' },
  'platform.deploying': { data: TransitionData, summary: 'Deployment of platform B’s modules to the customer’s hardware began' },
  'platform.deployed': { data: TransitionData, summary: 'Platform B is deployed; data migration begins (state `migrating`)' },
  'migration.progress': { data: ProgressData, summary: 'The target provider reported segments migrated' },
  'migration.paused': transitionTo('paused'),
  'migration.resumed': { data: TransitionData, summary: 'A paused migration went back to the state it was paused in' },
  'migration.cutting_over': transitionTo('cutting_over: every segment migrated, placements switching to platform B'),
  'migration.completed': transitionTo('completed: the customer runs on platform B'),
  'migration.rolling_back': transitionTo('rolling_back'),
  'migration.rolled_back': transitionTo('rolled_back: everything stays on platform A'),
  'migration.cancelled': transitionTo('cancelled (before any data moved)'),
  'migration.failed': transitionTo('failed (a deployment task ran out of attempts)'),
  'migration.stalled': { data: StalledData, summary: 'No transition or progress report for a while (flagged once per quiet period)' },
  'traffic.shifted': { data: TrafficShiftedData, summary: 'The session border controller’s share of end-user sessions on platform B changed' },
  'compatibility.revoked': { data: CompatibilityRevokedData, summary: 'Servers holding the customer’s data stopped satisfying its current or target platform' },
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];
export type WebhookEventData<T extends WebhookEventType> = z.input<(typeof WEBHOOK_EVENTS)[T]['data']>;

export function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENTS, type);
}

/** The body of every webhook message (Standard Webhooks' `type`, `timestamp`, `data`, plus `sequence`). */
function envelope<T extends WebhookEventType>(type: T) {
  return z.object({
    type: z.literal(type),
    timestamp: z.string().openapi({
      format: 'date-time',
      description: 'When the change happened (for a transition, the time recorded in the migration’s history). Events of one change share it; order them by `sequence`.',
    }),
    sequence: z.number().int().min(1).openapi({
      description:
        'Position of this event among the customer’s events about the same migration (`data.migrationId`), from 1 without gaps; events outside any migration are numbered in a sequence of their own. Deliveries can arrive out of order (retries, concurrency): order them by this.',
    }),
    data: WEBHOOK_EVENTS[type].data,
  });
}

const WEBHOOK_ENVELOPES = Object.fromEntries(WEBHOOK_EVENT_TYPES.map((t) => [t, envelope(t)])) as { [T in WebhookEventType]: ReturnType<typeof envelope<T>> };

const SIGNED_HEADERS = z.object({
  'webhook-id': z.string().openapi({ description: 'The message id: the same on every attempt and redelivery; dedupe on it' }),
  'webhook-timestamp': z.string().openapi({ description: 'Unix seconds of this attempt (signed)' }),
  'webhook-signature': z.string().openapi({ description: 'Space-separated `v1,<base64 HMAC-SHA256>` signatures (Standard Webhooks), one per live secret' }),
});

/** Documents every event type under the OpenAPI document's `webhooks`. */
export function registerWebhooks(registry: OpenAPIHono['openAPIRegistry']): void {
  for (const type of WEBHOOK_EVENT_TYPES) {
    registry.registerWebhook({
      method: 'post',
      path: type,
      tags: ['Webhooks'],
      operationId: `webhook-${type.replace(/[._]/g, '-')}`,
      // Not an API key: the receiver checks the Standard Webhooks signature headers.
      security: [],
      summary: WEBHOOK_EVENTS[type].summary,
      description: `Sent to your endpoint (PUT /v1/providers/me/webhook) when you are the migration's source or target provider. Signed per Standard Webhooks: verify \`webhook-signature\` over \`webhook-id.webhook-timestamp.body\` with your \`whsec_\` secret before trusting it.`,
      request: {
        headers: SIGNED_HEADERS,
        body: { required: true, content: { 'application/json': { schema: WEBHOOK_ENVELOPES[type] } } },
      },
      responses: {
        200: { description: 'Any 2xx acknowledges the message' },
        410: { description: 'Stop: the endpoint is disabled until you set it again' },
      },
    });
  }
}

/**
 * The coordinator's webhook tables (Durable Object SQLite): events and their deliveries, one per
 * recipient provider. `emitEvent` is the one way anything in the coordinator (migrations today,
 * traffic later) sends a webhook: it writes in the caller's transaction, so an event exists exactly
 * when the change that caused it does. The schedule is the `next_attempt_at` column; the alarm
 * delivers what is due (see dispatcher.ts).
 */
import { newId } from '../lib/ids';
import { WEBHOOK_ATTEMPT_LEASE_MS, WEBHOOK_MAX_ATTEMPTS } from '../constants';
import { all, first, MIRROR_COLUMNS, run } from '../lib/do-sql';
import type { DeliveryState } from '../lib/lifecycle';
import { retryDelay, type AttemptOutcome } from './attempt';
import { WEBHOOK_EVENTS, type WebhookEventData, type WebhookEventType } from './events';

export const OUTBOX_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS webhook_event (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    migration_id TEXT,
    transition_seq INTEGER,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS webhook_delivery (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    ${MIRROR_COLUMNS}
  )`,
  'CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (state, next_attempt_at)',
  // Numbers each migration's events (`sequence`) by counting the ones before.
  'CREATE INDEX IF NOT EXISTS webhook_event_migration ON webhook_event (migration_id)',
];


export interface EmitInput<T extends WebhookEventType = WebhookEventType> {
  /** The message id; given when the event comes from elsewhere with its own id (emitting it again is a no-op). */
  id?: string;
  type: T;
  customerId: string;
  migrationId: string | null;
  transitionSeq: number | null;
  /** Provider ids; duplicates are sent once. */
  recipients: string[];
  data: WebhookEventData<T>;
  now: number;
}

/**
 * Records an event and queues one delivery per recipient, due now. Returns the event (message) id.
 * The payload is parsed with the event type's schema (events.ts), the one the OpenAPI document
 * publishes: a payload that does not match it throws, failing the change that emitted it.
 */
export function emitEvent<T extends WebhookEventType>(sql: SqlStorage, e: EmitInput<T>): string {
  const id = e.id ?? newId('msg');
  if (e.id && first(sql, 'SELECT 1 AS x FROM webhook_event WHERE id = ?', e.id)) return id;
  const before = first<{ n: number }>(sql, 'SELECT COUNT(*) AS n FROM webhook_event WHERE migration_id IS ?', e.migrationId)?.n ?? 0;
  const data = WEBHOOK_EVENTS[e.type].data.parse(e.data);
  const body = JSON.stringify({ type: e.type, timestamp: new Date(e.now).toISOString(), sequence: before + 1, data });
  run(
    sql,
    'INSERT INTO webhook_event (id, type, customer_id, migration_id, transition_seq, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    id,
    e.type,
    e.customerId,
    e.migrationId,
    e.transitionSeq,
    body,
    e.now,
  );
  for (const providerId of new Set(e.recipients)) queueDelivery(sql, id, providerId, e.now);
  return id;
}

function queueDelivery(sql: SqlStorage, eventId: string, providerId: string, now: number): string {
  const id = newId('dlv');
  run(
    sql,
    "INSERT INTO webhook_delivery (id, event_id, provider_id, state, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
    id,
    eventId,
    providerId,
    now,
    now,
    now,
  );
  return id;
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  provider_id: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  version: number;
  /** From the event. */
  type: string;
  customer_id: string;
  migration_id: string | null;
  body: string;
}

const DELIVERY_SELECT = `SELECT d.*, e.type, e.customer_id, e.migration_id, e.body FROM webhook_delivery d JOIN webhook_event e ON e.id = d.event_id`;

export function findDelivery(sql: SqlStorage, id: string): DeliveryRow | null {
  return first<DeliveryRow>(sql, `${DELIVERY_SELECT} WHERE d.id = ?`, id);
}

/**
 * Takes up to `limit` due deliveries for an attempt: counts the attempt and pushes their due time
 * past the attempt's lease, so a concurrent run (alarm, redrive) does not send them twice.
 */
export function leaseDue(sql: SqlStorage, now: number, limit: number): DeliveryRow[] {
  const due = all<DeliveryRow>(sql, `${DELIVERY_SELECT} WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`, now, limit);
  for (const d of due) {
    run(sql, 'UPDATE webhook_delivery SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ?, version = version + 1 WHERE id = ?', now + WEBHOOK_ATTEMPT_LEASE_MS, now, d.id);
  }
  return due.map((d) => ({ ...d, attempts: d.attempts + 1, next_attempt_at: now + WEBHOOK_ATTEMPT_LEASE_MS }));
}

/** Records an attempt's outcome, unless the delivery changed meanwhile (then that change wins). */
export function recordOutcome(sql: SqlStorage, leased: DeliveryRow, outcome: AttemptOutcome, now: number): void {
  const current = first<{ state: string; attempts: number }>(sql, 'SELECT state, attempts FROM webhook_delivery WHERE id = ?', leased.id);
  if (!current || current.state !== 'pending' || current.attempts !== leased.attempts) return;
  let state: DeliveryState = 'failed';
  let next: number | null = null;
  if (outcome.kind === 'delivered') state = 'succeeded';
  else if (outcome.kind === 'retry' && leased.attempts < WEBHOOK_MAX_ATTEMPTS) {
    state = 'pending';
    next = now + retryDelay(leased.attempts, outcome.retryAfterMs);
  }
  const error = outcome.kind === 'delivered' ? null : outcome.kind === 'gone' ? 'receiver answered 410; endpoint disabled' : outcome.error;
  run(
    sql,
    'UPDATE webhook_delivery SET state = ?, next_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ?, version = version + 1 WHERE id = ?',
    state,
    next,
    outcome.status,
    error,
    now,
    leased.id,
  );
}

/** A new delivery of a recorded event to the same provider (same `webhook-id`), due now. */
export function redeliver(sql: SqlStorage, deliveryId: string, now: number): DeliveryRow | null {
  const original = findDelivery(sql, deliveryId);
  if (!original) return null;
  return findDelivery(sql, queueDelivery(sql, original.event_id, original.provider_id, now));
}

/** When the alarm must next run for webhooks, or null when nothing is pending. */
export function nextDeliveryAt(sql: SqlStorage): number | null {
  return first<{ at: number | null }>(sql, "SELECT MIN(next_attempt_at) AS at FROM webhook_delivery WHERE state = 'pending'")?.at ?? null;
}

export function unmirroredDeliveries(sql: SqlStorage, limit: number): DeliveryRow[] {
  return all<DeliveryRow>(sql, `${DELIVERY_SELECT} WHERE d.version > d.mirrored_version ORDER BY d.updated_at LIMIT ?`, limit);
}

export interface EventRecord {
  id: string;
  type: string;
  migrationId: string | null;
  transitionSeq: number | null;
  recipients: string[];
}

/** Every event recorded for a migration, oldest first, with its recipients (for audits and tests). */
export function eventsOf(sql: SqlStorage, migrationId: string): EventRecord[] {
  const rows = all<{ id: string; type: string; migration_id: string | null; transition_seq: number | null; recipients: string }>(
    sql,
    `SELECT e.id, e.type, e.migration_id, e.transition_seq, group_concat(DISTINCT d.provider_id) AS recipients
     FROM webhook_event e LEFT JOIN webhook_delivery d ON d.event_id = e.id WHERE e.migration_id = ? GROUP BY e.id ORDER BY e.created_at, e.rowid`,
    migrationId,
  );
  return rows.map((r) => ({ id: r.id, type: r.type, migrationId: r.migration_id, transitionSeq: r.transition_seq, recipients: r.recipients ? r.recipients.split(',').sort() : [] }));
}

/** An event recorded elsewhere (a D1 outbox) for a customer's providers. */
export interface RelayedEvent {
  id: string;
  type: WebhookEventType;
  /** The provider the event concerns first; the active migration's providers are added. */
  providerId: string;
  data: Record<string, unknown>;
}

/** Queues relayed events for their providers and the active migration's; an event already queued is skipped. */
export function relayEvents(sql: SqlStorage, customerId: string, active: { id: string; source_provider_id: string; target_provider_id: string } | null, events: RelayedEvent[], now: number): void {
  for (const e of events) {
    emitEvent(sql, {
      id: e.id,
      type: e.type,
      customerId,
      migrationId: active?.id ?? null,
      transitionSeq: null,
      recipients: [e.providerId, ...(active ? [active.source_provider_id, active.target_provider_id] : [])],
      // Checked against the event type's schema by emitEvent.
      data: { ...e.data, migrationId: active?.id ?? null } as WebhookEventData<WebhookEventType>,
      now,
    });
  }
}

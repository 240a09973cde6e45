/**
 * Provider events recorded in D1 (`outbox_events`) by capabilities that have no coordinator
 * transaction to write them in (compatibility's `compatibility.revoked`): written with the change
 * that causes them, relayed to each customer's coordinator by the cron (./jobs.ts), which delivers
 * them like every other webhook. The webhooks capability owns the table; others batch
 * `providerEventStatements` with their own writes.
 */
import { and, asc, isNull, sql } from 'drizzle-orm';
import { outboxEvents } from '../../schema';
import { chunkForInsert, jsonIds, type Db, type Statement } from '../db';
import { newId } from '../lib/ids';
import type { WebhookEventType } from './events';

export interface ProviderEvent {
  type: WebhookEventType;
  customerId: string;
  platformId: string | null;
  /** The provider the event concerns first (the active migration's providers are added on relay). */
  providerId: string;
  payload: unknown;
}

/** A recorded event as read back (its type checked again before delivery). */
export interface OutboxEvent extends Omit<ProviderEvent, 'type'> {
  id: string;
  type: string;
  createdAt: number;
}

/** The statements that record events for providers, to run in one batch with the change that causes them. */
export function providerEventStatements(db: Db, events: ProviderEvent[], now: number): Statement[] {
  const rows = events.map((e) => ({ id: newId('evt'), ...e, payload: JSON.stringify(e.payload), createdAt: now }));
  return chunkForInsert(rows, 8).map((chunk) => db.insert(outboxEvents).values(chunk));
}

/** Undelivered events, oldest first. */
export async function pendingOutboxEvents(db: Db, limit: number): Promise<OutboxEvent[]> {
  const found = await db.select().from(outboxEvents).where(isNull(outboxEvents.deliveredAt)).orderBy(asc(outboxEvents.createdAt)).limit(limit).all();
  return found.map(({ deliveredAt: _d, payload, ...e }) => ({ ...e, payload: JSON.parse(payload) as unknown }));
}

export async function markOutboxDelivered(db: Db, ids: string[], at: number): Promise<void> {
  if (!ids.length) return;
  await db
    .update(outboxEvents)
    .set({ deliveredAt: at })
    .where(and(sql`${outboxEvents.id} in ${jsonIds(ids)}`, isNull(outboxEvents.deliveredAt)));
}

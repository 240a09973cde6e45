/** D1 read model of webhook deliveries: the providers' delivery log, and the cron's view of what is overdue. */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { webhookDeliveries } from '../../schema';
import { olderThan, upsertUnlessNewer, type Db } from '../db';
import type { DeliveryState } from '../lib/lifecycle';
import type { DeliveryRow } from './outbox';

type Row = typeof webhookDeliveries.$inferSelect;

export function deliveryUpsert(db: Db, d: DeliveryRow) {
  return db
    .insert(webhookDeliveries)
    .values({
      id: d.id,
      providerId: d.provider_id,
      customerId: d.customer_id,
      migrationId: d.migration_id,
      eventId: d.event_id,
      eventType: d.type,
      state: d.state,
      attempts: d.attempts,
      lastStatus: d.last_status,
      lastError: d.last_error,
      nextAttemptAt: d.next_attempt_at,
      createdAt: d.created_at,
      updatedAt: d.updated_at,
      version: d.version,
    })
    .onConflictDoUpdate(upsertUnlessNewer(webhookDeliveries, webhookDeliveries.id, webhookDeliveries.version));
}

export function presentDelivery({ version: _v, providerId: _p, ...d }: Row) {
  return d;
}

export interface DeliveryFilter {
  state?: DeliveryState | undefined;
  eventType?: string | undefined;
  migrationId?: string | undefined;
}

/** A provider's own deliveries, newest first; `after` is the previous page's last `createdAt\nid`. */
export async function listDeliveries(db: Db, providerId: string, filter: DeliveryFilter, limit: number, after?: string) {
  const conditions: SQL[] = [eq(webhookDeliveries.providerId, providerId)];
  if (filter.state) conditions.push(eq(webhookDeliveries.state, filter.state));
  if (filter.eventType) conditions.push(eq(webhookDeliveries.eventType, filter.eventType));
  if (filter.migrationId) conditions.push(eq(webhookDeliveries.migrationId, filter.migrationId));
  if (after) conditions.push(olderThan(webhookDeliveries.createdAt, webhookDeliveries.id, after));
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit + 1)
    .all();
}

/** The delivery, if it is `providerId`'s own. */
export async function findOwnDelivery(db: Db, providerId: string, id: string): Promise<Row | null> {
  return (await db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.providerId, providerId))).get()) ?? null;
}

/** Customers whose coordinators hold deliveries due before `before` (their alarm seems not to have run). */
export async function customersWithOverdueDeliveries(db: Db, before: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ customerId: webhookDeliveries.customerId })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.state, 'pending'), lt(webhookDeliveries.nextAttemptAt, before)))
    .limit(limit)
    .all();
  return rows.map((r) => r.customerId);
}

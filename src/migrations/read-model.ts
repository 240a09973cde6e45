/** The D1 read model of migrations: written by coordinators, read by the API and the cron. */
import { and, desc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { migrations } from '../../schema';
import type { Principal } from '../auth/principal';
import { olderThan, upsertUnlessNewer, type Db } from '../db';
import type { MigrationSnapshot, Transition } from './snapshot';
import { ACTIVE_STATES, type ActorKind, type MigrationState } from '../lib/lifecycle';
import { type Scope } from '../inventory/units';

type Row = typeof migrations.$inferSelect;

export function migrationUpsert(db: Db, s: MigrationSnapshot) {
  const { history, ...rest } = s;
  return db
    .insert(migrations)
    .values({ ...rest, history: JSON.stringify(history) })
    .onConflictDoUpdate(upsertUnlessNewer(migrations, migrations.id, migrations.version));
}

function snapshotFromRow(row: Row): MigrationSnapshot {
  return {
    ...row,
    scope: row.scope as Scope,
    initiatorKind: row.initiatorKind as ActorKind,
    state: row.state as MigrationState,
    history: JSON.parse(row.history) as Transition[],
  };
}

/** Whether `who` is a party to the migration (the operator sees every migration). */
export function isParty(s: Pick<MigrationSnapshot, 'customerId' | 'sourceProviderId' | 'targetProviderId'>, who: Pick<Principal, 'id' | 'kind'>): boolean {
  if (who.kind === 'operator') return true;
  if (who.kind === 'customer') return s.customerId === who.id;
  if (who.kind === 'provider') return s.sourceProviderId === who.id || s.targetProviderId === who.id;
  return false;
}

export async function getMigrationRow(db: Db, id: string): Promise<MigrationSnapshot | null> {
  const row = await db.select().from(migrations).where(eq(migrations.id, id)).get();
  return row ? snapshotFromRow(row) : null;
}

export interface ListFilter {
  state?: MigrationState | undefined;
  customerId?: string | undefined;
}

/** The caller's migrations (as a party), newest first; `after` is the previous page's last `createdAt\nid`. */
export async function listMigrationRows(db: Db, who: Pick<Principal, 'id' | 'kind'>, filter: ListFilter, limit: number, after?: string) {
  const conditions: (SQL | undefined)[] = [];
  if (who.kind === 'customer') conditions.push(eq(migrations.customerId, who.id));
  else if (who.kind === 'provider') conditions.push(or(eq(migrations.sourceProviderId, who.id), eq(migrations.targetProviderId, who.id)));
  else if (who.kind !== 'operator') return [];
  if (filter.state) conditions.push(eq(migrations.state, filter.state));
  if (filter.customerId) conditions.push(eq(migrations.customerId, filter.customerId));
  if (after) conditions.push(olderThan(migrations.createdAt, migrations.id, after));
  const rows = await db
    .select()
    .from(migrations)
    .where(and(...conditions))
    .orderBy(desc(migrations.createdAt), desc(migrations.id))
    .limit(limit + 1)
    .all();
  return rows.map(snapshotFromRow);
}

/**
 * A random sample of active migrations in `states`, quiet since before `before` and not yet flagged
 * stalled. Random, not oldest first: migrations quiet by design (a cutover held by a long traffic
 * schedule step) are checked and skipped by their coordinators, and must not crowd out real stalls.
 */
export async function quietMigrations(db: Db, states: readonly MigrationState[], before: number, limit: number) {
  return db
    .select({ id: migrations.id, customerId: migrations.customerId })
    .from(migrations)
    .where(and(inArray(migrations.state, states), lt(migrations.lastProgressAt, before), isNull(migrations.stalledAt)))
    .orderBy(sql`random()`)
    .limit(limit)
    .all();
}

/**
 * A random sample of customers whose migrations are active or changed since `since`, to check
 * against their coordinators. Random, so that every one is eventually checked by a bounded job.
 */
export async function customersToRepair(db: Db, since: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ customerId: migrations.customerId })
    .from(migrations)
    .where(or(inArray(migrations.state, [...ACTIVE_STATES]), gt(migrations.updatedAt, since)))
    .orderBy(sql`random()`)
    .limit(limit)
    .all();
  return [...new Set(rows.map((r) => r.customerId))];
}

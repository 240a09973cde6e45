/**
 * What the coordinator writes to D1 besides its read models (./mirror.ts), outside its storage
 * transactions: the placements' switch at cutover, and the platform compatibility watches.
 */
import type { ModuleRef } from '../agent/tasks';
import { getPlatform } from '../catalog/store';
import { setMigrationTarget } from '../compatibility/revoked';
import { getDb } from '../db';
import type { Env } from '../env';
import { revokeHeldByFormerProvider } from '../hardware/revocation';
import { switchCustomerPlatform } from '../inventory/placements';
import { errorMessage, log } from '../lib/log';
import { activeMigration, type MigrationRow } from './ledger';
import { customerOf, getMeta, setMeta } from './meta';

/**
 * Cutover: the customer's placements move to platform B (idempotent). Returns platform A's modules
 * as A publishes them now, less any B installed in the same version (what to remove from the
 * servers), or null when D1 could not be written (retried at the next settle).
 */
export async function switchPlacements(env: Env, m: MigrationRow): Promise<ModuleRef[] | null> {
  try {
    const db = getDb(env.DB);
    await switchCustomerPlatform(db, m.customer_id, m.source_platform_id, m.target_platform_id, Date.now(), revokeHeldByFormerProvider);
    const kept = new Set((JSON.parse(m.target_modules) as ModuleRef[]).map((x) => `${x.name}@${x.version}`));
    return ((await getPlatform(db, m.source_platform_id))?.modules ?? []).filter((x) => !kept.has(`${x.name}@${x.version}`));
  } catch (err) {
    log('error', 'migration.cutover-failed', { migrationId: m.id, message: errorMessage(err) });
    return null;
  }
}

/**
 * Compatibility watches the platform a customer is migrating to (to report `compatibility.revoked`);
 * tell it when that changes. A failure is retried at the next settle.
 */
export async function syncCompatibilityTarget(sql: SqlStorage, env: Env): Promise<void> {
  const customerId = customerOf(sql);
  const want = activeMigration(sql)?.target_platform_id ?? '';
  if (!customerId || want === (getMeta(sql, 'compat_target') ?? '')) return;
  try {
    await setMigrationTarget(getDb(env.DB), customerId, want || null);
    setMeta(sql, 'compat_target', want);
  } catch (err) {
    log('error', 'migration.compat-target-failed', { message: errorMessage(err) });
  }
}

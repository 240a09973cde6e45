/** The coordinator's `meta` table: which customer the object belongs to, and what it last told D1. */
import { first, run } from '../lib/do-sql';

export const META_SCHEMA = ['CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)'];

export function getMeta(sql: SqlStorage, key: string): string | null {
  return first<{ value: string }>(sql, 'SELECT value FROM meta WHERE key = ?', key)?.value ?? null;
}

export function setMeta(sql: SqlStorage, key: string, value: string): void {
  run(sql, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
}

export function customerOf(sql: SqlStorage): string | null {
  return getMeta(sql, 'customer_id');
}

/** Records which customer this object belongs to; false if it belongs to another. */
export function claim(sql: SqlStorage, customerId: string): boolean {
  const owner = customerOf(sql);
  if (!owner) setMeta(sql, 'customer_id', customerId);
  return !owner || owner === customerId;
}

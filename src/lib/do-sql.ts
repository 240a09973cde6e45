/** Small typed helpers over a Durable Object's SQLite storage (`ctx.storage.sql`). */

export type SqlValue = string | number | null;

export function all<T>(sql: SqlStorage, query: string, ...params: SqlValue[]): T[] {
  return sql.exec(query, ...params).toArray() as T[];
}

export function first<T>(sql: SqlStorage, query: string, ...params: SqlValue[]): T | null {
  return (sql.exec(query, ...params).toArray()[0] as T | undefined) ?? null;
}

export function run(sql: SqlStorage, query: string, ...params: SqlValue[]): void {
  sql.exec(query, ...params);
}

/** Rows an `UPDATE … RETURNING` changed (`rowsWritten` also counts index writes). */
export function changed(sql: SqlStorage, query: string, ...params: SqlValue[]): number {
  return sql.exec(query, ...params).toArray().length;
}

/**
 * Rows mirrored to a D1 read model carry `version` (bumped on every change) and `mirrored_version`
 * (the version D1 has). These three keep that bookkeeping the same for every mirrored table.
 */
export type MirroredTable = 'migration' | 'agent_task' | 'webhook_delivery';

/** The bookkeeping columns of a mirrored table (with `updated_at`, which orders the flush). */
export const MIRROR_COLUMNS = `updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    mirrored_version INTEGER NOT NULL DEFAULT 0`;

export function unmirrored<T>(sql: SqlStorage, table: MirroredTable, limit: number): T[] {
  return all<T>(sql, `SELECT * FROM ${table} WHERE version > mirrored_version ORDER BY updated_at LIMIT ?`, limit);
}

export function markMirrored(sql: SqlStorage, table: MirroredTable, id: string, version: number): void {
  run(sql, `UPDATE ${table} SET mirrored_version = ? WHERE id = ? AND mirrored_version < ?`, version, id, version);
}

/** Makes every row of `table` due for mirroring again (read-model repair). */
export function forgetMirror(sql: SqlStorage, table: MirroredTable): void {
  run(sql, `UPDATE ${table} SET mirrored_version = 0`);
}

/** The table that records a Durable Object's schema version (see `migrateSchema`). */
const VERSION_TABLE = 'CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)';

export function schemaVersion(sql: SqlStorage): number {
  sql.exec(VERSION_TABLE);
  return first<{ version: number }>(sql, 'SELECT version FROM schema_version WHERE id = 1')?.version ?? 0;
}

/**
 * Brings a Durable Object's SQLite schema to the last of `steps` (step i makes version i + 1): each
 * step not applied yet runs once, in order, in one transaction with its new version, so a step
 * either applies whole or not at all. A database newer than the code is refused, not guessed at.
 * Returns the version reached.
 */
export function migrateSchema(storage: DurableObjectStorage, steps: readonly (readonly string[])[]): number {
  const current = storage.transactionSync(() => schemaVersion(storage.sql));
  if (current > steps.length) throw new Error(`the stored schema is version ${current}, newer than this code's ${steps.length}`);
  for (let version = current + 1; version <= steps.length; version++) {
    storage.transactionSync(() => {
      for (const statement of steps[version - 1]!) storage.sql.exec(statement);
      run(storage.sql, 'INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version', version);
    });
  }
  return steps.length;
}

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

/** Runs several DDL statements (one string each). */
export function migrate(sql: SqlStorage, statements: string[]): void {
  for (const statement of statements) sql.exec(statement);
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

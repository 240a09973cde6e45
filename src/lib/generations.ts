/**
 * Generations of what a MIP answer depends on (schema/compatibility.ts `compat_generations`), shared
 * here because writers in several folders (inventory, compatibility) bump them. Each
 * write that can change an answer bumps its keys in the same D1 batch as the write itself, so a
 * stored answer is never served after its inputs changed.
 */
import { sql, type SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';

export const CATALOG = 'catalog';
export const customerKey = (customerId: string) => `customer:${customerId}`;
export const siteKey = (siteId: string) => `site:${siteId}`;

/** Sets every listed key to the next value of the global sequence (one statement). */
export function bumpSql(keys: string[]): SQL {
  return sql`insert into compat_generations (key, value)
    select value, (select coalesce(max(value), 0) + 1 from compat_generations) from json_each(${JSON.stringify([...new Set(keys)])}) where true
    on conflict (key) do update set value = excluded.value`;
}

const dialect = new SQLiteAsyncDialect();

/** The same as SQL text and parameters, for batches of D1 prepared statements. */
export function bumpStatement(keys: string[]): { sql: string; params: unknown[] } {
  return dialect.sqlToQuery(bumpSql(keys));
}

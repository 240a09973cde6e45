import { getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as schema from '../schema';
import { COMPAT_MAX_JSON_PARAM, D1_MAX_PARAMS } from './constants';
import { errorMessage } from './lib/log';

export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

const instances = new WeakMap<D1Database, Db>();

/**
 * One drizzle instance per D1 binding, kept for the isolate's life: building one with the schema
 * walks every table, which a request should not pay for. A read session (src/http/d1-session.ts)
 * lives for one request and gets a bare instance (nothing here uses drizzle's relational queries).
 */
export function getDb(d1: D1Database): Db {
  let db = instances.get(d1);
  if (!db) {
    db = ('withSession' in d1 ? drizzle(d1, { schema }) : drizzle(d1)) as Db;
    instances.set(d1, db);
  }
  return db;
}

/** A statement for `runAll`: SQL text with its parameters, or a drizzle query builder. */
export type Statement = { sql: string; params: unknown[] } | { toSQL(): { sql: string; params: unknown[] } };

/**
 * Statements as one D1 batch (one transaction), mixing drizzle builders with raw SQL (drizzle's own
 * batch takes builders only); returns each statement's result.
 */
export async function runAll(db: Db, stmts: Statement[]): Promise<D1Result[]> {
  if (!stmts.length) return [];
  const d1 = db.$client;
  return d1.batch(
    stmts.map((s) => {
      const q = 'toSQL' in s ? s.toSQL() : s;
      return d1.prepare(q.sql).bind(...q.params);
    }),
  );
}

/** Splits rows so that one multi-row INSERT stays within D1's bound-parameter limit. */
export function chunkForInsert<T extends object>(items: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(D1_MAX_PARAMS / columns));
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * `ON CONFLICT (pk) DO UPDATE` that rewrites the listed columns only when one of them differs, so
 * re-sending the same data changes nothing (and RETURNING yields only rows that really changed).
 */
export function upsertChanged<T extends SQLiteTable>(table: T, target: SQLiteColumn, columns: SQLiteColumn[], extra: Record<string, SQL> = {}) {
  const set: Record<string, SQL> = { ...extra };
  const differs: SQL[] = [];
  for (const col of columns) {
    const key = Object.entries(getTableColumns(table)).find(([, c]) => c === col)?.[0];
    if (!key) throw new Error(`column ${col.name} is not in the table`);
    set[key] = sql.raw(`excluded."${col.name}"`);
    differs.push(sql`${sql.raw(`excluded."${col.name}"`)} IS NOT ${col}`);
  }
  return { target, set, setWhere: sql.join(differs, sql` OR `) };
}

/** Ids from `ids` that exist in `column`, in chunks within D1's parameter limit. */
export async function existingIds(db: Db, table: SQLiteTable, column: SQLiteColumn, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += D1_MAX_PARAMS) {
    const rows = await db
      .select({ id: column })
      .from(table)
      .where(inArray(column, unique.slice(i, i + D1_MAX_PARAMS)))
      .all();
    for (const r of rows) found.add(String(r.id));
  }
  return found;
}

/** True when a write failed on a UNIQUE constraint naming `what` (e.g. "platforms.provider_id, platforms.name"). */
export function isUniqueViolation(err: unknown, what: string): boolean {
  return errorMessage(err).includes(`UNIQUE constraint failed: ${what}`);
}

/** Splits rows into JSON array payloads (one bound parameter each, read with json_each) under COMPAT_MAX_JSON_PARAM. */
export function jsonChunks(items: unknown[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const item of items) {
    const text = JSON.stringify(item);
    if (current.length && size + text.length + 1 > COMPAT_MAX_JSON_PARAM) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += text.length + 1;
  }
  if (current.length) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

/** `(select value from json_each(?))` over a JSON array payload, for `IN`. */
function jsonValues(payload: string): SQL {
  return sql`(select value from json_each(${payload}))`;
}

/** Any number of values as one bound parameter, for `IN` (`jsonValues`). */
export function jsonIds(ids: string[]): SQL {
  return jsonValues(JSON.stringify(ids));
}

/**
 * Rows for any number of values: `read` gets `(select value from json_each(?))` for `IN` and runs
 * once per chunk of the values, so that no bound list passes COMPAT_MAX_JSON_PARAM (D1 refuses a
 * string over its size limit with SQLITE_TOOBIG).
 */
export async function readInChunks<T>(values: string[], read: (list: SQL) => Promise<T[]>): Promise<T[]> {
  const found: T[] = [];
  for (const payload of jsonChunks(values)) found.push(...(await read(jsonValues(payload))));
  return found;
}

/**
 * `ON CONFLICT (pk) DO UPDATE` of every other column from the incoming row, unless the stored row
 * has a higher `version`: read models written by a single writer (a Durable Object) never go back.
 */
export function upsertUnlessNewer<T extends SQLiteTable>(table: T, target: SQLiteColumn, version: SQLiteColumn) {
  const set: Record<string, SQL> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) {
    if (col !== target) set[key] = sql.raw(`excluded."${col.name}"`);
  }
  return { target, set, setWhere: sql`${sql.raw(`excluded."${version.name}"`)} >= ${version}` };
}

/**
 * Keyset pagination: a cursor is the sort key of the previous page's last row, its two parts joined
 * by a newline (encoded for clients by src/http/openapi.ts). `numeric`: the first part is a number
 * column (a time), compared as a number.
 */
export function cursorOf(first: string | number, second: string): string {
  return `${first}\n${second}`;
}

export function cursorParts(cursor: string, numeric = true): [string | number, string] {
  const [first = numeric ? '0' : '', second = ''] = cursor.split('\n');
  return [numeric ? Number(first) : first, second];
}

/** Keyset condition for newest-first lists: rows before the cursor `createdAt\nid`. */
export function olderThan(createdAt: SQLiteColumn, id: SQLiteColumn, cursor: string): SQL {
  const [at, last] = cursorParts(cursor);
  return sql`(${createdAt}, ${id}) < (${at}, ${last})`;
}

/** Keyset condition for lists in ascending order of (first, second): rows after the cursor. */
export function keysetAfter(first: SQLiteColumn, second: SQLiteColumn, cursor: string, numeric = true): SQL {
  const [a, b] = cursorParts(cursor, numeric);
  return rowsAfter(first, second, a, b);
}

/** Keyset condition in ascending order of (first, second): rows after the key (a, b). */
export function rowsAfter(first: SQLiteColumn, second: SQLiteColumn, a: string | number, b: string): SQL {
  return sql`(${first}, ${second}) > (${a}, ${b})`;
}

import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { migrateSchema, schemaVersion } from '../../src/lib/do-sql';
import { COORDINATOR_SCHEMA } from '../../src/migrations/storage-schema';

const stub = (name: string) => env.COORDINATOR.get(env.COORDINATOR.idFromName(name));

/** Empties an object's database, then gives it the shape objects had before versions were kept. */
function unversioned(storage: DurableObjectStorage): void {
  const tables = storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
  for (const { name } of tables) storage.sql.exec(`DROP TABLE "${name}"`);
  // What the constructor ran before versions: every module's CREATE … IF NOT EXISTS, nothing recorded.
  for (const statement of COORDINATOR_SCHEMA[0]!) storage.sql.exec(statement);
}

describe('coordinator storage schema', () => {
  it('upgrades a database of the shape kept before versions, and its rows stay', async () => {
    await runInDurableObject(stub('schema-unversioned'), (_, state) => {
      unversioned(state.storage);
      state.storage.sql.exec("INSERT INTO meta (key, value) VALUES ('customer_id', 'cus_before')");
      expect(migrateSchema(state.storage, COORDINATOR_SCHEMA)).toBe(1);
      expect(schemaVersion(state.storage.sql)).toBe(1);
      expect(state.storage.sql.exec("SELECT value FROM meta WHERE key = 'customer_id'").one().value).toBe('cus_before');
    });
  });

  it('applies a later step once, in order, on top of the current version', async () => {
    await runInDurableObject(stub('schema-next'), (_, state) => {
      const next = [...COORDINATOR_SCHEMA, ['ALTER TABLE meta ADD COLUMN note TEXT', "UPDATE meta SET note = 'added'"]];
      state.storage.sql.exec("INSERT INTO meta (key, value) VALUES ('customer_id', 'cus_next')");
      expect(migrateSchema(state.storage, next)).toBe(next.length);
      // A second run would fail on the ALTER (duplicate column) if the step ran again.
      expect(migrateSchema(state.storage, next)).toBe(next.length);
      expect(state.storage.sql.exec("SELECT note FROM meta WHERE key = 'customer_id'").one().note).toBe('added');
    });
  });

  it('applies a failing step not at all, and refuses a database newer than the code', async () => {
    await runInDurableObject(stub('schema-failing'), (_, state) => {
      const before = schemaVersion(state.storage.sql);
      const broken = [...COORDINATOR_SCHEMA, ['CREATE TABLE half_done (id TEXT)', 'ALTER TABLE no_such_table ADD COLUMN x TEXT']];
      expect(() => migrateSchema(state.storage, broken)).toThrow();
      expect(schemaVersion(state.storage.sql)).toBe(before);
      expect(state.storage.sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").one().n).toBe(0);
      expect(() => migrateSchema(state.storage, COORDINATOR_SCHEMA.slice(0, before - 1))).toThrow(/newer than this code/);
    });
  });
});

// Before each test file: the runtime is shared by the files vitest runs one after another in it
// (test/vitest.config.ts), so every Durable Object's storage and the D1 database (itself a Durable
// Object in workerd) are deleted first, then the migrations applied to the empty database. After the
// file, the queue is emptied (test/queue.ts), so no message of one file runs in the next one's world.
import { applyD1Migrations, reset } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll } from 'vitest';
import { emptyQueue, QUEUE_EMPTIED_WITHIN_MS } from './queue';

await reset();
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Its own limit: emptying gives up (with a warning) before the hook would fail the file.
afterAll(() => emptyQueue(env.RECOMPUTE), QUEUE_EMPTIED_WITHIN_MS + 30_000);

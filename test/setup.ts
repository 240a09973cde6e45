// Before each test file: the runtime is shared by the files vitest runs one after another in it
// (test/vitest.config.ts), so every Durable Object is aborted first (what its memory holds goes,
// the local queue's pending and retried messages of the file before included), then every Durable
// Object's storage and the D1 database (itself a Durable Object in workerd) are deleted and the
// migrations applied to the empty database.
import { abortAllDurableObjects, applyD1Migrations, reset } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

await abortAllDurableObjects();
await reset();
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

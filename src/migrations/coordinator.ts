import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/**
 * One per customer (addressed by the authenticated customer's id only): the single writer of that
 * customer's migration and traffic state. Its storage schema is created inside
 * blockConcurrencyWhile so no call ever sees a half-initialised object.
 */
export class CustomerCoordinator extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    });
  }
}

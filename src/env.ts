import type { Principal } from './auth/principal';
import type { CatalogReactions } from './catalog/reactions';
import type { InventoryReactions } from './inventory/reactions';
import type { CustomerCoordinator } from './migrations/coordinator';
import type { QueueMessage } from './reconcile/queue';

/** Bindings declared in wrangler.toml plus the Worker secrets. */
export interface Env {
  DB: D1Database;
  COORDINATOR: DurableObjectNamespace<CustomerCoordinator>;
  /** Recomputation of the materialised compatibility table and stored MIP answers; reconciliation runs asked for. */
  RECOMPUTE: Queue<QueueMessage>;
  /** "production" unless overridden (".dev.vars" sets "development"). */
  ENVIRONMENT: string;
  /** `iss` of every token this service signs. */
  ISSUER: string;
  /** Bootstrap operator key (Worker secret). */
  OPERATOR_KEY: string;
  /** Base64 of 32 random bytes: AES-GCM key for secrets kept at rest (Worker secret). */
  SECRETS_KEY: string;
  /**
   * JSON array of private Ed25519 JWKs with `kid`s that sign hardware IDs (Worker secret). The
   * first signs, all verify; `node scripts/gen-signing-key.mjs` prints a new set.
   */
  HWID_SIGNING_KEYS: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    principal: Principal;
    /** What follows a change in one folder and belongs to another (wired in app.ts). */
    reactions: CatalogReactions & InventoryReactions;
  };
}

/**
 * What must follow an inventory change but belongs to folders that read the inventory
 * (compatibility verdicts, hardware IDs): inventory's routes call these, src/app.ts wires them, so
 * the inventory does not import its readers.
 */
import type { Db, Statement } from '../db';
import type { Env } from '../env';

export interface InventoryReactions {
  /** Servers whose properties or capacity changed: their verdicts are recomputed. */
  serversChanged(db: Db, env: Env, ids: string[]): Promise<void>;
  /** A provider stopped being the customer's provider: a statement that ends what it holds for the customer. */
  relationshipEnded: RelationshipEnded;
}

export type RelationshipEnded = (db: Db, customerId: string, providerId: string, now: number) => Statement;

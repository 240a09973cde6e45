/**
 * What must follow a catalog change but belongs to a folder that reads the catalog (the
 * compatibility verdicts): catalog's routes call these, src/app.ts wires them, so the catalog does
 * not import its readers.
 */
import type { Db } from '../db';
import type { Env } from '../env';
import type { PlatformT } from './schema';

export interface CatalogReactions {
  /** A new platform: its verdicts are computed (readers see `fresh: false` meanwhile). */
  platformPublished(db: Db, env: Env, platform: PlatformT): Promise<void>;
  /** A patched platform: its verdicts again if its requirements changed. */
  platformRevised(db: Db, env: Env, platform: PlatformT, requirementsChanged: boolean): Promise<void>;
}

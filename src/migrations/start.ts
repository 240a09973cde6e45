/**
 * Starting a migration, as a pipeline: who may start it → what moves where (source platform,
 * target platform, the customer's placements) → is the target still compatible → the coordinator
 * records it. Everything the coordinator needs is resolved here, from D1, before it is called.
 */
import type { z } from '@hono/zod-openapi';
import type { Principal } from '../auth/principal';
import { getPrincipal } from '../auth/store';
import { getPlatform } from '../catalog/store';
import { MAX_MIGRATION_TARGETS } from '../constants';
import type { Db } from '../db';
import type { Env } from '../env';
import { problems } from '../http/problem';
import { currentPlatformId, listPlacements } from '../inventory/placements';
import { coordinatorFor } from './coordinator-client';
import { newMigrationId, type MigrationSnapshot } from './ledger';
import { unwrap } from './outcome';
import type { StartMigrationBody } from './schema';

type Body = z.infer<typeof StartMigrationBody>;

const unknownRef = (field: string, what: string) => problems.unprocessable(`No such ${what}.`, [{ field, message: `no such ${what}` }]);

export async function startMigration(env: Env, db: Db, caller: Principal, body: Body, requestKey: string): Promise<MigrationSnapshot> {
  if (caller.kind === 'customer' && body.customerId !== caller.id) throw problems.forbidden('A customer starts migrations of its own platform only.');
  const target = await getPlatform(db, body.targetPlatformId);
  if (!target) throw unknownRef('targetPlatformId', 'platform');
  if (caller.kind === 'provider' && target.providerId !== caller.id) throw problems.forbidden('A provider starts migrations to its own platforms only.');
  const customer = await getPrincipal(db, body.customerId);
  if (!customer || customer.kind !== 'customer') throw unknownRef('customerId', 'customer');

  const sourcePlatformId = await currentPlatformId(db, body.customerId);
  if (!sourcePlatformId) throw problems.unprocessable('The customer has no placements to migrate.');
  if (sourcePlatformId === target.id) throw problems.unprocessable('The customer already runs on the target platform.');
  const source = await getPlatform(db, sourcePlatformId);
  if (!source) throw problems.unprocessable('The customer’s current platform no longer exists.');

  const placements = await listPlacements(db, { customerId: body.customerId }, MAX_MIGRATION_TARGETS);
  if (placements.length > MAX_MIGRATION_TARGETS) throw problems.unprocessable(`A migration covers at most ${MAX_MIGRATION_TARGETS} servers.`);

  const outcome = await coordinatorFor(env, body.customerId).start({
    id: newMigrationId(),
    requestKey,
    customerId: body.customerId,
    source: { platformId: source.id, providerId: source.providerId },
    target: { platformId: target.id, providerId: target.providerId, modules: target.modules },
    autoAccept: target.autoAccept,
    scope: body.scope,
    initiator: { id: caller.id, kind: caller.kind },
    targets: placements.map((p) => ({ serverId: p.serverId, storageAddress: p.storageAddress })),
  });
  return unwrap(outcome);
}

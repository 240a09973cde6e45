/**
 * Starting a migration, as a pipeline: who may start it → which hardware (hardware IDs, verified
 * once by the one verifier) → what moves where (source platform, target platform, the customer's
 * placements) → is the target compatible now, and where do its modules go → the coordinator
 * records it. Everything the coordinator needs is resolved here, from D1, before it is called.
 */
import type { z } from '@hono/zod-openapi';
import type { Principal } from '../auth/principal';
import { getPrincipal } from '../auth/store';
import type { PlatformT } from '../catalog/schema';
import { getPlatform } from '../catalog/store';
import { MAX_MIGRATION_TARGETS } from '../constants';
import type { Db } from '../db';
import type { Env } from '../env';
import { releaseUses, requireHardwareIds, type VerifiedHardwareId } from '../hardware/verifier';
import { problems } from '../http/problem';
import { currentPlatformId, listPlacements } from '../inventory/placements';
import { coordinatorFor } from '../lib/coordinator';
import { newMigrationId } from './ledger';
import type { MigrationSnapshot } from './snapshot';
import { unwrap } from '../http/outcome';
import { assertCovered, planTargets } from './plan';
import type { StartMigrationBody } from './schema';

type Body = z.infer<typeof StartMigrationBody>;

const unknownRef = (field: string, what: string) => problems.unprocessable(`No such ${what}.`, [{ field, message: `no such ${what}` }]);

export async function startMigration(env: Env, db: Db, caller: Principal, body: Body, requestKey: string, requestId: string): Promise<MigrationSnapshot> {
  if (caller.kind === 'customer' && body.customerId !== caller.id) throw problems.forbidden('A customer starts migrations of its own platform only.');
  const target = await getPlatform(db, body.targetPlatformId);
  if (!target) throw unknownRef('targetPlatformId', 'platform');
  if (caller.kind === 'provider' && target.providerId !== caller.id) throw problems.forbidden('A provider starts migrations to its own platforms only.');
  if (caller.kind === 'provider' && !body.hardwareIds)
    throw problems.unprocessable('A provider names the customer’s hardware with hardware IDs the customer minted for it.', [{ field: 'json.hardwareIds', message: 'required' }]);

  const verified = body.hardwareIds ? await requireHardwareIds(env, db, body.hardwareIds, caller, { requestId }) : [];
  const coordinator = coordinatorFor(env, body.customerId);
  let reserved = false;
  try {
    if (verified.some((v) => v.customerId !== body.customerId))
      throw problems.hardwareIdRefused(verified.flatMap((v) => (v.customerId === body.customerId ? [] : [{ field: `json.hardwareIds.${v.index}`, message: 'not accepted' }])));
    // The caller acts for this customer from here on: hold the start before reading what it needs.
    unwrap(await coordinator.reserveStart(requestKey));
    reserved = true;
    return await record(env, db, caller, body, target, verified, requestKey);
  } catch (err) {
    await releaseUses(db, verified.map((v) => v.alias));
    if (reserved) await coordinator.releaseStart(requestKey);
    throw err;
  }
}

async function record(env: Env, db: Db, caller: Principal, body: Body, target: PlatformT, verified: VerifiedHardwareId[], requestKey: string) {
  const customer = await getPrincipal(db, body.customerId);
  if (!customer || customer.kind !== 'customer') throw unknownRef('customerId', 'customer');
  const sourcePlatformId = await currentPlatformId(db, body.customerId);
  if (!sourcePlatformId) throw problems.unprocessable('The customer has no placements to migrate.');
  if (sourcePlatformId === target.id) throw problems.unprocessable('The customer already runs on the target platform.');
  const source = await getPlatform(db, sourcePlatformId);
  if (!source) throw problems.unprocessable('The customer’s current platform no longer exists.');

  const placements = await listPlacements(db, { customerId: body.customerId }, MAX_MIGRATION_TARGETS);
  if (placements.length > MAX_MIGRATION_TARGETS) throw problems.unprocessable(`A migration covers at most ${MAX_MIGRATION_TARGETS} servers.`);
  if (verified.length) await assertCovered(db, placements, verified);
  const targets = await planTargets(db, target, body.scope, placements);

  const outcome = await coordinatorFor(env, body.customerId).start({
    id: newMigrationId(),
    requestKey,
    customerId: body.customerId,
    source: { platformId: source.id, providerId: source.providerId },
    target: { platformId: target.id, providerId: target.providerId, modules: target.modules },
    autoAccept: target.autoAccept,
    scope: body.scope,
    initiator: { id: caller.id, kind: caller.kind },
    targets,
  });
  return unwrap(outcome);
}

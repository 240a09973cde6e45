import type { Principal } from '../auth/principal';
import { getPlatform } from '../catalog/store';
import type { Db } from '../db';
import { problems } from '../http/problem';
import { currentPlatformId } from '../inventory/placements';

/**
 * A customer's own data views are open to the customer and to its current provider (the
 * provider of the platform its placements are on). Anyone else gets the same 404 as for a
 * customer that does not exist, so nothing is revealed.
 */
export async function assertCustomerOrCurrentProvider(db: Db, caller: Principal, customerId: string): Promise<void> {
  if (caller.kind === 'customer' && caller.id === customerId) return;
  if (caller.kind === 'provider') {
    const platformId = await currentPlatformId(db, customerId);
    const platform = platformId ? await getPlatform(db, platformId) : null;
    if (platform?.providerId === caller.id) return;
  }
  throw problems.notFound('customer');
}

import { getPlatform } from '../catalog/store';
import type { Db } from '../db';
import { currentPlatformId } from './placements';
import type { Principal } from '../auth/principal';

/**
 * Whether `principal` may act for `customerId`: the customer itself, or the provider of the
 * platform the customer's placements are on (its current provider). Anyone else, including for a
 * customer that does not exist, gets the same `false`.
 */
export async function actsForCustomer(db: Db, principal: Pick<Principal, 'id' | 'kind'>, customerId: string): Promise<boolean> {
  if (principal.kind === 'customer') return principal.id === customerId;
  if (principal.kind !== 'provider') return false;
  const platformId = await currentPlatformId(db, customerId);
  const platform = platformId ? await getPlatform(db, platformId) : null;
  return platform?.providerId === principal.id;
}

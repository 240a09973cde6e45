import { actsForCustomer } from '../inventory/acts-for';
import type { Principal } from '../auth/principal';
import type { Db } from '../db';
import { problems } from '../http/problem';

/**
 * A customer's own data views are open to the customer and to its current provider (the
 * provider of the platform its placements are on). Anyone else gets the same 404 as for a
 * customer that does not exist, so nothing is revealed.
 */
export async function assertCustomerOrCurrentProvider(db: Db, caller: Principal, customerId: string): Promise<void> {
  if (!(await actsForCustomer(db, caller, customerId))) throw problems.notFound('customer');
}

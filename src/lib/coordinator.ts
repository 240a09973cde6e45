/** How the Worker reaches a customer's coordinator: by the customer's id only. */
import type { Env } from '../env';

export function coordinatorFor(env: Env, customerId: string) {
  return env.COORDINATOR.get(env.COORDINATOR.idFromName(customerId));
}

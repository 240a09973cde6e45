/** A server's properties for the pure tests of src/disclosure: the factories' common kind, with `over` changed. */
import type { ServerFacts } from '../../src/inventory/facts';
import { server } from '../factories';

export const props = (over: Partial<ServerFacts['properties']> = {}): ServerFacts['properties'] => ({ privateNetworkId: 'pn-secret', ...server('p', 'k', over).properties }) as ServerFacts['properties'];

/**
 * The test client's types, checked by `npm run typecheck` (never run): each `@ts-expect-error`
 * marks a call that must not type-check, so a client that let it through fails the type check
 * with an unused directive. Bodies follow the OpenAPI document's request bodies.
 */
import { call, offSchema, succeed } from '../http';

export async function requestBodies(key: string): Promise<void> {
  // The documented body, with or without its optional fields.
  await call('POST', '/v1/customers', { key, body: { name: 'Acme', organisation: 'Acme Ltd' } });
  await call('POST', '/v1/customers', { key, body: { name: 'Acme', organisation: 'Acme Ltd', serviceLevel: 'premium' } });
  await succeed('POST', '/v1/hardware-ids', { key, body: { scope: 'rack', audience: ['prv_x'] } });
  await call('PUT', `/v1/migrations/${key}/analysis`, { key, body: { threshold: 0.2 } });

  // @ts-expect-error: a required field missing
  await call('POST', '/v1/customers', { key, body: { name: 'Acme' } });
  // @ts-expect-error: a value the document does not list
  await call('POST', '/v1/customers', { key, body: { name: 'Acme', organisation: 'Acme Ltd', serviceLevel: 'gold' } });
  // @ts-expect-error: a field of the wrong type
  await call('PUT', `/v1/migrations/${key}/analysis`, { key, body: { threshold: '0.2' } });
  // @ts-expect-error: a field the document does not have
  await call('POST', '/v1/hardware-ids', { key, body: { scope: 'rack', servers: 3 } });
  // @ts-expect-error: text, not the JSON body
  await call('POST', '/v1/customers', { key, body: '{"name": "Acme"}' });
  // @ts-expect-error: an operation that takes no body
  await call('POST', `/v1/migrations/${key}/accept`, { key, body: {} });
  // @ts-expect-error: set-up steps are typed the same way
  await succeed('POST', '/v1/hardware-ids', { key, body: { scope: 'cage' } });

  // The explicit way past the check, for a test of the refusal.
  await call('POST', '/v1/customers', { key, body: offSchema({ name: 'Acme' }) });
}

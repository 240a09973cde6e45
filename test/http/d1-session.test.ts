import { describe, expect, it } from 'vitest';
import { call, expectProblem, OPERATOR, expectStatus } from '../http';
import { registerCustomer } from '../factories';

describe('reads through the D1 Sessions API', () => {
  it('a GET answers with the session’s bookmark, and a read given it back sees what was written before', async () => {
    const first = await call('GET', '/v1/account', { key: OPERATOR });
    expectStatus(first, 200);
    const bookmark = first.headers.get('x-d1-bookmark');
    expect(bookmark).toMatch(/^[0-9A-Za-z-]+$/);
    const customer = await registerCustomer();
    const again = await call('GET', '/v1/account', { key: customer.key, headers: { 'x-d1-bookmark': bookmark! } });
    expectStatus(again, 200);
    expect(again.body).toMatchObject({ id: customer.id });
    expect(again.headers.get('x-d1-bookmark')).toMatch(/^[0-9A-Za-z-]+$/);
  });

  it('refuses what is not a bookmark, and writes run without a session', async () => {
    expectProblem(await call('GET', '/v1/account', { key: OPERATOR, headers: { 'x-d1-bookmark': 'no bookmark; drop table' } }), 400, 'validation');
    const write = await call('POST', '/v1/customers', { key: OPERATOR, body: { name: 'session-write', organisation: 'S Ltd' } });
    expectStatus(write, 201);
    expect(write.headers.get('x-d1-bookmark')).toBeNull();
  });
});

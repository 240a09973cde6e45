import { describe, expect, it } from 'vitest';
import { PAGE_LIMIT_MAX } from '../../src/constants';
import { registerCustomer, registerProvider } from '../factories';
import type { Schemas } from '../../scripts/lib/api-types';
import { call, expectProblem, OPERATOR, expectStatus } from '../http';

type Listed = Schemas['Principal'];

/** Every item of an operator list, page by page, with the pages' sizes. */
async function walk(path: '/v1/customers' | '/v1/providers', limit: number) {
  const items: Listed[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const after: string = cursor ? `&cursor=${cursor}` : '';
    const r = await call('GET', `${path}?limit=${limit}${after}`, { key: OPERATOR });
    expectStatus(r, 200);
    items.push(...r.body.items);
    sizes.push(r.body.items.length);
    cursor = r.body.nextCursor;
  } while (cursor);
  return { items, sizes };
}

describe.each([
  { path: '/v1/customers' as const, kind: 'customer', register: registerCustomer, other: registerProvider },
  { path: '/v1/providers' as const, kind: 'provider', register: registerProvider, other: registerCustomer },
])('GET $path', ({ path, kind, register, other }) => {
  it('lists every principal of its kind once, page by page, and no other kind', async () => {
    const mine = [await register(), await register(), await register(), await register(), await register()];
    const foreign = await other();
    const { items, sizes } = await walk(path, 2);
    expect(sizes.slice(0, -1).every((n) => n === 2)).toBe(true);
    const ids = items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(mine.map((m) => m.id)));
    expect(ids).not.toContain(foreign.id);
    expect(items.every((i) => i.kind === kind)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });

  it('shows who they are and never a key or a secret', async () => {
    const p = await register('Listed Party');
    const { items } = await walk(path, PAGE_LIMIT_MAX);
    const listed = items.find((i) => i.id === p.id);
    expect(listed).toEqual({ id: p.id, kind, name: 'Listed Party', organisation: expect.any(String), serviceLevel: 'standard', createdAt: expect.any(Number) });
    const raw = JSON.stringify(items);
    expect(raw).not.toContain(p.key);
    expect(raw).not.toContain('whsec_');
  });

  it('answers 403 to customers and providers, and 401 without a key', async () => {
    expectProblem(await call('GET', path, { key: (await registerCustomer()).key }), 403, 'forbidden');
    expectProblem(await call('GET', path, { key: (await registerProvider()).key }), 403, 'forbidden');
    expectProblem(await call('GET', path, {}), 401, 'unauthorized');
  });

  it('bounds the page size and refuses a cursor it did not issue', async () => {
    expectProblem(await call('GET', `${path}?limit=${PAGE_LIMIT_MAX + 1}`, { key: OPERATOR }), 400, 'validation');
    expectProblem(await call('GET', `${path}?limit=0`, { key: OPERATOR }), 400, 'validation');
    expectProblem(await call('GET', `${path}?cursor=%25%25`, { key: OPERATOR }), 400, 'validation');
  });
});

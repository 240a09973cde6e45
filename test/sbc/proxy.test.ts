import { runInDurableObject } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR } from '../http';
import { SBC_MAX_BODY_BYTES } from '../../src/constants';
import { bucketOf } from '../../src/sbc/assign';
import { TEST_SECRETS_KEY } from '../keys';
import { coordinator } from '../migrations/world';
import { endUser, migrating, progress, sbcWorld, setUpstreamStatus, steer } from './world';

const sessions = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-session-${i}`);

async function sides(customerId: string, list: string[]) {
  const out = new Map<string, string>();
  for (const s of list) {
    const r = await endUser(customerId, s);
    expectStatus(r, 200);
    out.set(s, r.headers.get('x-inplace-side')!);
  }
  return out;
}

async function migrationState(id: string, key: string) {
  return bodyOf(await call('GET', `/v1/migrations/${id}`, { key }), 200).state as string;
}

describe('ANY /sbc/{customerId}/*', { timeout: 60_000 }, () => {
  it('forwards method, path, query, headers and a streamed body to platform A before any migration', async () => {
    const w = await sbcWorld();
    const payload = new Uint8Array(300_000).fill(65);
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < payload.length; i += 50_000) controller.enqueue(payload.slice(i, i + 50_000));
        controller.close();
      },
    });
    const r = await endUser(w.customer.id, 'user-1', {
      method: 'POST',
      path: '/api/orders?page=2',
      body,
      duplex: 'half',
      headers: { connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'keep-alive': '5', authorization: 'Bearer app-token', 'content-type': 'text/plain' },
    } as RequestInit & { path: string });
    expectStatus(r, 200);
    expect(r.headers.get('x-inplace-platform')).toBe(w.platformA.id);
    expect(r.headers.get('x-inplace-side')).toBe('A');
    expect(r.headers.get('x-upstream')).toBe(w.names.a);
    expect(r.headers.has('x-upstream-private')).toBe(false);
    expect(r.body).toMatchObject({ method: 'POST', path: `/${w.names.a}/api/orders`, search: '?page=2', bytes: payload.length });
    expect(r.body.headers.authorization).toBe('Bearer app-token');
    for (const h of ['x-hop', 'keep-alive', 'x-session-id']) expect(r.body.headers[h]).toBeUndefined();
  });

  it('sets a signed session cookie when the caller sends no session id, and honours it', async () => {
    const w = await sbcWorld();
    const first = await endUser(w.customer.id, null);
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^inplace_sbc=[A-Za-z0-9_-]+\.A\.\d+\.[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/sbc\/cus_[^;]+; HttpOnly; SameSite=Lax$/);
    const again = await endUser(w.customer.id, null, { headers: { cookie: cookie.split(';')[0]! } });
    expectStatus(again, 200);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(again.body.headers.cookie).toBeUndefined();
  });

  it('answers 404 problem+json for unknown customers', async () => {
    expectProblem(await endUser('cus_AAAAAAAAAAAAAAAA', 's'), 404, 'not-found');
    expectProblem(await endUser('not-a-customer', 's'), 404, 'not-found');
  });

  it('answers 502 problem+json when the platform is down, counted as its failure', async () => {
    const w = await sbcWorld({ upstreamA: inject('downUpstreamUrl') });
    const r = await endUser(w.customer.id, 'u');
    expectProblem(r, 502, 'bad-gateway');
    expect(r.headers.get('x-inplace-platform')).toBe(w.platformA.id);
    const traffic = await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.customer.key });
    expectStatus(traffic, 200);
    expect(traffic.body.totals[w.platformA.id]).toMatchObject({ requests: 1, upstreamFailures: 1 });
  });

  it('lets only the operator and the providers involved force a side', async () => {
    const w = await sbcWorld();
    await migrating(w);
    const asEndUser = await endUser(w.customer.id, 's', { headers: { 'x-inplace-route': 'B' } });
    expectProblem(asEndUser, 403, 'forbidden');
    const asCustomer = await endUser(w.customer.id, 's', { headers: { 'x-inplace-route': 'B', 'x-inplace-key': w.customer.key } });
    expectProblem(asCustomer, 403, 'forbidden');
    const smoke = await endUser(w.customer.id, 's', { headers: { 'x-inplace-route': 'B', 'x-inplace-key': w.providerB.key } });
    expectStatus(smoke, 200);
    expect(smoke.headers.get('x-inplace-platform')).toBe(w.platformB.id);
    expect(smoke.body.headers['x-inplace-key']).toBeUndefined();
    const op = await endUser(w.customer.id, 's', { headers: { 'x-inplace-route': 'B', 'x-inplace-key': OPERATOR } });
    expect(op.headers.get('x-inplace-side')).toBe('B');
  });
});

describe('traffic shift during a migration', { timeout: 120_000 }, () => {
  it('follows progress, never sends a session from B back to A, and moves everyone to B at completion', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    const list = sessions(60, 'ramp');
    const atZero = await sides(w.customer.id, list);
    expect([...atZero.values()].every((s) => s === 'A')).toBe(true);

    const seenOnB = new Set<string>();
    for (const done of [3, 6, 9]) {
      expectStatus(await progress(id, w.providerB.key, done, 10), 200);
      const now = await sides(w.customer.id, list);
      for (const s of seenOnB) expect(now.get(s)).toBe('B');
      const onB = [...now].filter(([, side]) => side === 'B').map(([s]) => s);
      onB.forEach((s) => seenOnB.add(s));
      // Each session lands exactly where its bucket says (the share's spread is tested on 10,000 keys).
      for (const [s, side] of now) expect(side).toBe((await bucketOf(TEST_SECRETS_KEY, w.customer.id, s)) < done * 1000 ? 'B' : 'A');
      const decision = await call('GET', `/v1/sbc/route?customerId=${w.customer.id}&session=${list[0]}`, { key: w.providerB.key });
      expect(decision.body).toMatchObject({ side: now.get(list[0]!), weightB: done * 1000 });
    }
    const traffic = await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.providerA.key });
    expectStatus(traffic, 200);
    expect(traffic.body).toMatchObject({ weightB: 9000, percentB: 90, a: { platformId: w.platformA.id }, b: { platformId: w.platformB.id }, migrationId: id });
    expect(traffic.body.totals[w.platformB.id].requests).toBeGreaterThan(0);

    expectStatus(await progress(id, w.providerB.key, 10, 10), 200);
    expect(await migrationState(id, w.customer.key)).toBe('completed');
    const after = await sides(w.customer.id, list);
    expect([...after.values()].every((s) => s === 'A')).toBe(true);
    const r = await endUser(w.customer.id, list[0]!);
    expect(r.headers.get('x-inplace-platform')).toBe(w.platformB.id);

    const audit = await coordinator(w.customer.id).audit();
    const shifted = audit.migrations[0]!.events.filter((e) => e.type === 'traffic.shifted');
    expect(shifted.map((e) => e.recipients)).toEqual(Array(4).fill([w.providerA.id, w.providerB.id].sort()));
    const bodies = await runInDurableObject(coordinator(w.customer.id), (_instance, state) =>
      state.storage.sql.exec<{ body: string }>("SELECT body FROM webhook_event WHERE type = 'traffic.shifted' ORDER BY created_at, rowid").toArray(),
    );
    expect(bodies.map((r) => (JSON.parse(r.body) as { data: { percentB: number } }).data.percentB)).toEqual([30, 60, 90, 100]);
  });

  it('sends every session back to A on rollback', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 5, 10);
    const list = sessions(40, 'rb');
    expect([...(await sides(w.customer.id, list)).values()]).toContain('B');
    expectStatus(await steer(id, 'rollback', w.customer.key), 200);
    expect(await migrationState(id, w.customer.key)).toBe('rolled_back');
    const after = await sides(w.customer.id, list);
    expect([...after.values()].every((s) => s === 'A')).toBe(true);
    const traffic = await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.customer.key });
    expect(traffic.body).toMatchObject({ weightB: 0, b: null });
  });

  it('rolls back by itself when B fails end users from many clients', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 9, 10);
    await setUpstreamStatus(w.names.b, 503);
    const list = sessions(80, 'auto');
    let failedOnB = 0;
    for (const [i, s] of list.entries()) {
      const r = await endUser(w.customer.id, s, { client: `198.51.100.${i}` });
      if (r.headers.get('x-inplace-side') === 'B') failedOnB += r.status === 503 ? 1 : 0;
    }
    expect(failedOnB).toBeGreaterThanOrEqual(50);
    let state = '';
    for (let i = 0; i < 20 && state !== 'rolled_back'; i++) {
      await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.customer.key });
      state = await migrationState(id, w.customer.key);
    }
    expect(state).toBe('rolled_back');
    const m = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    expectStatus(m, 200);
    expect(m.body.history.map((t) => t.to)).toContain('rolling_back');
    const after = await sides(w.customer.id, list.slice(0, 30));
    expect([...after.values()].every((s) => s === 'A')).toBe(true);
  });

  it('rolls nothing back on too few calls (inconclusive)', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 5, 10);
    await setUpstreamStatus(w.names.b, 500);
    let onB = 0;
    for (const s of sessions(40, 'few')) {
      const r = await endUser(w.customer.id, s);
      if (r.headers.get('x-inplace-side') === 'B') onB++;
    }
    expect(onB).toBeGreaterThan(0);
    const traffic = await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.customer.key });
    expectStatus(traffic, 200);
    expect(traffic.body.window[w.platformB.id]).toMatchObject({ requests: onB, errors: onB });
    expect(traffic.body.weightB).toBe(5000);
    expect(await migrationState(id, w.customer.key)).toBe('migrating');
  });
});

describe('GET /v1/sbc/route and /v1/customers/{id}/traffic', { timeout: 60_000 }, () => {
  it('answers only the parties', async () => {
    const w = await sbcWorld();
    const outsider = await call('POST', '/v1/providers', { key: OPERATOR, body: { name: 'Outsider', organisation: 'Out' } });
    expectStatus(outsider, 201);
    const q = `/v1/sbc/route?customerId=${w.customer.id}&session=s1` as const;
    expect((await call('GET', q, { key: w.providerA.key })).body).toMatchObject({ side: 'A', platformId: w.platformA.id });
    expectStatus(await call('GET', q, { key: OPERATOR }), 200);
    expectProblem(await call('GET', q, { key: outsider.body.apiKey.key }), 404, 'not-found');
    expectProblem(await call('GET', q, { key: w.customer.key }), 403, 'forbidden');
    const t = `/v1/customers/${w.customer.id}/traffic` as const;
    expectStatus(await call('GET', t, { key: w.customer.key }), 200);
    expectProblem(await call('GET', t, { key: outsider.body.apiKey.key }), 404, 'not-found');
    const otherCustomer = bodyOf(await call('POST', '/v1/customers', { key: OPERATOR, body: { name: 'Other', organisation: 'O' } }), 201);
    expectProblem(await call('GET', t, { key: otherCustomer.apiKey.key }), 404, 'not-found');
  });
});

describe('ANY /sbc/{customerId}/*: what reaches the platform', { timeout: 120_000 }, () => {
  it('forwards exactly what follows the raw customer segment, however the id is percent-encoded', async () => {
    const w = await sbcWorld();
    const id = w.customer.id;
    // `_` as %5F, and a letter encoded too: Hono decodes the id, but the path is cut at the raw segment.
    const letter = id.slice(4, 5);
    const encodedIds = [`cus%5F${id.slice(4)}`, `cus_%${letter.charCodeAt(0).toString(16).toUpperCase()}${id.slice(5)}`];
    for (const raw of encodedIds) {
      for (const [path, forwarded] of [
        ['/admin?x=1', '/admin'],
        ['', '/'],
        ['/a%2Fb/%E2%82%AC/', '/a%2Fb/%E2%82%AC/'],
      ] as const) {
        const res = await exports.default.fetch(new Request(`http://inplace.test/sbc/${raw}${path}`, { headers: { 'x-session-id': 'enc' } }));
        expectStatus(res, 200);
        const echo = (await res.json()) as { path: string; search: string };
        expect(echo.path).toBe(`/${w.names.a}${forwarded}`);
        if (path.includes('?')) expect(echo.search).toBe('?x=1');
        if (res.headers.get('set-cookie')) expect(res.headers.get('set-cookie')).toContain(`Path=/sbc/${raw};`);
      }
    }
  });

  it('puts x-request-id on every proxied answer and sends the same id upstream', async () => {
    const w = await sbcWorld();
    const ok = await endUser(w.customer.id, 'rid');
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.body.headers['x-request-id']).toBe(ok.headers.get('x-request-id'));
    await setUpstreamStatus(w.names.a, 503, '/fails');
    const failed = await endUser(w.customer.id, 'rid', { path: '/fails' });
    expectStatus(failed, 503);
    expect(failed.headers.get('x-request-id')).toBe(failed.body.headers['x-request-id']);
    // The client's own valid id is kept end to end, for correlation across hops.
    const own = await endUser(w.customer.id, 'rid', { headers: { 'x-request-id': 'client-trace-42' } });
    expect(own.headers.get('x-request-id')).toBe('client-trace-42');
    expect(own.body.headers['x-request-id']).toBe('client-trace-42');
  });

  it('puts x-request-id on the SBC’s own answers: upstream down (502) and a body over the cap (413, before reading it)', async () => {
    const w = await sbcWorld({ upstreamA: inject('downUpstreamUrl') });
    const down = await endUser(w.customer.id, 'rid');
    expectProblem(down, 502, 'bad-gateway');
    expect(down.body.requestId).toBe(down.headers.get('x-request-id'));
    const big = await endUser(w.customer.id, 'rid', { method: 'POST', headers: { 'content-length': String(SBC_MAX_BODY_BYTES + 1) } });
    expectProblem(big, 413, 'payload-too-large');
  });
});

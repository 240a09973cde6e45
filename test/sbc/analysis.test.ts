import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { SBC_MAX_BODY_BYTES } from '../../src/constants';
import { addClientOutcomes, clearOutcomes, judge, type ClientOutcomes } from '../../src/sbc/analysis';
import { bucketOf } from '../../src/sbc/assign';
import { bodyOf, call, expectProblem, expectStatus, offSchema, OPERATOR } from '../http';
import { coordinator } from '../migrations/world';
import { TEST_SECRETS_KEY } from '../keys';
import { analysis, endUser, migrating, progress, sbcWorld, setUpstreamStatus, steer } from './world';

/** `n` session keys that the keyed bucket puts on `side` at B's share `weightB`. */
async function sessionsOn(side: 'A' | 'B', customerId: string, weightB: number, n: number, tag: string) {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const s = `${tag}-${i}`;
    if (((await bucketOf(TEST_SECRETS_KEY, customerId, s)) < weightB) === (side === 'B')) out.push(s);
  }
  return out;
}

/**
 * A client that aborts its own upload: it announces 64 KiB, sends 4 KiB, then breaks off. (The
 * pool's transport ends a broken body cleanly; the announced length is what tells it was cut.)
 */
async function upload(customerId: string, session: string, client: string, body: 'aborted' | 'complete') {
  let sent = false;
  const aborted = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) controller.error(new Error('the client went away'));
      else controller.enqueue(new Uint8Array(4096).fill(66));
      sent = true;
    },
  });
  return endUser(customerId, session, {
    method: 'POST',
    path: '/upload',
    client,
    ...(body === 'aborted' ? { body: aborted, duplex: 'half', headers: { 'content-length': '65536' } } : { body: 'complete' }),
  } as RequestInit & { client: string; path: string });
}

async function state(id: string, key: string) {
  return bodyOf(await call('GET', `/v1/migrations/${id}`, { key }), 200).state as string;
}

const ATTACKER = '203.0.113.66';

describe('SBC analysis: only the platform can fail it', { timeout: 300_000 }, () => {
  it('one client’s 60 aborted uploads and 180 B-side 500s on B sessions leave the migration migrating', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 5, 10);
    await setUpstreamStatus(w.names.b, 500);
    const onB = await sessionsOn('B', w.customer.id, 5000, 60, 'attack');

    for (const s of onB) expectStatus(await upload(w.customer.id, s, ATTACKER, 'aborted'), 400);
    // Control: a whole upload through the same path reaches B, whose 500 counts.
    expectStatus(await upload(w.customer.id, onB[0]!, '203.0.113.7', 'complete'), 500);
    const afterUploads = await analysis(id, w.customer.key);
    expectStatus(afterUploads, 200);
    // The client broke its own bodies: not one of them counts, for or against B.
    expect(afterUploads.body.verdict!.b).toMatchObject({ calls: 1, failures: 1, failingClients: 1 });
    const traffic = await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.customer.key });
    expectStatus(traffic, 200);
    expect(traffic.body.window[w.platformB.id]).toMatchObject({ requests: 61, errors: 1, upstreamFailures: 0 });

    for (let i = 0; i < 180; i++) {
      const r = await endUser(w.customer.id, onB[i % onB.length]!, { client: ATTACKER });
      expectStatus(r, 500);
    }
    const judged = await analysis(id, w.customer.key);
    expectStatus(judged, 200);
    // One client weighs at most 3 outcomes, and one client is never the 20 distinct clients needed.
    expect(judged.body.verdict).toMatchObject({ kind: 'inconclusive', b: { calls: 4, failures: 4, failingClients: 2 } });
    expect(await state(id, w.customer.key)).toBe('migrating');
  });

  it('rolls back within one window when B’s upstream is down for everyone', async () => {
    const w = await sbcWorld({ upstreamB: inject('downUpstreamUrl') });
    const id = await migrating(w);
    await progress(id, w.providerB.key, 5, 10);
    const onB = await sessionsOn('B', w.customer.id, 5000, 30, 'down');
    const onA = await sessionsOn('A', w.customer.id, 5000, 30, 'up');
    // 30 end users, each with one session on A and one on B.
    for (const [i, s] of onB.entries()) {
      const client = `198.51.100.${i + 1}`;
      for (const session of [s, s, onA[i]!, onA[i]!]) await endUser(w.customer.id, session, { client });
    }
    await analysis(id, w.customer.key);
    expect(await state(id, w.customer.key)).toBe('rolled_back');
    const m = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    expectStatus(m, 200);
    const rollback = m.body.history.find((t) => t.to === 'rolling_back');
    expect(rollback).toMatchObject({ by: { kind: 'system' } });
    // The verdict as it was when B breached (flushes run as the calls come, so the count varies).
    const [, calls, clients] = rollback!.reason!.match(/^analysis: B failed 100\.0 % of (\d+) counted calls from (\d+) clients, against /) ?? [];
    expect(Number(clients)).toBeGreaterThanOrEqual(20);
    expect(Number(calls)).toBeGreaterThanOrEqual(50);
    expect(Number(calls)).toBeLessThanOrEqual(60);
    console.log(`B down for everyone: rolled back at ${calls} counted B calls from ${clients} distinct clients`);
  });

  it('rolls nothing back when a path is broken on A and B alike', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 5, 10);
    await setUpstreamStatus(w.names.a, 500, '/broken');
    await setUpstreamStatus(w.names.b, 500, '/broken');
    const onB = await sessionsOn('B', w.customer.id, 5000, 30, 'both-b');
    const onA = await sessionsOn('A', w.customer.id, 5000, 30, 'both-a');
    for (const [i, s] of onB.entries()) {
      const client = `2001:db8:${i.toString(16)}::1`;
      for (const [session, path] of [[s, '/broken'], [s, '/ok'], [onA[i]!, '/broken'], [onA[i]!, '/ok']] as const) {
        await endUser(w.customer.id, session, { client, path });
      }
    }
    const judged = await analysis(id, w.customer.key);
    expectStatus(judged, 200);
    expect(judged.body.verdict).toMatchObject({
      kind: 'healthy',
      baseline: 'A',
      excess: 0,
      b: { calls: 60, failures: 30, failingClients: 30 },
      a: { calls: 60, failures: 30 },
    });
    expect(await state(id, w.customer.key)).toBe('migrating');
  });
});

describe('the analysis window, on driven time', () => {
  const DEFAULTS = { threshold: 0.05, windowSeconds: 60, minCalls: 50, minClients: 20, action: 'rollback' } as const;
  /** `n` clients failing B twice each and succeeding on A twice each, added at `now`. */
  function failures(sql: SqlStorage, from: number, n: number, now: number) {
    const entries: ClientOutcomes[] = [];
    for (let i = from; i < from + n; i++) {
      entries.push({ side: 'B', client: `c${i}`, outcomes: [{ failed: true, session: `s${i}` }, { failed: true, session: `s${i}` }] });
      entries.push({ side: 'A', client: `c${i}`, outcomes: [{ failed: false, session: `t${i}` }, { failed: false, session: `t${i}` }] });
    }
    addClientOutcomes(sql, entries, DEFAULTS.windowSeconds, now);
    return judge(sql, DEFAULTS, now).kind;
  }

  it('breaches at the flush where 25 clients’ failures are in one 60 s window, and not when they are spread wider', async () => {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName('analysis-window'));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const t0 = 1_700_000_000_000;
      // Five clients every 10 s: inconclusive until the 25th client (50 B calls), 40 s after the first.
      expect([0, 1, 2, 3, 4].map((k) => failures(sql, k * 5, 5, t0 + k * 10_000))).toEqual(['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive', 'breach']);
      clearOutcomes(sql);
      // The same 25 clients, five every 20 s: the oldest leave the window before the rest come.
      expect([0, 1, 2, 3, 4].map((k) => failures(sql, k * 5, 5, t0 + k * 20_000))).toEqual(Array(5).fill('inconclusive'));
    });
  });

  it('caps one client across flushes (isolates) within a window, and lets it count again in the next', async () => {
    const stub = env.COORDINATOR.get(env.COORDINATOR.idFromName('analysis-cap'));
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const t0 = 1_700_000_000_000;
      const one = (now: number) =>
        addClientOutcomes(sql, [{ side: 'B', client: 'heavy', outcomes: [{ failed: true, session: 'x' }, { failed: true, session: 'y' }] }], 60, now);
      for (let k = 0; k < 10; k++) one(t0 + k * 1000);
      expect(judge(sql, DEFAULTS, t0 + 10_000).b).toMatchObject({ calls: 3, failures: 3, failingClients: 1, failingSessions: 2 });
      one(t0 + 70_000);
      expect(judge(sql, DEFAULTS, t0 + 70_000).b).toMatchObject({ calls: 2, failures: 2 });
    });
  });
});

describe('GET|PUT /v1/migrations/{id}/analysis', { timeout: 120_000 }, () => {
  it('lets the customer and the operator set it within bounds; refuses the rest and changes nothing', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    const path = `/v1/migrations/${id}/analysis` as const;
    const initial = await call('GET', path, { key: w.providerA.key });
    expect(initial.body).toMatchObject({ migrationId: id, defaults: true, setBy: null, settings: { threshold: 0.05, windowSeconds: 60, minCalls: 50, minClients: 20, action: 'rollback' } });

    const set = await call('PUT', path, { key: w.customer.key, body: { threshold: 0.1, minClients: 10, action: 'pause' } });
    expectStatus(set, 200);
    expect(set.body).toMatchObject({ defaults: false, setBy: { id: w.customer.id, kind: 'customer' }, settings: { threshold: 0.1, windowSeconds: 60, minCalls: 50, minClients: 10, action: 'pause' } });

    for (const body of [
      { threshold: 0.001 },
      { threshold: 0.9 },
      { windowSeconds: 45 },
      { windowSeconds: 3600 },
      { minCalls: 5 },
      { minClients: 1 },
      { minClients: 2.5 },
      { action: 'ignore' },
      { threshold: '0.1' },
      { extra: true },
    ]) {
      // Out of range, of the wrong type or not in the document: each refused with its field.
      const r = await call('PUT', path, { key: w.customer.key, body: offSchema(body) });
      expectProblem(r, 400, 'validation');
      // An unknown key is the body's fault as a whole; a bad value, its field's.
      expect(r.body.errors?.[0].field).toBe('extra' in body ? 'json' : `json.${Object.keys(body)[0]}`);
    }
    const inconsistent = await call('PUT', path, { key: OPERATOR, body: { minCalls: 20, minClients: 30 } });
    expectProblem(inconsistent, 422, 'unprocessable');
    expect(inconsistent.body.errors).toEqual([{ field: 'minClients', message: 'at most minCalls (20)' }]);

    const outsider = await call('POST', '/v1/customers', { key: OPERATOR, body: { name: 'Other', organisation: 'O' } });
    expectStatus(outsider, 201);
    expectProblem(await call('PUT', path, { key: outsider.body.apiKey.key, body: { threshold: 0.2 } }), 404, 'not-found');
    expectProblem(await call('GET', path, { key: outsider.body.apiKey.key }), 404, 'not-found');
    for (const key of [w.providerA.key, w.providerB.key]) expectProblem(await call('PUT', path, { key, body: { threshold: 0.2 } }), 403, 'forbidden');
    expectProblem(await call('PUT', '/v1/migrations/mig_nothing/analysis', { key: OPERATOR, body: {} }), 404, 'not-found');

    const after = await call('GET', path, { key: w.customer.key });
    expect(after.body).toMatchObject({ setBy: { kind: 'customer' }, settings: { threshold: 0.1, minClients: 10, action: 'pause' } });

    const byOperator = await call('PUT', path, { key: OPERATOR, body: {} });
    expect(byOperator.body).toMatchObject({ setBy: { kind: 'operator' }, settings: { threshold: 0.05, minClients: 20, action: 'rollback' } });
    expectStatus(await steer(id, 'rollback', w.customer.key), 200);
    expectProblem(await call('PUT', path, { key: w.customer.key, body: { threshold: 0.2 } }), 409, 'conflict');
  });

  it('pauses instead of rolling back when its action says so (a migration.paused webhook to both providers)', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 5, 10);
    expectStatus(await call('PUT', `/v1/migrations/${id}/analysis`, { key: w.customer.key, body: { action: 'pause', minClients: 5, minCalls: 20 } }), 200);
    await setUpstreamStatus(w.names.b, 502);
    const onB = await sessionsOn('B', w.customer.id, 5000, 10, 'pause');
    for (const [i, s] of onB.entries()) for (let k = 0; k < 2; k++) await endUser(w.customer.id, s, { client: `192.0.2.${i + 1}` });
    await analysis(id, w.customer.key);
    const m = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    expectStatus(m, 200);
    expect(m.body.state).toBe('paused');
    expect(m.body.history.at(-1)).toMatchObject({ from: 'migrating', to: 'paused', by: { kind: 'system' }, reason: expect.stringMatching(/^analysis: B failed 100\.0 %/) });
    const events = (await coordinator(w.customer.id).audit()).migrations[0]!.events.filter((e) => e.type === 'migration.paused');
    expect(events.map((e) => e.recipients)).toEqual([[w.providerA.id, w.providerB.id].sort()]);
    // Judged afresh: the failures that paused it are gone from the window.
    expect(bodyOf(await analysis(id, w.customer.key), 200).verdict!.b.calls).toBe(0);
  });
});

describe('one client never changes the decision', { timeout: 600_000 }, () => {
  type Action = { kind: 'ok' | 'b-500' | 'both-404' | 'aborted-upload' | 'oversized'; side: 'A' | 'B'; session: number };
  // Weighted towards what could hurt B most: failures on B sessions.
  const action = fc.record({
    kind: fc.oneof(
      { arbitrary: fc.constant('b-500' as const), weight: 4 },
      { arbitrary: fc.constantFrom('ok' as const, 'both-404' as const, 'aborted-upload' as const, 'oversized' as const), weight: 4 },
    ),
    side: fc.oneof({ arbitrary: fc.constant('B' as const), weight: 3 }, { arbitrary: fc.constant('A' as const), weight: 1 }),
    session: fc.nat(3),
  }) as fc.Arbitrary<Action>;

  type Baseline = 'edge' | 'breach' | 'none';
  /** B calls in each baseline. */
  const BASE_B_CALLS: Record<Baseline, number> = { edge: 1000, breach: 80, none: 0 };
  /**
   * Other end users' outcomes, recorded straight into the coordinator, 2 calls per side each:
   * `edge`, 500 clients with B failing 4.6 % from 23 of them against A's 0 % (healthy, just under the
   * 5 % threshold, with enough distinct failing clients); `breach`, 40 clients all failing on B.
   */
  function baseline(kind: Baseline): ClientOutcomes[] {
    if (kind === 'none') return [];
    return Array.from({ length: kind === 'edge' ? 500 : 40 }, (_, i) => [
      { side: 'B' as const, client: `base-${i}`, outcomes: Array(2).fill({ failed: kind === 'breach' || i < 23, session: `base-b-${i}` }) },
      { side: 'A' as const, client: `base-${i}`, outcomes: Array(2).fill({ failed: false, session: `base-a-${i}` }) },
    ]).flat();
  }

  it('whatever one client sends, on either side, against a baseline just under the threshold, a breaching one or none', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 5, 10);
    // Breaches are judged but not acted on: a paused migration is only paused again from migrating.
    expectStatus(await call('PUT', `/v1/migrations/${id}/analysis`, { key: w.customer.key, body: { action: 'pause' } }), 200);
    expectStatus(await steer(id, 'pause', w.customer.key), 200);
    await setUpstreamStatus(w.names.b, 500, '/broken-on-b');
    await setUpstreamStatus(w.names.a, 404, '/missing');
    await setUpstreamStatus(w.names.b, 404, '/missing');
    const sessions = { A: await sessionsOn('A', w.customer.id, 5000, 4, 'prop-a'), B: await sessionsOn('B', w.customer.id, 5000, 4, 'prop-b') };
    const epoch = bodyOf(await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.customer.key }), 200).epoch as number;
    const stub = coordinator(w.customer.id);
    let run = 0;

    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Baseline>('edge', 'breach', 'none'), fc.array(action, { minLength: 1, maxLength: 12 }), async (kind, actions) => {
        const client = `198.18.${++run}.1`;
        await runInDurableObject(stub, (_instance, state) => clearOutcomes(state.storage.sql));
        await stub.recordTraffic(w.customer.id, { epoch, platforms: {}, clients: baseline(kind) });
        const before = bodyOf(await analysis(id, w.customer.key), 200).verdict!.kind;
        expect(before).toBe({ edge: 'healthy', breach: 'breach', none: 'inconclusive' }[kind]);
        for (const a of actions) {
          const session = sessions[a.side][a.session]!;
          if (a.kind === 'aborted-upload') await upload(w.customer.id, session, client, 'aborted');
          else if (a.kind === 'oversized')
            await endUser(w.customer.id, session, { client, method: 'POST', path: '/upload', headers: { 'content-length': String(SBC_MAX_BODY_BYTES + 1) } });
          else await endUser(w.customer.id, session, { client, path: { ok: '/ok', 'b-500': '/broken-on-b', 'both-404': '/missing' }[a.kind] });
        }
            const after = bodyOf(await analysis(id, w.customer.key), 200).verdict;
        expect(after!.kind).toBe(before);
        // The client weighs at most 3 outcomes on B.
        expect(after!.b.calls).toBeLessThanOrEqual(BASE_B_CALLS[kind] + 3);
      }),
      { numRuns: 15 },
    );
    expect(await state(id, w.customer.key)).toBe('paused');
  });
});

import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MIGRATION_STALL_AFTER_MS, SBC_SCHEDULE_MAX_PAUSE_S, SBC_SCHEDULE_MAX_STEPS } from '../../src/constants';
import { forgetSplit } from '../../src/sbc/split-cache';
import { bodyOf, call, expectProblem, expectStatus, OPERATOR, type RequestBody } from '../http';
import { registerCustomer, registerProvider } from '../factories';
import { coordinator, hookUp, start, verifiedEvents } from '../migrations/world';
import { endUser, migrating, progress, sbcWorld, setUpstreamStatus, steer } from './world';

type World = Awaited<ReturnType<typeof sbcWorld>>;

const CANARY = [
  { weight: 1, pauseSeconds: 600 },
  { weight: 5, pauseSeconds: 600 },
  { weight: 25, pauseSeconds: 900 },
  { weight: 50, pauseSeconds: 900 },
  { weight: 100, pauseSeconds: 300 },
];

const schedulePath = (customerId: string) => `/v1/customers/${customerId}/traffic/schedule` as const;

function setSchedule(customerId: string, key: string, steps: RequestBody<'PUT', '/v1/customers/{customerId}/traffic/schedule'>['steps']) {
  return call('PUT', schedulePath(customerId), { key, body: { steps } });
}

function traffic(w: World, key = w.customer.key) {
  return call('GET', `/v1/customers/${w.customer.id}/traffic`, { key }).then((r) => bodyOf(r, 200));
}

async function migrationState(w: World, id: string) {
  return bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).state as string;
}

/** Time passes for the current step: its pause ends now (the alarm's time is left as it was). */
async function pauseEnds(customerId: string) {
  await runInDurableObject(coordinator(customerId), (_, state) => {
    state.storage.sql.exec('UPDATE traffic_schedule SET due_at = ? WHERE due_at IS NOT NULL', Date.now() - 1);
  });
}

function alarmAt(customerId: string) {
  return runInDurableObject(coordinator(customerId), (_, state) => state.storage.getAlarm());
}

function scheduleRows(customerId: string) {
  return runInDurableObject(coordinator(customerId), (_, state) => state.storage.sql.exec('SELECT * FROM traffic_schedule').toArray());
}

/**
 * This isolate's SBC serves the coordinator's split once its cache entry is gone (an alarm-made
 * change reaches it by the cache's refresh; dropping the entry stands for the TTL passing, no sleep).
 */
async function sbcServes(customerId: string, weightB: number) {
  forgetSplit(customerId);
  expect(bodyOf(await call('GET', `/v1/sbc/route?customerId=${customerId}&session=probe`, { key: OPERATOR }), 200).weightB).toBe(weightB);
}

describe('traffic schedule: explicit steps of B’s share', { timeout: 120_000 }, () => {
  it('runs 1, 5, 25, 50, 100 % on the alarm, each step only once its pause is over, never moving a session back to A, then cuts over', async () => {
    const w = await sbcWorld();
    const hook = await hookUp(w.providerA.key);
    const id = await migrating(w);
    const stub = coordinator(w.customer.id);

    const set = await setSchedule(w.customer.id, w.customer.key, CANARY);
    expectStatus(set, 200);
    expect(set.body).toMatchObject({
      mode: 'schedule',
      weightB: 0,
      migrationId: id,
      schedule: { steps: CANARY, currentStep: 0, status: 'waiting_for_data', nextStepAt: null, pauseLeftSeconds: 600, setBy: { id: w.customer.id, kind: 'customer' } },
    });

    // Every segment migrated: B takes the first step, and the cutover waits for the schedule.
    const done = await progress(id, w.providerB.key, 10, 10);
    expectStatus(done, 200);
    expect(done.body.state).toBe('migrating');
    const first = await traffic(w);
    expect(first).toMatchObject({ percentB: 1, schedule: { currentStep: 0, status: 'running' } });
    expect(first.schedule!.nextStepAt! - Date.now()).toBeGreaterThan(590_000);
    await stub.runDue();
    expect(await alarmAt(w.customer.id)).toBe(first.schedule!.nextStepAt);

    // The alarm before a step's pause is over changes nothing.
    await runDurableObjectAlarm(stub);
    expect(await traffic(w)).toMatchObject({ percentB: 1, schedule: { currentStep: 0, nextStepAt: first.schedule!.nextStepAt } });

    const sessions = Array.from({ length: 40 }, (_, i) => `canary-${i}`);
    const onB = new Set<string>();
    const seen: number[] = [first.percentB];
    for (const [step, percent] of [[1, 5], [2, 25], [3, 50], [4, 100]] as const) {
      await pauseEnds(w.customer.id);
      const stepAt = Date.now();
      await runDurableObjectAlarm(stub);
      const t = await traffic(w, w.providerB.key);
      expect(t.schedule).toMatchObject({ currentStep: step, status: 'running' });
      // The step's whole pause, less what the wall clock moved since the alarm ran on a loaded machine.
      const pause = CANARY[step]!.pauseSeconds;
      expect(t.schedule!.pauseLeftSeconds).toBeLessThanOrEqual(pause);
      expect(t.schedule!.pauseLeftSeconds).toBeGreaterThanOrEqual(pause - Math.ceil((Date.now() - stepAt) / 1000));
      seen.push(t.percentB);
      await sbcServes(w.customer.id, t.weightB);
      for (const s of sessions) {
        const side = (await endUser(w.customer.id, s)).headers.get('x-inplace-side');
        if (onB.has(s)) expect(side).toBe('B');
        if (side === 'B') onB.add(s);
      }
    }
    expect(seen).toEqual([1, 5, 25, 50, 100]);
    expect(onB.size).toBe(sessions.length);
    expect(await migrationState(w, id)).toBe('migrating');

    // The last step's pause over: the cutover.
    await pauseEnds(w.customer.id);
    await runDurableObjectAlarm(stub);
    expect(await migrationState(w, id)).toBe('completed');
    const history = bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).history;
    expect(history.at(-2)).toMatchObject({ from: 'migrating', to: 'cutting_over', by: { kind: 'system' }, reason: 'every segment migrated and no traffic schedule holds the cutover' });
    expect(await traffic(w)).toMatchObject({ mode: 'progress', schedule: null, a: { platformId: w.platformB.id }, b: null });
    expect(await scheduleRows(w.customer.id)).toEqual([]);

    await stub.runDue();
    const shifted = (await verifiedEvents(hook)).filter((e) => e.type === 'traffic.shifted');
    expect(shifted.map((e) => e.data.percentB)).toEqual([1, 5, 25, 50, 100]);
    expect(shifted.map((e) => e.data.reason)).toEqual([
      'traffic schedule step 1 of 5 (1 %), migration progress 10/10',
      'traffic schedule step 2 of 5 (5 %), migration progress 10/10',
      'traffic schedule step 3 of 5 (25 %), migration progress 10/10',
      'traffic schedule step 4 of 5 (50 %), migration progress 10/10',
      'traffic schedule step 5 of 5 (100 %), migration progress 10/10',
    ]);
  });

  it('caps each step by the data migrated and starts a step’s pause only once B holds its weight', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await setSchedule(w.customer.id, w.customer.key, [
      { weight: 5, pauseSeconds: 60 },
      { weight: 50, pauseSeconds: 60 },
      { weight: 100, pauseSeconds: 0 },
    ]);
    await progress(id, w.providerB.key, 2, 100);
    expect(await traffic(w)).toMatchObject({ weightB: 200, schedule: { currentStep: 0, status: 'waiting_for_data', nextStepAt: null, pauseLeftSeconds: 60 } });
    await pauseEnds(w.customer.id);
    await runDurableObjectAlarm(coordinator(w.customer.id));
    expect(await traffic(w)).toMatchObject({ weightB: 200, schedule: { currentStep: 0, status: 'waiting_for_data' } });

    await progress(id, w.providerB.key, 10, 100);
    expect(await traffic(w)).toMatchObject({ weightB: 500, schedule: { currentStep: 0, status: 'running' } });
    await pauseEnds(w.customer.id);
    await runDurableObjectAlarm(coordinator(w.customer.id));
    expect(await traffic(w)).toMatchObject({ weightB: 1000, schedule: { currentStep: 1, status: 'waiting_for_data', nextStepAt: null } });

    await progress(id, w.providerB.key, 60, 100);
    expect(await traffic(w)).toMatchObject({ weightB: 5000, schedule: { currentStep: 1, status: 'running' } });
    await pauseEnds(w.customer.id);
    await runDurableObjectAlarm(coordinator(w.customer.id));
    expect(await traffic(w)).toMatchObject({ weightB: 6000, schedule: { currentStep: 2, status: 'waiting_for_data' } });

    // The last step (pause 0) is reached with the last segment: the report itself completes the migration.
    const last = await progress(id, w.providerB.key, 100, 100);
    expectStatus(last, 200);
    expect(last.body.state).toBe('completed');
    expect(await traffic(w)).toMatchObject({ mode: 'progress', a: { platformId: w.platformB.id }, b: null });
  });

  it('holds a step’s pause while the schedule or the migration is paused, and resumes with what was left', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await setSchedule(w.customer.id, w.customer.key, [
      { weight: 10, pauseSeconds: 600 },
      { weight: 100, pauseSeconds: 0 },
    ]);
    await progress(id, w.providerB.key, 5, 10);
    expect(await traffic(w)).toMatchObject({ weightB: 1000, schedule: { status: 'running' } });

    const paused = bodyOf(await call('POST', `${schedulePath(w.customer.id)}/pause`, { key: w.customer.key }), 200);
    expect(paused).toMatchObject({ weightB: 1000, schedule: { status: 'paused', nextStepAt: null } });
    expect(paused.schedule!.pauseLeftSeconds).toBeGreaterThan(590);
    expect(paused.schedule!.pauseLeftSeconds).toBeLessThanOrEqual(600);
    expectProblem(await call('POST', `${schedulePath(w.customer.id)}/pause`, { key: w.customer.key }), 409, 'conflict');
    await runDurableObjectAlarm(coordinator(w.customer.id));
    await progress(id, w.providerB.key, 8, 10);
    expect(await traffic(w)).toMatchObject({ weightB: 1000, schedule: { currentStep: 0, status: 'paused' } });

    // Say 477 s of the pause had run before it: resuming runs the 123 s left, not the whole pause again.
    await runInDurableObject(coordinator(w.customer.id), (_, state) => void state.storage.sql.exec('UPDATE traffic_schedule SET remaining_ms = 123000'));
    const resumed = bodyOf(await call('POST', `${schedulePath(w.customer.id)}/resume`, { key: OPERATOR }), 200);
    expect(resumed.schedule).toMatchObject({ currentStep: 0, status: 'running', pauseLeftSeconds: 123 });
    expect(resumed.schedule!.nextStepAt! - Date.now()).toBeLessThanOrEqual(123_000);
    expectProblem(await call('POST', `${schedulePath(w.customer.id)}/resume`, { key: w.customer.key }), 409, 'conflict');

    await steer(id, 'pause', w.providerB.key);
    const held = (await traffic(w)).schedule;
    expect(held).toMatchObject({ status: 'migration_paused', nextStepAt: null });
    expect(held!.pauseLeftSeconds).toBeLessThanOrEqual(123);
    expect(held!.pauseLeftSeconds).toBeGreaterThan(100);
    await pauseEnds(w.customer.id);
    await runDurableObjectAlarm(coordinator(w.customer.id));
    expect((await traffic(w)).schedule).toMatchObject({ currentStep: 0, status: 'migration_paused' });
    await steer(id, 'resume', w.customer.key);
    expect((await traffic(w)).schedule).toMatchObject({ currentStep: 0, status: 'running' });

    await pauseEnds(w.customer.id);
    await runDurableObjectAlarm(coordinator(w.customer.id));
    expect(await traffic(w)).toMatchObject({ weightB: 8000, schedule: { currentStep: 1, status: 'waiting_for_data' } });
  });

  it('resumes at the same step and time after the coordinator restarts', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await setSchedule(w.customer.id, w.customer.key, CANARY);
    await progress(id, w.providerB.key, 3, 10);
    await pauseEnds(w.customer.id);
    await runDurableObjectAlarm(coordinator(w.customer.id));
    const before = await traffic(w);
    expect(before).toMatchObject({ percentB: 5, schedule: { currentStep: 1, status: 'running' } });

    await abortAllDurableObjects();
    const after = await traffic(w);
    expect(after).toMatchObject({ percentB: 5, schedule: { currentStep: 1, status: 'running', nextStepAt: before.schedule!.nextStepAt } });
    await runDurableObjectAlarm(coordinator(w.customer.id));
    expect((await traffic(w)).schedule).toMatchObject({ currentStep: 1, nextStepAt: before.schedule!.nextStepAt });
    await pauseEnds(w.customer.id);
    await runDurableObjectAlarm(coordinator(w.customer.id));
    expect(await traffic(w)).toMatchObject({ percentB: 25, schedule: { currentStep: 2, status: 'running' } });
  });

  it('replaces a schedule from its first step, and dropping it lets B catch up with the data and the held cutover go', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await setSchedule(w.customer.id, w.customer.key, CANARY);
    await progress(id, w.providerB.key, 10, 10);
    expect(await traffic(w)).toMatchObject({ percentB: 1 });
    const stub = coordinator(w.customer.id);
    expect(await stub.flagStalled(Date.now() + MIGRATION_STALL_AFTER_MS)).toBe(false);

    const replaced = await setSchedule(w.customer.id, OPERATOR, [
      { weight: 20, pauseSeconds: 60 },
      { weight: 100, pauseSeconds: 60 },
    ]);
    expect(replaced.body).toMatchObject({ percentB: 20, schedule: { currentStep: 0, status: 'running', pauseLeftSeconds: 60, setBy: { kind: 'operator' } } });

    const dropped = await call('DELETE', schedulePath(w.customer.id), { key: w.customer.key });
    expectStatus(dropped, 200);
    expect(dropped.body).toMatchObject({ mode: 'progress', schedule: null, a: { platformId: w.platformB.id }, b: null });
    expect(await migrationState(w, id)).toBe('completed');
  });

  it('sends every session back to A and drops the schedule on rollback mid-schedule', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await setSchedule(w.customer.id, w.customer.key, [
      { weight: 50, pauseSeconds: 600 },
      { weight: 100, pauseSeconds: 0 },
    ]);
    await progress(id, w.providerB.key, 6, 10);
    const sessions = Array.from({ length: 30 }, (_, i) => `rb-${i}`);
    const sides = async () => {
      const out: (string | null)[] = [];
      for (const s of sessions) out.push((await endUser(w.customer.id, s)).headers.get('x-inplace-side'));
      return out;
    };
    expect(await sides()).toContain('B');

    expectStatus(await steer(id, 'rollback', w.customer.key), 200);
    expect(await migrationState(w, id)).toBe('rolled_back');
    expect(await traffic(w)).toMatchObject({ weightB: 0, b: null, mode: 'progress', schedule: null });
    expect((await sides()).every((s) => s === 'A')).toBe(true);
    expect(await scheduleRows(w.customer.id)).toEqual([]);
    const events = async () => (await coordinator(w.customer.id).audit()).migrations[0]!.events.filter((e) => e.type === 'traffic.shifted').length;
    const shifted = await events();
    await runDurableObjectAlarm(coordinator(w.customer.id));
    expect(await events()).toBe(shifted);
    expectProblem(await setSchedule(w.customer.id, w.customer.key, CANARY), 409, 'conflict');
  });

  it('rolls the split and the migration back by itself mid-schedule when B’s error rate breaks the threshold', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await setSchedule(w.customer.id, w.customer.key, [
      { weight: 90, pauseSeconds: 600 },
      { weight: 100, pauseSeconds: 0 },
    ]);
    await progress(id, w.providerB.key, 9, 10);
    expect(await traffic(w)).toMatchObject({ weightB: 9000, schedule: { status: 'running' } });
    await setUpstreamStatus(w.names.b, 503);
    // Many end users (distinct clients): one client alone could never roll a migration back.
    for (let i = 0; i < 80; i++) await endUser(w.customer.id, `auto-${i}`, { client: `198.51.100.${i + 1}` });
    let state = '';
    for (let i = 0; i < 20 && state !== 'rolled_back'; i++) {
      await traffic(w);
      state = await migrationState(w, id);
    }
    expect(state).toBe('rolled_back');
    const history = bodyOf(await call('GET', `/v1/migrations/${id}`, { key: w.customer.key }), 200).history;
    expect(history.map((t) => t.to)).toContain('rolling_back');
    expect(await traffic(w)).toMatchObject({ weightB: 0, b: null, mode: 'progress', schedule: null });
    expect(await scheduleRows(w.customer.id)).toEqual([]);
  });
});

describe('PUT /v1/customers/{customerId}/traffic/schedule refusals', { timeout: 120_000 }, () => {
  it('refuses invalid steps with the failing fields and changes nothing', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 3, 10);
    const unchanged = await traffic(w);

    const shape = async (steps: Parameters<typeof setSchedule>[2], field: string) => {
      const r = await setSchedule(w.customer.id, w.customer.key, steps);
      expectProblem(r, 400, 'validation');
      expect(r.body.errors?.map((e) => e.field)).toContain(field);
    };
    await shape([{ weight: 101, pauseSeconds: 0 }], 'json.steps.0.weight');
    await shape([{ weight: 50.5, pauseSeconds: 0 }, { weight: 100, pauseSeconds: 0 }], 'json.steps.0.weight');
    await shape([{ weight: 100, pauseSeconds: SBC_SCHEDULE_MAX_PAUSE_S + 1 }], 'json.steps.0.pauseSeconds');
    await shape([{ weight: 100, pauseSeconds: -1 }], 'json.steps.0.pauseSeconds');
    await shape([], 'json.steps');
    await shape(Array.from({ length: SBC_SCHEDULE_MAX_STEPS + 1 }, (_, i) => ({ weight: 80 + i, pauseSeconds: 0 })), 'json.steps');

    const rule = async (steps: Parameters<typeof setSchedule>[2], errors: { field: string; message: string }[]) => {
      const r = await setSchedule(w.customer.id, w.customer.key, steps);
      expectProblem(r, 422, 'unprocessable');
      expect(r.body.errors).toEqual(errors);
    };
    await rule(
      [
        { weight: 40, pauseSeconds: 60 },
        { weight: 40, pauseSeconds: 60 },
        { weight: 35, pauseSeconds: 60 },
        { weight: 100, pauseSeconds: 0 },
      ],
      [
        { field: 'steps.1.weight', message: 'must be above the step before (40)' },
        { field: 'steps.2.weight', message: 'must be above the step before (40)' },
      ],
    );
    await rule([{ weight: 50, pauseSeconds: 60 }], [{ field: 'steps.0.weight', message: 'the last step puts every session on B: 100' }]);
    await rule(
      [
        { weight: 10, pauseSeconds: 60 },
        { weight: 20, pauseSeconds: 60 },
        { weight: 100, pauseSeconds: 0 },
      ],
      [
        { field: 'steps.0.weight', message: "below B's current share (30 %): a session on B never goes back to A" },
        { field: 'steps.1.weight', message: "below B's current share (30 %): a session on B never goes back to A" },
      ],
    );
    expect(unchanged).toMatchObject({ weightB: 3000, mode: 'progress', schedule: null });
    expect(await traffic(w)).toEqual(unchanged);
    expect(await scheduleRows(w.customer.id)).toEqual([]);
    expectProblem(await call('POST', `${schedulePath(w.customer.id)}/pause`, { key: w.customer.key }), 409, 'conflict');
  });

  it('answers 409 before platform B is deployed and without an active migration', async () => {
    const w = await sbcWorld();
    const none = await setSchedule(w.customer.id, w.customer.key, CANARY);
    expectProblem(none, 409, 'conflict');
    expect(none.body.detail).toBe('The customer has no active migration.');
    const id = bodyOf(await start(w), 201).id as string;
    await steer(id, 'accept', w.providerB.key);
    const deploying = await setSchedule(w.customer.id, w.customer.key, CANARY);
    expectProblem(deploying, 409, 'conflict');
    expect(deploying.body.detail).toBe('Platform B does not serve yet: the migration is deploying.');
    expectProblem(await call('DELETE', schedulePath(w.customer.id), { key: w.customer.key }), 409, 'conflict');
    expect(await scheduleRows(w.customer.id)).toEqual([]);
  });

  it('lets the customer and the operator set it; other customers get 404, providers 403, and the providers involved read it', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 1, 100);
    const other = await registerCustomer();
    const outsider = await registerProvider();
    expectProblem(await setSchedule(w.customer.id, other.key, CANARY), 404, 'not-found');
    expectProblem(await call('DELETE', schedulePath(w.customer.id), { key: other.key }), 404, 'not-found');
    expectProblem(await call('POST', `${schedulePath(w.customer.id)}/pause`, { key: other.key }), 404, 'not-found');
    for (const key of [w.providerA.key, w.providerB.key, outsider.key]) {
      expectProblem(await setSchedule(w.customer.id, key, CANARY), 403, 'forbidden');
      expectProblem(await call('POST', `${schedulePath(w.customer.id)}/pause`, { key }), 403, 'forbidden');
    }
    expectProblem(await setSchedule('cus_AAAAAAAAAAAAAAAA', OPERATOR, CANARY), 404, 'not-found');
    expect(await scheduleRows(w.customer.id)).toEqual([]);

    expectStatus(await setSchedule(w.customer.id, w.customer.key, CANARY), 200);
    for (const key of [w.providerA.key, w.providerB.key]) {
      expect(await traffic(w, key)).toMatchObject({ mode: 'schedule', schedule: { steps: CANARY, setBy: { id: w.customer.id, kind: 'customer' } } });
    }
    const byOperator = bodyOf(await setSchedule(w.customer.id, OPERATOR, CANARY.slice(2)), 200);
    expect(byOperator.schedule).toMatchObject({ steps: CANARY.slice(2), setBy: { kind: 'operator' } });
  });
});

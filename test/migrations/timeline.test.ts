import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SBC_WEIGHT_SCALE, TIMELINE_MAX_POINTS } from '../../src/constants';
import { observe, timelineOf } from '../../src/migrations/timeline';
import type { Schemas } from '../../scripts/lib/api-types';
import { call, expectProblem, OPERATOR, expectStatus } from '../http';
import { registerCustomer, registerProvider } from '../factories';
import { endUser, migrating, progress, sbcWorld, steer } from '../sbc/world';
import { coordinator } from './world';

type Point = Schemas['MigrationTimeline']['points'][number];

async function timeline(id: string, key: string): Promise<Point[]> {
  const r = await call('GET', `/v1/migrations/${id}/timeline`, { key });
  expectStatus(r, 200);
  expect(r.body.migrationId).toBe(id);
  return r.body.points;
}

const shape = (points: Point[]) => points.map((p) => [p.state, p.migratedPercent, p.percentB]);

describe('GET /v1/migrations/{id}/timeline', { timeout: 60_000 }, () => {
  it('keeps the whole migration: B joins at 0 %, follows the data, and ends at 100 % at the cutover', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 1, 4);
    // End users call through the SBC; reading the traffic flushes this isolate's counts to the coordinator.
    const sides = { A: 0, B: 0 };
    for (let i = 0; i < 40; i++) sides[(await endUser(w.customer.id, `tl-${i}`)).headers.get('x-inplace-side') as 'A' | 'B']++;
    await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.customer.key });
    await progress(id, w.providerB.key, 2, 4);
    await progress(id, w.providerB.key, 4, 4);

    const points = await timeline(id, w.customer.key);
    expect(shape(points)).toEqual([
      ['awaiting_consent', 0, null],
      ['deploying', 0, null],
      ['migrating', 0, 0],
      ['migrating', 25, 25],
      ['migrating', 50, 50],
      ['completed', 100, 100],
    ]);
    expect(points.map((p) => p.at)).toEqual([...points.map((p) => p.at)].sort((a, b) => a - b));
    expect(sides.B).toBeGreaterThan(0);
    expect(points[4]!.calls).toEqual({ a: { requests: sides.A, failures: 0 }, b: { requests: sides.B, failures: 0 } });

    // A finished migration keeps its timeline, and nothing is added to it afterwards.
    for (let i = 0; i < 5; i++) await endUser(w.customer.id, `after-${i}`);
    await call('GET', `/v1/customers/${w.customer.id}/traffic`, { key: w.customer.key });
    expect(await timeline(id, w.customer.key)).toEqual(points);
    // Every party reads the same timeline.
    for (const key of [w.providerA.key, w.providerB.key, OPERATOR]) expect(await timeline(id, key)).toEqual(points);
  });

  it('draws a rollback as every session back on A', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    await progress(id, w.providerB.key, 3, 4);
    expectStatus(await steer(id, 'rollback', w.customer.key), 200);
    expect(shape(await timeline(id, w.customer.key)).slice(-2)).toEqual([
      ['migrating', 75, 75],
      ['rolled_back', 75, 0],
    ]);
  });

  it('answers 404 to anyone not a party, the same as for an unknown migration', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    for (const key of [(await registerCustomer()).key, (await registerProvider()).key]) {
      expectProblem(await call('GET', `/v1/migrations/${id}/timeline`, { key }), 404, 'not-found');
    }
    expectProblem(await call('GET', '/v1/migrations/mig_nothing/timeline', { key: w.customer.key }), 404, 'not-found');
  });

  it('stays bounded: past the limit the older half is thinned, keeping the first and the latest points', async () => {
    const customer = await registerCustomer();
    const calls = { requests: 0, failures: 0 };
    const points = await runInDurableObject(coordinator(customer.id), (_, state) => {
      const sql = state.storage.sql;
      for (let i = 0; i < TIMELINE_MAX_POINTS * 3; i++) {
        observe(sql, 'mig_bounded', { state: 'migrating', segmentsDone: i, segmentsTotal: TIMELINE_MAX_POINTS * 3, weightB: i, a: calls, b: calls }, 1_000 + i);
      }
      return timelineOf(sql, 'mig_bounded');
    });
    expect(points.length).toBeLessThanOrEqual(TIMELINE_MAX_POINTS);
    expect(points.length).toBeGreaterThan(TIMELINE_MAX_POINTS / 2);
    expect(points[0]!.at).toBe(1_000);
    expect(points.at(-1)!.at).toBe(1_000 + TIMELINE_MAX_POINTS * 3 - 1);
    expect(points.map((p) => p.shareB)).toEqual([...points.map((p) => p.shareB)].sort((a, b) => a! - b!));
    expect(points.every((p) => p.shareB! < SBC_WEIGHT_SCALE)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { decide, type Parties } from '../../src/migrations/lifecycle';
import { STEERING_ACTIONS, type MigrationState } from '../../src/lib/lifecycle';
import { bodyOf, call, expectProblem, expectStatus } from '../http';
import { deployAll, leased, progress, start, steer, world, type World } from './world';

const ACTIONS = [...STEERING_ACTIONS, 'progress'] as const;
type Action = (typeof ACTIONS)[number];

async function failDeployment(w: World) {
  const agent = w.agents[0]!;
  for (let i = 0; i < 3; i++) {
    const [t] = await leased(agent.key);
    await call('POST', `/v1/agent/tasks/${t.id}/result`, { key: agent.key, body: { attempt: t.attempt, outcome: 'failed', error: 'disk full' } });
  }
}

/** How to reach each observable state, and which steps it allows (all others are refused). */
const SETUPS: { state: string; allowed: Action[]; reach(w: World, id: string): Promise<void> }[] = [
  { state: 'awaiting_consent', allowed: ['accept', 'cancel'], reach: async () => {} },
  { state: 'deploying', allowed: ['pause', 'rollback', 'cancel'], reach: async (w, id) => void (await steer(id, 'accept', w.providerB.key)) },
  {
    state: 'migrating',
    allowed: ['pause', 'rollback', 'progress'],
    reach: async (w, id) => {
      await steer(id, 'accept', w.providerB.key);
      await deployAll(w);
    },
  },
  {
    state: 'paused',
    allowed: ['resume', 'rollback', 'cancel'],
    reach: async (w, id) => {
      await steer(id, 'accept', w.providerB.key);
      await steer(id, 'pause', w.customer.key);
    },
  },
  {
    state: 'paused',
    allowed: ['resume', 'rollback'],
    reach: async (w, id) => {
      await steer(id, 'accept', w.providerB.key);
      await deployAll(w);
      await steer(id, 'pause', w.providerB.key);
    },
  },
  {
    state: 'completed',
    allowed: [],
    reach: async (w, id) => {
      await steer(id, 'accept', w.providerB.key);
      await deployAll(w);
      await progress(id, w.providerB.key, 1, 1);
    },
  },
  {
    state: 'rolled_back',
    allowed: [],
    reach: async (w, id) => {
      await steer(id, 'accept', w.providerB.key);
      await steer(id, 'rollback', w.customer.key);
    },
  },
  { state: 'cancelled', allowed: [], reach: async (w, id) => void (await steer(id, 'cancel', w.customer.key)) },
  {
    state: 'failed',
    allowed: [],
    reach: async (w, id) => {
      await steer(id, 'accept', w.providerB.key);
      await failDeployment(w);
    },
  },
];

describe('refused transitions over HTTP', () => {
  it.each(SETUPS.map((s, i) => [`${s.state} #${i}`, s] as const))('%s refuses every step it does not allow, changing nothing', async (_name, setup) => {
    const w = await world();
    const id = bodyOf(await start(w), 201).id;
    await setup.reach(w, id);
    const before = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    expectStatus(before, 200);
    expect(before.body.state).toBe(setup.state);
    for (const action of ACTIONS.filter((a) => !setup.allowed.includes(a))) {
      // Each step by the party that could take it in another state.
      const r = action === 'progress' ? await progress(id, w.providerB.key, 1, 2) : await steer(id, action, action === 'accept' ? w.providerB.key : w.customer.key);
      // A customer-initiated migration is never the customer's to approve, whatever its state.
      if (action === 'approve') expectProblem(r, 403, 'forbidden');
      else expectProblem(r, 409, 'conflict');
    }
    const after = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
    expect(after.body).toEqual(before.body);
  });
});

describe('decide (the whole table)', () => {
  const customer = { id: 'cus_1', kind: 'customer' } as const;
  const target = { id: 'prv_b', kind: 'provider' } as const;
  const source = { id: 'prv_a', kind: 'provider' } as const;
  const parties = (state: MigrationState, pausedFrom: MigrationState | null = null, initiatorKind: 'customer' | 'provider' = 'customer'): Parties => ({
    state,
    pausedFrom,
    customerId: 'cus_1',
    targetProviderId: 'prv_b',
    initiatorKind,
  });

  it('lets only the right party take each step, and says why not', () => {
    expect(decide(parties('awaiting_consent'), 'accept', target)).toEqual({ ok: true, to: 'deploying' });
    expect(decide(parties('awaiting_consent', null, 'provider'), 'approve', customer)).toEqual({ ok: true, to: 'deploying' });
    expect(decide(parties('awaiting_consent', null, 'provider'), 'accept', target)).toMatchObject({ ok: false, status: 403 });
    expect(decide(parties('awaiting_consent'), 'approve', customer)).toMatchObject({ ok: false, status: 403 });
    for (const action of ACTIONS) expect(decide(parties('migrating'), action, source)).toMatchObject({ ok: false, status: 403 });
    expect(decide(parties('migrating'), 'progress', customer)).toMatchObject({ ok: false, status: 403 });
    expect(decide(parties('paused', 'migrating'), 'resume', customer)).toEqual({ ok: true, to: 'migrating' });
    expect(decide(parties('paused', 'deploying'), 'resume', target)).toEqual({ ok: true, to: 'deploying' });
    expect(decide(parties('paused', 'deploying'), 'cancel', customer)).toEqual({ ok: true, to: 'cancelled' });
    expect(decide(parties('paused', 'migrating'), 'cancel', customer)).toMatchObject({ ok: false, status: 409 });
  });

  it('refuses every step from every final state', () => {
    for (const state of ['completed', 'rolled_back', 'cancelled', 'failed'] as const) {
      for (const action of ACTIONS) {
        const by = action === 'approve' ? customer : target;
        expect(decide(parties(state, null, action === 'approve' ? 'provider' : 'customer'), action, by)).toMatchObject({ ok: false, status: 409 });
      }
    }
  });

  it('never leaves cutting over or rolling back by a party', () => {
    for (const state of ['cutting_over', 'rolling_back', 'requested'] as const) {
      for (const action of ['pause', 'resume', 'rollback'] as const) expect(decide(parties(state), action, customer)).toMatchObject({ ok: false, status: 409 });
    }
  });
});

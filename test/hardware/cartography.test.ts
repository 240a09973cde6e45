/**
 * Cloud cartography: whoever collects hardware IDs, from however many accounts, must learn nothing
 * about which hardware is whose or what sits next to what. Alice and Bob share two servers (hence a
 * rack, a row and the site); both they and their common provider mint IDs at every scope, many
 * times. Every ID must be request-level values plus fresh randomness, nothing else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectStatus } from '../http';
import { parts, world, type Principal } from './helpers';

const ROUNDS = 5;
const SCOPES = ['server', 'rack', 'row', 'site'] as const;

interface Minted {
  request: number;
  requester: string;
  customer: string;
  scope: string;
  coverage: number;
  token: string;
}

let w: Awaited<ReturnType<typeof world>>;
const minted: Minted[] = [];
const responses: Minted[][] = [];

beforeAll(async () => {
  w = await world();
  const askers: [string, Principal, string][] = [
    ['alice', w.alice, w.alice.id],
    ['bob', w.bob, w.bob.id],
    ['provider→alice', w.provider, w.alice.id],
    ['provider→bob', w.provider, w.bob.id],
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const scope of SCOPES) {
      for (const [requester, caller, customer] of askers) {
        const body = caller.id === customer ? { scope } : { scope, customerId: customer };
        const r = await call('POST', '/v1/hardware-ids', { key: caller.key, body });
        expectStatus(r, 201);
        const request = responses.length;
        const items = r.body.items.map((i) => ({ request, requester, customer, scope, coverage: i.coverage, token: i.id }));
        responses.push(items);
        minted.push(...items);
      }
    }
  }
});

describe('cartography', () => {
  it('collected enough IDs, including IDs of the shared hardware from both customers', () => {
    // Per round: alice has 5 servers, 3 racks, 2 rows, 1 site; bob 2 servers, 1 rack, 1 row, 1 site; each asked twice.
    expect(minted).toHaveLength(ROUNDS * 2 * (11 + 5));
  });

  it('never repeats an alias or a jti, across requests, requesters and customers', () => {
    const random = minted.flatMap((m) => [parts(m.token).payload.sub, parts(m.token).payload.jti]);
    expect(random.every((v) => typeof v === 'string' && /^[A-Za-z0-9_-]{22}$/.test(v))).toBe(true);
    expect(new Set(random).size).toBe(random.length);
  });

  it('carries nothing but the standard header and request-level claims', () => {
    const headers = new Set(minted.map((m) => JSON.stringify(parts(m.token).header)));
    expect(headers.size).toBe(1);
    for (const m of minted) expect(Object.keys(parts(m.token).payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub']);
  });

  it('makes every non-random claim a function of the request alone, never of the unit', () => {
    for (const items of responses) {
      const shared = new Set(
        items.map((m) => {
          const { sub: _sub, jti: _jti, ...rest } = parts(m.token).payload;
          return JSON.stringify(rest);
        }),
      );
      expect(shared.size).toBeLessThanOrEqual(1);
      expect(new Set(items.map((m) => m.token.length)).size).toBeLessThanOrEqual(1);
    }
  });

  it('orders each response by the random alias, not by the units', () => {
    for (const items of responses) {
      const subs = items.map((m) => parts(m.token).payload.sub!);
      expect(subs).toEqual([...subs].sort());
    }
  });

  it('shares no value between IDs of different requests other than iss, kid and request terms', () => {
    const values = (token: string) => {
      const { header, payload } = parts(token);
      return new Set([...token.split('.').slice(1), header.kid, ...Object.values(payload).flat()].map(String));
    };
    const allowed = new Set(['inplace', String(parts(minted[0]!.token).header.kid), ...SCOPES, w.alice.id, w.bob.id, w.provider.id]);
    const byValue = new Map<string, Set<number>>();
    for (const m of minted) {
      for (const v of values(m.token)) {
        if (allowed.has(v) || /^\d+$/.test(v)) continue;
        if (!byValue.has(v)) byValue.set(v, new Set());
        byValue.get(v)!.add(m.request);
      }
    }
    expect([...byValue.values()].filter((requests) => requests.size > 1)).toEqual([]);
  });

  it('never mentions a permanent identifier anywhere in an ID', () => {
    const permanent = [
      ...w.dc.serverIds,
      ...w.dc.racks.map((k) => k.id),
      ...w.dc.rows.map((r) => r.id),
      ...w.dc.sites.map((s) => s.id),
      ...w.dc.servers.flatMap((s) => Object.values(s.identity)),
    ];
    // Every field compared whole; substrings only for identifiers long enough that a random alias
    // cannot contain one by chance (a 3-character name like "dc1" can appear in 22 random characters).
    const fields = (token: string) => {
      const { header, payload } = parts(token);
      return [...Object.values(header), ...Object.values(payload).flat()].map(String);
    };
    for (const m of minted) {
      const found = fields(m.token);
      const text = found.join('\n');
      for (const p of permanent) {
        expect(found).not.toContain(p);
        if (p.length >= 8) expect(text).not.toContain(p);
      }
    }
  });

  it('counts coverage from the asking customer’s own placements only', () => {
    for (const items of responses) {
      const total = items.reduce((sum, m) => sum + m.coverage, 0);
      expect(total).toBe(items[0]!.customer === w.alice.id ? w.aliceServers.length : w.bobServers.length);
    }
  });
});

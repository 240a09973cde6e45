import { describe, expect, it } from 'vitest';
import { COMPAT_FRONTIER_MAX } from '../../src/constants';
import { aggregateServers, fits, frontierOf, mergeAggregates, topClauses, type Point } from '../../src/compatibility/verdicts';

describe('free-capacity frontier', () => {
  it('keeps only the points nothing beats on both cores and memory', () => {
    expect(frontierOf([[8, 32], [16, 16], [4, 64], [8, 16], [16, 32], [2, 2]])).toEqual([[16, 32], [4, 64]]);
  });

  it('answers whether one server has room for both demands at once', () => {
    const f: Point[] = [[16, 32], [4, 64]];
    expect(fits(f, 16, 32)).toBe(true);
    expect(fits(f, 4, 64)).toBe(true);
    // 16 cores exist and 64 GiB exist, but not on the same server.
    expect(fits(f, 16, 64)).toBe(false);
    expect(fits(undefined, 0, 0)).toBe(false);
  });

  it('thins a long frontier, keeping both ends and never inventing room', () => {
    const points = Array.from({ length: 200 }, (_, i): Point => [200 - i, i]);
    const f = frontierOf(points);
    expect(f).toHaveLength(COMPAT_FRONTIER_MAX);
    expect(f[0]).toEqual([200, 0]);
    expect(f[f.length - 1]).toEqual([1, 199]);
    for (const [c, m] of points) if (fits(f, c, m)) expect(points.some(([pc, pm]) => pc >= c && pm >= m)).toBe(true);
  });
});

describe('unit aggregates', () => {
  const rack1 = aggregateServers([
    { freeCores: 8, freeMemoryGib: 32, verdicts: { s1: 0, s2: [0, 2] } },
    { freeCores: 2, freeMemoryGib: 64, verdicts: { s1: 5, s2: [2] } },
  ]);
  const rack2 = aggregateServers([{ freeCores: 32, freeMemoryGib: 128, verdicts: { s1: [1], s2: 3 } }]);

  it('counts approvals, denials and the failed clauses of a rack', () => {
    expect(rack1).toEqual({
      s1: { a: 2, d: 0, f: [[8, 32], [2, 64]], r: {} },
      s2: { a: 0, d: 2, f: [], r: { 0: 1, 2: 2 } },
    });
  });

  it('merges racks into a row', () => {
    expect(mergeAggregates([rack1, rack2])).toEqual({
      s1: { a: 2, d: 1, f: [[8, 32], [2, 64]], r: { 1: 1 } },
      s2: { a: 1, d: 2, f: [[32, 128]], r: { 0: 1, 2: 2 } },
    });
  });

  it('orders clauses by how many servers fail them', () => {
    expect(topClauses({ 0: 1, 2: 5, 3: 5, 4: 2 }, 3)).toEqual([
      { clause: 2, servers: 5 },
      { clause: 3, servers: 5 },
      { clause: 4, servers: 2 },
    ]);
  });
});

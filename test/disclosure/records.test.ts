/** The pure parts of the policy: capacity classes with hysteresis, and k-anonymous recoding. */
import { describe, expect, it } from 'vitest';
import { freeBands, freeClass, shareBand, sizeBand } from '../../src/disclosure/classes';
import { anonymiseServers, anonymiseUnits, fullRecord, signatureOf, summarise } from '../../src/disclosure/records';
import type { ServerFacts } from '../../src/inventory/facts';
import { props } from './properties';


describe('capacity classes', () => {
  it('release a band, never the value', () => {
    expect(freeBands(freeClass({ cores: 37, memoryGib: 100 }))).toEqual({ cores: { min: 32, max: 64 }, memoryGib: { min: 64, max: 128 } });
    expect(freeBands(freeClass({ cores: 5000, memoryGib: 0 }))).toEqual({ cores: { min: 2048, max: null }, memoryGib: { min: 0, max: 16 } });
  });

  it('do not move when a neighbour takes or frees 1 to 4 cores, from any value classified afresh', () => {
    for (let cores = 0; cores <= 300; cores++) {
      const cls = freeClass({ cores, memoryGib: 64 });
      for (const d of [-4, -3, -2, -1, 1, 2, 3, 4]) expect(freeClass({ cores: Math.max(0, cores + d), memoryGib: 64 }, cls)).toEqual(cls);
    }
  });

  it('move once the value is beyond the band by more than its margin', () => {
    const cls = freeClass({ cores: 10, memoryGib: 64 });
    expect(freeClass({ cores: 4, memoryGib: 64 }, cls).cores).toBe(8);
    expect(freeClass({ cores: 3, memoryGib: 64 }, cls).cores).toBe(0);
    expect(freeClass({ cores: 19, memoryGib: 64 }, cls).cores).toBe(8);
    expect(freeClass({ cores: 20, memoryGib: 64 }, cls).cores).toBe(16);
  });
});

describe('k-anonymous server records', () => {
  const crowd = (p: ServerFacts['properties'], cores: number, members: number) => {
    const record = fullRecord(p, freeClass({ cores, memoryGib: 100 }));
    return { key: signatureOf(record), record, members };
  };

  it('keep full records shared by K servers, and never the private network', () => {
    const a = crowd(props(), 20, 5);
    const out = anonymiseServers([a], 5);
    expect(out.get(a.key)!.record).toEqual(a.record);
    expect(JSON.stringify(out.get(a.key))).not.toContain('pn-secret');
  });

  it('drop capacity classes, then the most specific properties, until every record is shared by K', () => {
    const common = crowd(props(), 20, 4);
    const roomier = crowd(props(), 40, 2);
    const bigger = crowd(props({ memoryGib: 512 }), 20, 1);
    const out = anonymiseServers([common, roomier, bigger], 5);
    const released = [common, roomier, bigger].map((c) => out.get(c.key)!);
    // Capacity dropped brings common + roomier to 6; bigger needs memory dropped too, which joins all 7.
    for (const r of released) expect(r.members).toBeGreaterThanOrEqual(5);
    expect(released[0]!.record.free).toEqual({ cores: null, memoryGib: null });
    expect(released[2]!.record).toMatchObject({ memoryGib: null, storageGib: null, cpuModel: 'EPYC 9354', free: { cores: null, memoryGib: null } });
  });

  it('put what is left at the end with the smallest crowds, so nothing is released to fewer than K', () => {
    const arm = crowd(props({ cpuArch: 'arm64', cpuVendor: 'Ampere' }), 20, 1);
    const x86 = crowd(props(), 20, 9);
    const out = anonymiseServers([arm, x86], 5);
    expect(out.get(arm.key)!.members).toBe(10);
    expect(out.get(arm.key)!.record).toEqual(out.get(x86.key)!.record);
  });

  it('summarise units from released records and generalise them until 3 units share each summary', () => {
    const r = fullRecord(props(), freeClass({ cores: 20, memoryGib: 100 }));
    const wide = fullRecord(props(), freeClass({ cores: 70, memoryGib: 100 }));
    const summaries = new Map([
      ['k1', summarise([r, r])],
      ['k2', summarise([r, r])],
      ['k3', summarise([r, wide])],
    ]);
    const out = anonymiseUnits(summaries, 3);
    expect(new Set([...out.values()].map((v) => JSON.stringify(v.record))).size).toBe(1);
    expect(out.get('k1')!.record).toMatchObject({ cpuModel: ['EPYC 9354'], traits: ['sev'], free: { cores: null, memoryGib: null } });
  });

  it('release a unit’s size only as a class, kept while 3 units share it, dropped before any property', () => {
    const r = fullRecord(props(), freeClass({ cores: 20, memoryGib: 100 }));
    const of = (n: number) => summarise(Array.from({ length: n }, () => r));
    expect(of(5).servers).toEqual({ min: 4, max: 8 });
    // Racks of 4 to 7 servers look the same, and so do racks of 8 to 15.
    const units = new Map([['k1', of(4)], ['k2', of(5)], ['k3', of(7)], ['k4', of(9)], ['k5', of(10)], ['k6', of(15)]]);
    const out = anonymiseUnits(units, 3);
    expect(out.get('k1')!.record).toEqual(of(6));
    expect(out.get('k4')!.record).toEqual(of(12));
    // A rack of 40 alone is too few: its size goes, with that of the smallest crowd it joins, and nothing else.
    const joined = anonymiseUnits(new Map([...units, ['k7', of(40)]]), 3);
    const withheld = { ...of(40), free: { cores: null, memoryGib: null }, servers: null };
    expect(joined.get('k7')!.record).toEqual(withheld);
    expect([...joined.values()].filter((v) => v.record.servers === null).map((v) => v.members)).toEqual([4, 4, 4, 4]);
    expect([...joined.values()].filter((v) => v.record.servers !== null).map((v) => v.members)).toEqual([3, 3, 3]);
  });
});

describe('released counts of a unit’s servers', () => {
  it('say none, all (the unit’s size class) or some, never how many', () => {
    const size = sizeBand(6);
    expect([0, 1, 3, 5, 6].map((n) => shareBand(n, 6, size))).toEqual([{ min: 0, max: 1 }, { min: 1, max: 8 }, { min: 1, max: 8 }, { min: 1, max: 8 }, { min: 4, max: 8 }]);
    // With the size withheld, all and some read the same.
    expect(shareBand(6, 6, null)).toEqual(shareBand(2, 6, null));
    expect(shareBand(1, 1, sizeBand(1))).toEqual({ min: 1, max: 2 });
  });
});

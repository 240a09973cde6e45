/**
 * The census as computed (sides numbered, each distinct set of properties judged once, platforms
 * that judge a site alike skipped) against its plain statement below (sides as the text of
 * everything told, every crowd judged), on random data centers and catalogs (fast-check).
 */
import type { z } from '@hono/zod-openapi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Requirements } from '../../src/catalog/schema';
import { compile, staticVerdict } from '../../src/compatibility/evaluate';
import { takeCensus, type Census, type CensusCrowd, type CensusPlatform, type CensusUnits } from '../../src/disclosure/census';
import { props } from './properties';

/** Whether some part of `after` weighs less than `k` and less than the side of `before` it came from. */
function splits(before: string[], after: string[], weights: number[], k: number): boolean {
  const weight = (keys: string[], key: string) => keys.reduce((n, x, i) => (x === key ? n + weights[i]! : n), 0);
  return after.some((key, i) => weight(after, key) < k && weight(after, key) < weight(before, before[i]!));
}

/** What a unit's answer tells: none, some or all of its servers approve, and fail each clause. */
function unitSides(crowds: CensusCrowd[], failed: number[][], scope: 'rack' | 'row'): Map<string, string> {
  const unitOf = (c: CensusCrowd) => (scope === 'rack' ? c.rackId : c.rowId);
  const band = (x: number, n: number) => (x === 0 ? 0 : x === n ? 2 : 1);
  const servers = (members: { c: CensusCrowd }[]) => members.reduce((n, m) => n + m.c.servers, 0);
  return new Map(
    [...new Set(crowds.map(unitOf))].map((id) => {
      const members = crowds.map((c, i) => ({ c, failed: failed[i]! })).filter((m) => unitOf(m.c) === id);
      const clauses = [...new Set(members.flatMap((m) => m.failed))].sort((a, b) => a - b);
      const told = [band(servers(members.filter((m) => !m.failed.length)), servers(members)), clauses.map((clause) => [clause, band(servers(members.filter((m) => m.failed.includes(clause))), servers(members))])];
      return [id, JSON.stringify(told)];
    }),
  );
}

/** The census stated plainly: every side is the text of all that is told about its servers. */
function plainCensus(crowds: CensusCrowd[], units: CensusUnits, platforms: CensusPlatform[], kServers: number, kUnits: number): Census {
  const census: Census = {};
  let sides = crowds.map((c) => c.record);
  const unitIds = { rack: [...units.rack.keys()], row: [...units.row.keys()] };
  const unitKeys = { rack: unitIds.rack.map((id) => units.rack.get(id)!), row: unitIds.row.map((id) => units.row.get(id)!) };
  const ordered = platforms.filter((p) => p.passRevision > 0).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  for (const p of ordered) {
    const judged = crowds.map((c) => p.judge(c.properties));
    const refined = crowds.map((_, i) => `${sides[i]}\n${JSON.stringify(judged[i])}`);
    if (splits(sides, refined, crowds.map((c) => c.servers), kServers)) {
      census[p.id] = { revision: p.passRevision, withheld: true, racks: true, rows: true };
      continue;
    }
    sides = refined;
    const entry = { revision: p.passRevision, withheld: false, racks: false, rows: false };
    for (const scope of ['rack', 'row'] as const) {
      const told = unitSides(crowds, judged.map((j) => j.failed), scope);
      const keys = unitKeys[scope].map((key, i) => `${key}\n${told.get(unitIds[scope][i]!)}`);
      if (splits(unitKeys[scope], keys, keys.map(() => 1), kUnits)) entry[scope === 'rack' ? 'racks' : 'rows'] = true;
      else unitKeys[scope] = keys;
    }
    census[p.id] = entry;
  }
  return census;
}

const TRAITS = ['sev', 'a', 'b', 'nic'];
const REQUIREMENTS: z.input<typeof Requirements>[] = [
  {},
  { requiredTraits: ['sev'] },
  { requiredTraits: ['a'] },
  { requiredTraits: ['a', 'b'] },
  { forbiddenTraits: ['nic'] },
  { properties: [{ op: 'gte', property: 'gpus', value: 1 }] },
  { properties: [{ op: 'in', property: 'cpuModel', values: ['EPYC 9004'] }] },
  { requiredTraits: ['b'], properties: [{ op: 'gte', property: 'gpus', value: 2 }] },
  { preferences: [{ weight: 1, trait: 'nic' }] },
];

const crowdArb = fc.record({
  traits: fc.subarray(TRAITS),
  cpuModel: fc.constantFrom('EPYC 9354', 'EPYC 9004'),
  gpus: fc.integer({ min: 0, max: 2 }),
  record: fc.constantFrom('r1', 'r2'),
  rack: fc.integer({ min: 0, max: 5 }),
  servers: fc.integer({ min: 1, max: 6 }),
});
const siteArb = fc.record({
  crowds: fc.array(crowdArb, { minLength: 1, maxLength: 24 }),
  rackSummaries: fc.array(fc.constantFrom('s1', 's2'), { minLength: 6, maxLength: 6 }),
  rowSummaries: fc.array(fc.constantFrom('s1', 's2'), { minLength: 3, maxLength: 3 }),
  catalog: fc.array(fc.record({ requirements: fc.integer({ min: 0, max: REQUIREMENTS.length - 1 }), passRevision: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 8 }),
  k: fc.record({ servers: fc.integer({ min: 2, max: 6 }), units: fc.integer({ min: 2, max: 3 }) }),
});

describe('the census as computed', () => {
  it('is the census stated plainly, on random data centers and catalogs', () => {
    fc.assert(
      fc.property(siteArb, ({ crowds: drawn, rackSummaries, rowSummaries, catalog, k }) => {
        const crowds: CensusCrowd[] = drawn.map((c) => ({
          rackId: `k${c.rack}`,
          rowId: `w${c.rack % 3}`,
          properties: props({ traits: c.traits, cpuModel: c.cpuModel, gpus: c.gpus }),
          record: c.record,
          servers: c.servers,
        }));
        const units: CensusUnits = {
          rack: new Map(crowds.map((c) => [c.rackId, rackSummaries[Number(c.rackId.slice(1))]!])),
          row: new Map(crowds.map((c) => [c.rowId, rowSummaries[Number(c.rowId.slice(1))]!])),
        };
        const platforms: CensusPlatform[] = catalog.map((p, i) => {
          const compiled = compile(Requirements.parse(REQUIREMENTS[p.requirements]!));
          return { id: `p${i}`, createdAt: i, passRevision: p.passRevision, judge: (properties) => staticVerdict(compiled, properties) };
        });
        expect(takeCensus(crowds, units, platforms, k.servers, k.units)).toEqual(plainCensus(crowds, units, platforms, k.servers, k.units));
      }),
      { numRuns: 300 },
    );
  });
});

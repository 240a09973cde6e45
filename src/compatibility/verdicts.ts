/**
 * The compact formats of the materialised table, and the pure arithmetic over them.
 *
 * A server row holds `Verdicts`: per platform slot, a number (approved; its preference score) or
 * an array of failed clause numbers (denied). A unit row holds `UnitAggregates`: per slot, how
 * many servers approve and deny, a histogram of failed clauses, and the Pareto frontier of the
 * free capacity (cores, memory) of the approving servers, which answers "does some compatible
 * server in this unit have room for a placement needing c cores and m GiB?" in O(frontier).
 */
import { COMPAT_FRONTIER_MAX } from '../constants';

export type Verdict = number | number[];
export type Verdicts = Record<string, Verdict>;
export type Point = [cores: number, memoryGib: number];

export interface SlotAggregate {
  /** Servers approving. */
  a: number;
  /** Servers denying. */
  d: number;
  /** Free-capacity frontier of the approving servers, cores descending. */
  f: Point[];
  /** Failed clause → servers failing it. */
  r: Record<string, number>;
}

export type UnitAggregates = Record<string, SlotAggregate>;

export function emptySlot(): SlotAggregate {
  return { a: 0, d: 0, f: [], r: {} };
}

export function slotKey(slot: number): string {
  return `s${slot}`;
}

export function isApproved(v: Verdict | undefined): v is number {
  return typeof v === 'number';
}

/** The points no other point beats on both cores and memory, thinned to COMPAT_FRONTIER_MAX. */
export function frontierOf(points: Point[]): Point[] {
  const sorted = [...points].sort((x, y) => y[0] - x[0] || y[1] - x[1]);
  const kept: Point[] = [];
  let bestMemory = -1;
  for (const p of sorted) {
    if (p[1] > bestMemory) {
      kept.push(p);
      bestMemory = p[1];
    }
  }
  if (kept.length <= COMPAT_FRONTIER_MAX) return kept;
  // Thinning only ever makes an answer more cautious ("no room") never wrongly "room".
  const step = (kept.length - 1) / (COMPAT_FRONTIER_MAX - 1);
  return Array.from({ length: COMPAT_FRONTIER_MAX }, (_, i) => kept[Math.round(i * step)]!);
}

export function fits(frontier: Point[] | undefined, cores: number, memoryGib: number): boolean {
  return (frontier ?? []).some(([c, m]) => c >= cores && m >= memoryGib);
}

export interface ServerVerdicts {
  freeCores: number;
  freeMemoryGib: number;
  verdicts: Verdicts;
}

/** Per-slot aggregates of a rack's servers. */
export function aggregateServers(members: ServerVerdicts[]): UnitAggregates {
  const out: Record<string, SlotAggregate & { points: Point[] }> = {};
  for (const m of members) {
    for (const [slot, v] of Object.entries(m.verdicts)) {
      const agg = (out[slot] ??= { ...emptySlot(), points: [] });
      if (isApproved(v)) {
        agg.a++;
        agg.points.push([m.freeCores, m.freeMemoryGib]);
      } else {
        agg.d++;
        for (const clause of v) agg.r[clause] = (agg.r[clause] ?? 0) + 1;
      }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([slot, { points, ...agg }]) => [slot, { ...agg, f: frontierOf(points) }]));
}

/** Aggregates of a row (from its racks) or a site (from its rows). */
export function mergeAggregates(parts: UnitAggregates[]): UnitAggregates {
  const out: Record<string, SlotAggregate> = {};
  for (const part of parts) {
    for (const [slot, agg] of Object.entries(part)) {
      const into = (out[slot] ??= emptySlot());
      into.a += agg.a;
      into.d += agg.d;
      into.f = into.f.concat(agg.f);
      for (const [clause, n] of Object.entries(agg.r)) into.r[clause] = (into.r[clause] ?? 0) + n;
    }
  }
  for (const agg of Object.values(out)) agg.f = frontierOf(agg.f);
  return out;
}

/** Clause histogram → the `limit` most frequent clauses, most frequent first. */
export function topClauses(histogram: Record<string, number>, limit: number): { clause: number; servers: number }[] {
  return Object.entries(histogram)
    .map(([clause, servers]) => ({ clause: Number(clause), servers }))
    .sort((x, y) => y.servers - x.servers || x.clause - y.clause)
    .slice(0, limit);
}

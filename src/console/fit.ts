/**
 * How well each rack fits one platform, read from the compatibility capability's materialised
 * per-rack aggregates (through its exported functions): approving and denying servers, and the
 * most common reasons for denial.
 */
import type { PlatformT } from '../catalog/schema';
import { clausesOf, clauseText } from '../compatibility/evaluate';
import { readUnits, slotState } from './queries';
import { slotKey, topClauses } from '../compatibility/verdicts';
import type { Db } from '../db';

export interface RackFit {
  approved: number;
  denied: number;
  reasons: string[];
}

export interface PlatformFit {
  racks: Map<string, RackFit>;
  /** False while the table lags the platform's latest revision. */
  fresh: boolean;
}

/** Null when the platform has not been evaluated yet. */
export async function rackFit(db: Db, platform: PlatformT, rackIds: string[]): Promise<PlatformFit | null> {
  const slot = await slotState(db, platform.id);
  if (!slot) return null;
  const units = await readUnits(db, 'rack', rackIds);
  const clauses = clausesOf(platform.requirements);
  const racks = new Map<string, RackFit>();
  for (const [rackId, unit] of units) {
    const agg = unit.aggregates[slotKey(slot.slot)];
    if (!agg) continue;
    racks.set(rackId, { approved: agg.a, denied: agg.d, reasons: topClauses(agg.r, 2).map((t) => `${clauseText(clauses, t.clause)} (${t.servers})`) });
  }
  return { racks, fresh: slot.revision >= platform.revision };
}

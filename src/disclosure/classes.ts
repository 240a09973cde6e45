/**
 * Capacity classes: free cores and memory leave the service, and requester-controlled thresholds
 * are judged, only as a band of FREE_*_BANDS. A server's class moves with hysteresis: it stays
 * in its band until the exact value is beyond it by the band's margin, so a neighbour's small
 * allocation change (a few cores) does not move it, and answers built on classes stay put.
 */
import { FREE_CLASS_MARGIN_SHARE, FREE_CORES_BANDS, FREE_CORES_MARGIN_MIN, FREE_MEMORY_GIB_BANDS, FREE_MEMORY_GIB_MARGIN_MIN, UNIT_SERVERS_BANDS } from '../constants';

export interface Free {
  cores: number;
  memoryGib: number;
}

/** A released class: `max` is exclusive, null for the open top band. */
export interface Band {
  min: number;
  max: number | null;
}

interface Scale {
  bands: readonly number[];
  marginMin: number;
}

const CORES: Scale = { bands: FREE_CORES_BANDS, marginMin: FREE_CORES_MARGIN_MIN };
const MEMORY: Scale = { bands: FREE_MEMORY_GIB_BANDS, marginMin: FREE_MEMORY_GIB_MARGIN_MIN };
const SERVERS: Scale = { bands: UNIT_SERVERS_BANDS, marginMin: 0 };

function bandIndex(scale: Scale, value: number): number {
  let i = 0;
  while (i + 1 < scale.bands.length && value >= scale.bands[i + 1]!) i++;
  return i;
}

export function bandOf(scale: Scale, lower: number): Band {
  const i = bandIndex(scale, lower);
  return { min: scale.bands[i]!, max: scale.bands[i + 1] ?? null };
}

function margin(scale: Scale, i: number): number {
  const lo = scale.bands[i]!;
  const hi = scale.bands[i + 1] ?? lo * 2;
  return Math.max(scale.marginMin, Math.ceil((hi - lo) * FREE_CLASS_MARGIN_SHARE));
}

/** The class lower bound for `value`, keeping `previous` (a lower bound) while within its margin. */
function classify(scale: Scale, value: number, previous: number | undefined): number {
  const fresh = scale.bands[bandIndex(scale, Math.max(0, value))]!;
  if (previous === undefined) return fresh;
  const i = bandIndex(scale, previous);
  if (scale.bands[i] !== previous) return fresh;
  const m = margin(scale, i);
  const hi = scale.bands[i + 1];
  return value >= previous - m && (hi === undefined || value < hi + m) ? previous : fresh;
}

/**
 * The class (as lower bounds) of `exact` free capacity, given the class released before (absent:
 * classified afresh). What the materialised table, and so every released answer, is built on.
 */
export function freeClass(exact: Free, previous?: Free): Free {
  return { cores: classify(CORES, exact.cores, previous?.cores), memoryGib: classify(MEMORY, exact.memoryGib, previous?.memoryGib) };
}

/** The bands a class stands for, as released. */
export function freeBands(cls: Free): { cores: Band; memoryGib: Band } {
  return { cores: bandOf(CORES, cls.cores), memoryGib: bandOf(MEMORY, cls.memoryGib) };
}

/** The size class of a unit of `servers` servers. */
export function sizeBand(servers: number): Band {
  return bandOf(SERVERS, servers);
}

/**
 * How many of a unit's `total` servers (`n`) something holds for, as released: none, all (the
 * unit's released size class), or some (below its top). Never finer than the verdicts of the
 * requirements taken one by one, and the size only as the unit's k-anonymous summary gives it.
 */
export function shareBand(n: number, total: number, size: Band | null): Band {
  if (n === 0) return { min: 0, max: 1 };
  if (n >= total && size) return size;
  return { min: 1, max: size?.max ?? null };
}

/**
 * What may be released about one server, and about a rack, row or site, so that a released record
 * never narrows a server (or a unit) down below a crowd of DISCLOSE_K_* of the data center:
 * k-anonymity by global recoding. Pure; src/disclosure/store.ts runs it over the whole inventory
 * whenever the materialised table is recomputed, and requests only look the result up.
 *
 * A server's full record is its non-identifying properties plus its free-capacity class. Records
 * shared by fewer than K servers are generalised step by step, dropping the capacity classes first,
 * then the properties from the most specific to the least, until every released record is shared by
 * at least K servers; what is left over at the end joins the smallest crowds in the all-dropped record.
 */
import type { ServerFacts } from '../inventory/facts';
import { freeBands, type Band, type Free } from './classes';

type Properties = ServerFacts['properties'];

/** The attributes a server record may carry (never the private network, an identifier in itself). */
export const RECORD_ATTRIBUTES = ['cpuArch', 'cpuVendor', 'cpuModel', 'cores', 'memoryGib', 'storageKind', 'storageGib', 'gpus', 'hypervisor', 'traits', 'certifications'] as const;
type Attribute = (typeof RECORD_ATTRIBUTES)[number];

/** What is released about one server; null: generalised away. */
export type ServerRecord = { [A in Attribute]: Properties[A] | null } & { free: { cores: Band | null; memoryGib: Band | null } };

/** The order in which attributes are dropped: the most specific (rarest values) first. */
const DROP_ORDER: Attribute[] = ['storageGib', 'memoryGib', 'cores', 'gpus', 'cpuModel', 'certifications', 'traits', 'storageKind', 'hypervisor', 'cpuVendor', 'cpuArch'];

/** The full record of a server with free-capacity class `cls`. */
export function fullRecord(p: Properties, cls: Free): ServerRecord {
  const record = Object.fromEntries(RECORD_ATTRIBUTES.map((a) => [a, p[a]])) as unknown as ServerRecord;
  record.traits = [...p.traits].sort();
  record.certifications = [...p.certifications].sort();
  record.free = freeBands(cls);
  return record;
}

/** The record with every attribute dropped. */
export const NOTHING_RELEASED = { ...Object.fromEntries(RECORD_ATTRIBUTES.map((a) => [a, null])), free: { cores: null, memoryGib: null } } as unknown as ServerRecord;

/** Identifies a full record: equal full records, equal signatures. */
export function signatureOf(record: ServerRecord): string {
  return JSON.stringify([...RECORD_ATTRIBUTES.map((a) => record[a]), record.free.cores, record.free.memoryGib]);
}

type Level<R> = (record: R) => R;

const serverLevels: Level<ServerRecord>[] = [
  (r) => r,
  (r) => ({ ...r, free: { cores: r.free.cores, memoryGib: null } }),
  (r) => ({ ...r, free: { cores: null, memoryGib: null } }),
  ...DROP_ORDER.map(
    (_, i): Level<ServerRecord> =>
      (r) => ({ ...r, ...Object.fromEntries(DROP_ORDER.slice(0, i + 1).map((a) => [a, null])), free: { cores: null, memoryGib: null } }),
  ),
];

export interface Crowd<R> {
  key: string;
  record: R;
  /** How many servers (or units) have this record. */
  members: number;
}

/**
 * Global recoding: each key's released record, generalised by `levels` (the last one releasing the
 * same record for everything) until every released record is shared by at least `k` members.
 */
export function anonymise<R>(crowds: Crowd<R>[], levels: Level<R>[], k: number): Map<string, { record: R; members: number }> {
  const out = new Map<string, { record: R; members: number }>();
  const released = new Map<string, { record: R; keys: string[]; members: number }>();
  let remaining = crowds;
  for (const [i, level] of levels.entries()) {
    const buckets = new Map<string, { record: R; items: Crowd<R>[]; members: number }>();
    for (const c of remaining) {
      const record = level(c.record);
      const text = JSON.stringify(record);
      const b = buckets.get(text) ?? { record, items: [], members: 0 };
      b.items.push(c);
      b.members += c.members;
      buckets.set(text, b);
    }
    const last = i === levels.length - 1;
    remaining = [];
    for (const [text, b] of buckets) {
      if (b.members >= k || last) released.set(text, { record: b.record, keys: b.items.map((c) => c.key), members: b.members });
      else remaining.push(...b.items);
    }
  }
  // The last level's single record may still be too rare: the smallest other crowds join it.
  const bottom = [...released].find(([, r]) => r.members < k);
  if (bottom) {
    const [text, r] = bottom;
    const others = [...released].filter(([t]) => t !== text).sort((a, b) => a[1].members - b[1].members);
    for (const [otherText, other] of others) {
      if (r.members >= k) break;
      r.keys.push(...other.keys);
      r.members += other.members;
      released.delete(otherText);
    }
  }
  for (const r of released.values()) for (const key of r.keys) out.set(key, { record: r.record, members: r.members });
  return out;
}

/** Released records of every server crowd (servers with the same full record), k-anonymous. */
export function anonymiseServers(crowds: Crowd<ServerRecord>[], k: number) {
  return anonymise(crowds, serverLevels, k);
}

type Range = { min: number; max: number };

/** What is released about a rack, row or site: a summary of its servers' released records. */
export interface UnitSummary {
  cpuArch: string[] | null;
  cpuVendor: string[] | null;
  cpuModel: string[] | null;
  storageKind: string[] | null;
  hypervisor: string[] | null;
  cores: Range | null;
  memoryGib: Range | null;
  storageGib: Range | null;
  gpus: Range | null;
  /** On every server of the unit (as far as released). */
  traits: string[] | null;
  certifications: string[] | null;
  free: { cores: Band | null; memoryGib: Band | null };
}

const SETS = ['cpuArch', 'cpuVendor', 'cpuModel', 'storageKind', 'hypervisor'] as const;
const RANGES = ['cores', 'memoryGib', 'storageGib', 'gpus'] as const;

function widen(a: Band | null | undefined, b: Band | null): Band | null {
  if (a === null || b === null) return null;
  if (a === undefined) return b;
  return { min: Math.min(a.min, b.min), max: a.max === null || b.max === null ? null : Math.max(a.max, b.max) };
}

/** Summary of released server records (an attribute any of them dropped is dropped here too). */
export function summarise(records: ServerRecord[]): UnitSummary {
  const summary = {} as UnitSummary;
  for (const a of SETS) {
    const values = records.map((r) => r[a]);
    summary[a] = values.includes(null) ? null : [...new Set(values as string[])].sort();
  }
  for (const a of RANGES) {
    const values = records.map((r) => r[a]);
    summary[a] = values.includes(null) || !values.length ? null : { min: Math.min(...(values as number[])), max: Math.max(...(values as number[])) };
  }
  for (const a of ['traits', 'certifications'] as const) {
    const lists = records.map((r) => r[a]);
    summary[a] = lists.includes(null) || !lists.length ? null : (lists as string[][]).reduce((common, l) => common.filter((t) => l.includes(t)));
  }
  let cores: Band | null | undefined;
  let memoryGib: Band | null | undefined;
  for (const r of records) {
    cores = widen(cores, r.free.cores);
    memoryGib = widen(memoryGib, r.free.memoryGib);
  }
  summary.free = { cores: cores ?? null, memoryGib: memoryGib ?? null };
  return summary;
}

const dropped = (s: UnitSummary, keys: (keyof UnitSummary)[]): UnitSummary => ({ ...s, ...Object.fromEntries(keys.map((k) => [k, null])), free: { cores: null, memoryGib: null } });

const unitLevels: Level<UnitSummary>[] = [
  (s) => s,
  (s) => dropped(s, []),
  (s) => dropped(s, ['storageGib', 'memoryGib', 'cores', 'gpus']),
  (s) => dropped(s, ['storageGib', 'memoryGib', 'cores', 'gpus', 'cpuModel', 'certifications', 'traits']),
  (s) => dropped(s, ['storageGib', 'memoryGib', 'cores', 'gpus', 'cpuModel', 'certifications', 'traits', 'storageKind', 'hypervisor', 'cpuVendor']),
  (s) => dropped(s, ['storageGib', 'memoryGib', 'cores', 'gpus', 'cpuModel', 'certifications', 'traits', 'storageKind', 'hypervisor', 'cpuVendor', 'cpuArch']),
];

/** Released summaries of units (each its own crowd of one), k-anonymous over the units. */
export function anonymiseUnits(summaries: Map<string, UnitSummary>, k: number) {
  return anonymise(
    [...summaries].map(([key, record]) => ({ key, record, members: 1 })),
    unitLevels,
    k,
  );
}

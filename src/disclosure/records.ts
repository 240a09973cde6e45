/**
 * What may be released about one server, and about a rack, row or site, so that a released record
 * never narrows a server (or a unit) down below a crowd of DISCLOSE_K_* of the data center:
 * k-anonymity by global recoding. Pure; src/disclosure/store.ts runs it over the whole inventory
 * whenever the materialised table is recomputed, and requests only look the result up.
 *
 * A server's full record is its non-identifying properties plus its free-capacity class. Records
 * shared by fewer than K servers are generalised step by step, dropping the capacity classes first,
 * then the properties from the most specific to the least, until every released record is shared by
 * at least K servers (joining, where needed, the smallest crowds that look the same at that step).
 */
import type { ServerFacts } from '../inventory/facts';
import { freeBands, sizeBand, type Band, type Free } from './classes';

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
 * Global recoding: each key's released record, generalised by `levels` (each coarser than the one
 * before; the last releases the same record for everything) until every released record is shared
 * by at least `k` members. A crowd still too rare at a level joins the crowds released earlier that
 * look the same at that level, smallest first, which are coarsened with it: levels only ever drop
 * more, so a crowd released together moves together and keeps its k.
 */
export function anonymise<R>(crowds: Crowd<R>[], levels: Level<R>[], k: number): Map<string, { record: R; members: number }> {
  const groups = new Map<string, { record: R; keys: string[]; members: number }>();
  const groupOf = new Map<string, string>();
  for (const [i, level] of levels.entries()) {
    const buckets = new Map<string, { record: R; items: Crowd<R>[] }>();
    for (const c of crowds) {
      const record = level(c.record);
      const text = JSON.stringify(record);
      const b = buckets.get(text) ?? { record, items: [] };
      b.items.push(c);
      buckets.set(text, b);
    }
    for (const [text, b] of buckets) {
      const fresh = b.items.filter((c) => !groupOf.has(c.key));
      if (!fresh.length) continue;
      let members = fresh.reduce((n, c) => n + c.members, 0);
      const pulled: string[] = [];
      if (members < k) {
        const earlier = [...new Set(b.items.flatMap((c) => groupOf.get(c.key) ?? []))].filter((g) => g !== text).sort((x, y) => groups.get(x)!.members - groups.get(y)!.members);
        for (const g of earlier) {
          if (members >= k) break;
          pulled.push(g);
          members += groups.get(g)!.members;
        }
        if (members < k && i < levels.length - 1) continue;
      }
      const into = groups.get(text) ?? { record: b.record, keys: [], members: 0 };
      for (const g of pulled) {
        const old = groups.get(g)!;
        into.keys.push(...old.keys);
        into.members += old.members;
        groups.delete(g);
      }
      for (const c of fresh) {
        into.keys.push(c.key);
        into.members += c.members;
      }
      for (const key of into.keys) groupOf.set(key, text);
      groups.set(text, into);
    }
  }
  const out = new Map<string, { record: R; members: number }>();
  for (const g of groups.values()) for (const key of g.keys) out.set(key, { record: g.record, members: g.members });
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
  /** How many servers the unit has: its size class. */
  servers: Band | null;
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
  summary.servers = records.length ? sizeBand(records.length) : null;
  return summary;
}

const dropped = (s: UnitSummary, keys: (keyof UnitSummary)[]): UnitSummary => ({ ...s, ...Object.fromEntries(keys.map((k) => [k, null])), free: { cores: null, memoryGib: null } });

const unitLevels: Level<UnitSummary>[] = [
  (s) => s,
  (s) => dropped(s, []),
  (s) => dropped(s, ['servers']),
  (s) => dropped(s, ['servers', 'storageGib', 'memoryGib', 'cores', 'gpus']),
  (s) => dropped(s, ['servers', 'storageGib', 'memoryGib', 'cores', 'gpus', 'cpuModel', 'certifications', 'traits']),
  (s) => dropped(s, ['servers', 'storageGib', 'memoryGib', 'cores', 'gpus', 'cpuModel', 'certifications', 'traits', 'storageKind', 'hypervisor', 'cpuVendor']),
  (s) => dropped(s, ['servers', 'storageGib', 'memoryGib', 'cores', 'gpus', 'cpuModel', 'certifications', 'traits', 'storageKind', 'hypervisor', 'cpuVendor', 'cpuArch']),
];

/** The summary of a unit nothing is released about (not summarised yet). */
export const NOTHING_SUMMARISED: UnitSummary = unitLevels[unitLevels.length - 1]!(summarise([]));

/** Released summaries of units (each its own crowd of one), k-anonymous over the units. */
export function anonymiseUnits(summaries: Map<string, UnitSummary>, k: number) {
  return anonymise(
    [...summaries].map(([key, record]) => ({ key, record, members: 1 })),
    unitLevels,
    k,
  );
}

/**
 * The released records, recomputed over the whole inventory after the materialised compatibility
 * table changes (`refreshReleased`), and looked up by requests: by a server's record signature, or
 * by a unit's id. A server the refresh has not seen yet is released with every attribute dropped.
 */
import { and, eq, sql } from 'drizzle-orm';
import { compatServers, disclosureReleased } from '../../schema';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS } from '../constants';
import { jsonIds, runAll, type Db } from '../db';
import { jsonChunks } from '../compatibility/store';
import { rackCrowds } from '../inventory/facts';
import type { Scope } from '../inventory/units';
import { anonymiseServers, anonymiseUnits, fullRecord, signatureOf, summarise, NOTHING_RELEASED, type Crowd, type ServerRecord, type UnitSummary } from './records';

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Recomputes every released record and summary: a few aggregate rows per rack, then in memory. */
export async function refreshReleased(db: Db): Promise<{ servers: number; records: number }> {
  const now = Date.now();
  const crowds = await rackCrowds(db, { table: compatServers, serverId: compatServers.serverId, cores: compatServers.freeCores, memoryGib: compatServers.freeMemoryGib });
  const bySignature = new Map<string, Crowd<ServerRecord>>();
  const perRack: { crowd: (typeof crowds)[number]; signature: string }[] = [];
  for (const c of crowds) {
    const record = fullRecord(c.properties, c.free);
    const signature = signatureOf(record);
    const crowd = bySignature.get(signature) ?? { key: signature, record, members: 0 };
    crowd.members += c.servers;
    bySignature.set(signature, crowd);
    perRack.push({ crowd: c, signature });
  }
  const servers = anonymiseServers([...bySignature.values()], DISCLOSE_K_SERVERS);
  const members: Record<'rack' | 'row' | 'site', Map<string, ServerRecord[]>> = { rack: new Map(), row: new Map(), site: new Map() };
  for (const { crowd, signature } of perRack) {
    const released = servers.get(signature)!.record;
    for (let i = 0; i < crowd.servers; i++) {
      push(members.rack, crowd.rackId, released);
      push(members.row, crowd.rowId, released);
      push(members.site, crowd.siteId, released);
    }
  }
  const units = (scope: 'rack' | 'row' | 'site') => {
    const summaries = new Map([...members[scope]].map(([id, list]) => [id, summarise(list)]));
    // Sites are few and wide: their summaries are released as they are.
    return scope === 'site' ? new Map([...summaries].map(([id, record]) => [id, { record, members: 1 }])) : anonymiseUnits(summaries, DISCLOSE_K_UNITS);
  };
  const rows: [string, string, unknown, number][] = [...servers].map(([key, r]) => ['server', key, r.record, r.members]);
  for (const scope of ['rack', 'row', 'site'] as const) for (const [key, r] of units(scope)) rows.push([scope, key, r.record, r.members]);
  await runAll(db, [
    { sql: 'delete from disclosure_released', params: [] },
    ...jsonChunks(rows).map((payload) => ({
      sql: `insert into disclosure_released (kind, key, record, members, computed_at)
        select value ->> 0, value ->> 1, value -> 2, value ->> 3, ?2 from json_each(?1) where true
        on conflict (kind, key) do update set record = excluded.record, members = excluded.members, computed_at = excluded.computed_at`,
      params: [payload, now],
    })),
  ]);
  return { servers: crowds.reduce((n, c) => n + c.servers, 0), records: servers.size };
}

/** The released record for each full-record signature asked for. */
export async function releasedServerRecords(db: Db, signatures: string[]): Promise<Map<string, ServerRecord>> {
  const unique = [...new Set(signatures)];
  const found = unique.length
    ? await db
        .select({ key: disclosureReleased.key, record: disclosureReleased.record })
        .from(disclosureReleased)
        .where(and(eq(disclosureReleased.kind, 'server'), sql`${disclosureReleased.key} in ${jsonIds(unique)}`))
        .all()
    : [];
  const known = new Map(found.map((f) => [f.key, JSON.parse(f.record) as ServerRecord]));
  return new Map(unique.map((s) => [s, known.get(s) ?? NOTHING_RELEASED]));
}

/** The released summary of each listed unit (every attribute dropped for one not summarised yet). */
export async function releasedSummaries(db: Db, scope: Exclude<Scope, 'server'>, ids: string[]): Promise<Map<string, UnitSummary>> {
  const found = ids.length
    ? await db
        .select({ key: disclosureReleased.key, record: disclosureReleased.record })
        .from(disclosureReleased)
        .where(and(eq(disclosureReleased.kind, scope), sql`${disclosureReleased.key} in ${jsonIds(ids)}`))
        .all()
    : [];
  const known = new Map(found.map((f) => [f.key, JSON.parse(f.record) as UnitSummary]));
  return new Map(ids.map((id) => [id, known.get(id) ?? summarise([NOTHING_RELEASED])]));
}

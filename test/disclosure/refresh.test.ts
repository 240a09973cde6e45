/**
 * The released records' depth: recomputing pages of the materialised table only marks their data
 * centers pending; one refresh per pending site then recomputes that site alone, to the same rows
 * a refresh from scratch gives. A server whose class moves withdraws the record it left at once.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISCLOSE_K_SERVERS, DISCLOSE_K_UNITS } from '../../src/constants';
import { recomputeForServers } from '../../src/compatibility/recompute';
import { platformsForCensus } from '../../src/compatibility/store';
import { getDb } from '../../src/db';
import { NOTHING_RELEASED } from '../../src/disclosure/records';
import { refreshPending, refreshReleasedSites, releasedServerRecords } from '../../src/disclosure/store';
import { dataCenter, putInventory, settled } from '../factories';

const db = getDb(env.DB);
const a = dataCenter('rfa', 2, 2, 2);
const b = dataCenter('rfb', 2, 2, 2);

interface Row {
  kind: string;
  key: string;
  record: string;
  members: number;
  computed_at: number;
}

async function rows(): Promise<Row[]> {
  return (await env.DB.prepare("select kind, key, record, members, computed_at from disclosure_released where key like 'rf%' order by kind, key").all<Row>()).results;
}
const ofSite = (list: Row[], site: string) => list.filter((r) => r.key.startsWith(site));
const withoutTimes = (list: Row[]) => list.map(({ computed_at: _t, ...r }) => r);

beforeAll(async () => {
  await putInventory(a);
  await putInventory(b);
  await settled();
});

describe('released records, refreshed once per data center', () => {
  it('pages only mark their site pending; one refresh recomputes that site alone, as a refresh from scratch would', async () => {
    const before = await rows();
    expect(ofSite(before, 'rfa').length).toBeGreaterThan(0);
    expect(ofSite(before, 'rfb').length).toBeGreaterThan(0);
    // Two pages of one upsert: the site is marked twice, nothing released is recomputed yet.
    await recomputeForServers(db, a.serverIds.slice(0, 4));
    await recomputeForServers(db, a.serverIds.slice(4));
    const pending = await rows();
    expect(pending.filter((r) => r.kind === 'pending')).toEqual([expect.objectContaining({ key: 'rfa' })]);
    expect(withoutTimes(pending.filter((r) => r.kind !== 'pending'))).toEqual(withoutTimes(before));

    // The refresh's clock, injected: a time after everything written so far.
    const later = Math.max(...pending.map((r) => r.computed_at)) + 1;
    expect(await refreshPending(db, platformsForCensus, later)).toEqual({ sites: 1 });
    expect(await refreshPending(db, platformsForCensus, later)).toEqual({ sites: 0 });
    const after = await rows();
    expect(after.filter((r) => r.kind === 'pending')).toEqual([]);
    // Site A recomputed (same content: nothing changed), site B untouched; released site summaries,
    // generalised over the sites, are rewritten only where they change.
    for (const r of ofSite(after, 'rfa').filter((x) => x.kind !== 'site')) expect(r.computed_at).toBe(later);
    expect(ofSite(after, 'rfb')).toEqual(ofSite(before, 'rfb'));
    expect(withoutTimes(after)).toEqual(withoutTimes(before));
    await refreshReleasedSites(db, ['rfa', 'rfb'], platformsForCensus);
    expect(withoutTimes(await rows())).toEqual(withoutTimes(after));
  });

  it('a server whose class moves withdraws the record its crowd shared until the refresh, which keeps every record shared by K', async () => {
    // Site A's eight servers are alike: one record, shared by all of them.
    const [shared, ...others] = ofSite(await rows(), 'rfa').filter((r) => r.kind === 'server');
    expect(others).toEqual([]);
    expect(shared!.members).toBe(8);
    const released = async () => (await releasedServerRecords(db, [shared!.key])).get(shared!.key);
    expect(await released()).toEqual(JSON.parse(shared!.record));

    // The operator's change, written where the queue does not see it: this test drives the recompute.
    await env.DB.prepare('update servers set cores_allocated = cores - 2, updated_at = ?2 where id = ?1').bind(a.serverIds[0], Date.now() + 1).run();
    await recomputeForServers(db, [a.serverIds[0]!]);
    expect(await released()).toEqual(NOTHING_RELEASED);

    // Seven servers keep the class, one alone in its own: releasing it would single it out, so all
    // eight release their record without capacity classes.
    expect(await refreshPending(db, platformsForCensus)).toEqual({ sites: 1 });
    expect(await released()).toEqual({ ...JSON.parse(shared!.record), free: { cores: null, memoryGib: null } });
    const servers = ofSite(await rows(), 'rfa').filter((x) => x.kind === 'server');
    expect(servers.length).toBeGreaterThan(0);
    for (const row of servers) expect(row.members).toBeGreaterThanOrEqual(DISCLOSE_K_SERVERS);
  });

  it('looks records up for as many keys as a refreshed site has, over D1’s limit on one value (2 MB) together', async () => {
    const [shared] = ofSite(await rows(), 'rfb').filter((r) => r.kind === 'server');
    // 20,000 keys of the size a record key has (site, then its full signature): 3.4 MB as one list.
    const keys = Array.from({ length: 20_000 }, (_, i) => `${shared!.key}${String(i).padStart(40, '0')}`);
    const found = await releasedServerRecords(db, [...keys, shared!.key]);
    expect(found.size).toBe(20_001);
    expect(found.get(shared!.key)).toEqual(JSON.parse(shared!.record));
    expect(keys.every((k) => found.get(k) === NOTHING_RELEASED)).toBe(true);
  });

  it('releases each site’s summary shared by K sites, or by all of them while there are fewer', async () => {
    const sites = async () => (await rows()).filter((r) => r.kind === 'site');
    // Two sites: one summary for both, whatever the class move above did to one of them.
    const two = await sites();
    expect(two.map((r) => [r.key, r.members])).toEqual([['rfa', 2], ['rfb', 2]]);
    expect(two[0]!.record).toEqual(two[1]!.record);
    // A third, larger site (18 servers, not 8): alone, its size class and capacity span would tell it apart.
    await putInventory(dataCenter('rfc', 3, 2, 3));
    const three = await sites();
    expect(three.map((r) => [r.key, r.members])).toEqual([['rfa', DISCLOSE_K_UNITS], ['rfb', DISCLOSE_K_UNITS], ['rfc', DISCLOSE_K_UNITS]]);
    expect(new Set(three.map((r) => r.record)).size).toBe(1);
    const own = (await rows()).find((r) => r.kind === 'site-summary' && r.key === 'rfc')!;
    expect(JSON.parse(own.record).servers).toEqual({ min: 16, max: 32 });
    expect(JSON.parse(three[2]!.record)).toMatchObject({ servers: null, cpuModel: ['EPYC 9354'] });
  });
});

/**
 * The pages a platform pass (./passes.ts) or a full rebuild (./recompute.ts) runs in: whole racks in
 * id order, cut once a page holds `pageServers` servers. A page is bounded twice: when planned, over
 * the racks holding servers then, and again when it runs, over the racks filled inside its range
 * since (`boundRange`), so that no page ever computes more than `pageServers` servers and one rack,
 * whatever the timing of the inventory against the plan.
 */
import type { Db } from '../db';
import { rackSizes, untilAfter } from '../inventory/facts';

/**
 * Whole racks in id order, cut after each rack that reaches `pageServers`: each page covers the
 * racks from its first to the next page's first, the last one up to `until`.
 */
function cutPages(racks: { rackId: string; servers: number }[], pageServers: number, until: string | null): { fromRack: string; until: string | null }[] {
  const starts: string[] = [];
  let filled = pageServers;
  for (const r of racks) {
    if (filled >= pageServers) {
      starts.push(r.rackId);
      filled = 0;
    }
    filled += r.servers;
  }
  return starts.map((fromRack, i) => ({ fromRack, until: starts[i + 1] ?? until }));
}

/**
 * The pages of a pass or rebuild over the racks holding servers now. The last ends with the last of
 * those racks: a server written later gets its whole row (every platform with a slot, so this one's
 * too: the slot exists before the plan is sent) from its own `servers` message.
 */
export async function planPages(db: Db, pageServers: number): Promise<{ pages: { fromRack: string; until: string | null }[]; servers: number }> {
  const racks = await rackSizes(db);
  const last = racks.at(-1);
  return { pages: last ? cutPages(racks, pageServers, untilAfter(last.rackId)) : [], servers: racks.reduce((n, r) => n + r.servers, 0) };
}

/**
 * A page's range as it is to run: racks filled inside it since it was planned (servers written while
 * the pass was planned) would make it hold any number of servers, so a range holding more than
 * `pageServers` keeps its first page's worth and returns the rest as pages of their own.
 */
export async function boundRange(db: Db, range: { fromRack: string; until: string | null }, pageServers: number) {
  const [first, ...rest] = cutPages(await rackSizes(db, { from: range.fromRack, until: range.until }), pageServers, range.until);
  return { until: rest.length ? first!.until : range.until, rest };
}

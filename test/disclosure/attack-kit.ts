/**
 * The attack suite's bookkeeping (test/disclosure/attack.test.ts): who sits where, what each
 * colluding account observed per channel, the balanced pairs, and each channel's accuracy.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { server } from '../factories';
import { call } from '../http';

export const SCOPES = ['server', 'rack', 'row', 'site'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Slot {
  serverId: string;
  rack: number;
  row: number;
  /** Exact free capacity (the operator's view, never released). */
  free: { cores: number; memoryGib: number };
  /** The inventory record (its identity: what the tenants' VMs observe). */
  input: ReturnType<typeof server>;
}

export interface Account {
  id: string;
  key: string;
  slot: Slot;
  ids: Record<Scope, string>;
}

/** What the colluders observe, per account and channel (equal strings: "the same"). */
export type Observations = Map<Account, Record<string, string>>;

/** `fn` over `items`, `width` at a time (the Worker serves them concurrently). */
export async function each<T, R>(items: T[], fn: (item: T, i: number) => Promise<R>, width = 6): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** A JWT as the holder sees it, less what the request set itself (times). */
function token(jwt: string): unknown {
  const { iat: _i, exp: _e, nbf: _n, ...payload } = decodeJwt(jwt);
  return [decodeProtectedHeader(jwt), payload, jwt.length];
}

/** A body without what differs per request by design. */
function body(b: unknown): unknown {
  if (typeof b !== 'object' || b === null) return b;
  const { requestId: _r, instance: _i, ...rest } = b as Record<string, unknown>;
  return [rest, JSON.stringify(rest).length];
}

/** The IDs each account minted at every scope, its own host by discover, and refusals. */
export async function observeIds(accounts: Account[], obs: Observations): Promise<void> {
  for (const a of accounts) for (const scope of SCOPES) obs.get(a)![`hardware IDs, scope ${scope} (header, payload, length)`] = JSON.stringify(token(a.ids[scope]));
  await each(accounts, async (a, i) => {
    const own = await call('POST', '/v1/hardware-ids/discover', { key: a.key, body: { address: a.slot.input.identity.dom0Ip } });
    obs.get(a)!['discover of the own host (status, ID, size)'] = JSON.stringify([own.status, own.status === 200 ? token(own.body.id) : body(own.body)]);
    // An ID of another account, not naming this one in its audience; an address that is no host of the account's.
    const foreign = accounts[(i + 1) % accounts.length]!.ids.server;
    const refused = await call('POST', '/v1/hardware-ids/verify', { key: a.key, body: { hardwareIds: [foreign] } });
    const unknown = await call('POST', '/v1/hardware-ids/discover', { key: a.key, body: { address: '10.255.255.254' } });
    obs.get(a)!['error bodies and sizes (foreign ID, unknown host)'] = JSON.stringify([refused.status, body(refused.body), unknown.status, body(unknown.body)]);
  });
}

export interface Pair {
  a: Account;
  b: Account;
  positive: boolean;
}

const spread = (list: Pair[], n: number) => Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]!);

/**
 * 100 positive and 100 negative pairs for one question, every account of one released class (the
 * crowd k-anonymity makes). Server: negatives in the same rack, the same row, another row. Rack:
 * positives on two servers of one rack, negatives in the same row or another row.
 */
export function pairs(accounts: Account[], question: 'server' | 'rack'): Pair[] {
  const pos: Pair[] = [];
  const neg: Pair[][] = [[], [], []];
  for (const [i, a] of accounts.entries()) {
    for (const b of accounts.slice(i + 1)) {
      const sameServer = a.slot.serverId === b.slot.serverId;
      const where = a.slot.rack === b.slot.rack ? 0 : a.slot.row === b.slot.row ? 1 : 2;
      if (question === 'server') (sameServer ? pos : neg[where]!).push({ a, b, positive: sameServer });
      else if (!sameServer) (where === 0 ? pos : neg[where]!).push({ a, b, positive: where === 0 });
    }
  }
  const negatives = question === 'server' ? [...spread(neg[0]!, 34), ...spread(neg[1]!, 33), ...spread(neg[2]!, 33)] : [...spread(neg[1]!, 50), ...spread(neg[2]!, 50)];
  return [...spread(pos, 100), ...negatives];
}

/** The better of "equal means co-resident" and its inverse, over the pairs. */
export function accuracy(obs: Observations, list: Pair[], channel: string): number {
  const right = list.filter((p) => (obs.get(p.a)![channel] === obs.get(p.b)![channel]) === p.positive).length / list.length;
  return Math.max(right, 1 - right);
}

/** Each channel's accuracy on both questions, with a printable line. */
export function table(obs: Observations, questions: { server: Pair[]; rack: Pair[] }) {
  const channels = Object.keys(obs.values().next().value!);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`.padStart(9);
  return channels.map((channel) => {
    const server = accuracy(obs, questions.server, channel);
    const rack = accuracy(obs, questions.rack, channel);
    return { channel, server, rack, line: `${channel.padEnd(72)}${pct(server)}${pct(rack)}` };
  });
}

export const HEADER = `${'channel'.padEnd(72)}${'server'.padStart(9)}${'rack'.padStart(9)}`;

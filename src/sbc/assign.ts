/**
 * Session assignment. A session's bucket is HMAC-SHA256(customer, session key) under a key derived
 * from SECRETS_KEY, reduced to [0, 10,000); it goes to platform B when its bucket is below B's
 * weight. Keyed, so nobody can tell offline which sessions land on B. Because the weight only grows
 * during a ramp, a session that reached B stays on B whichever isolate answers; only a rollback
 * (weight back to 0, new epoch) sends sessions back to A.
 */
import { base64url } from '../lib/encoding';
import { SBC_IDENTITY_CACHE_MAX, SBC_WEIGHT_SCALE } from '../constants';
import { derivedHmacKey, hmac } from './keys';

export type Side = 'A' | 'B';

export interface SessionKey {
  /** In [0, SBC_WEIGHT_SCALE). */
  bucket: number;
  /** An opaque id of the session for the analysis (distinct failing sessions), never the session itself. */
  tag: string;
}

/** Sessions this isolate has placed, so a returning session costs a map lookup, not an HMAC. */
const placed = new Map<string, { secretsKey: string; key: SessionKey }>();

export async function sessionKey(secretsKey: string, customerId: string, session: string): Promise<SessionKey> {
  const id = `${customerId}\u0000${session}`;
  const known = placed.get(id);
  if (known?.secretsKey === secretsKey) return known.key;
  const mac = await hmac(derivedHmacKey(secretsKey, 'inplace sbc session bucket v1'), id);
  const key = { bucket: new DataView(mac.buffer).getUint32(0) % SBC_WEIGHT_SCALE, tag: base64url(mac.subarray(4, 16)) };
  if (placed.size >= SBC_IDENTITY_CACHE_MAX) placed.clear();
  placed.set(id, { secretsKey, key });
  return key;
}

export async function bucketOf(secretsKey: string, customerId: string, session: string): Promise<number> {
  return (await sessionKey(secretsKey, customerId, session)).bucket;
}

export interface Split {
  /** Bumped on every rollback and completion: assignments remembered from an older epoch lapse. */
  epoch: number;
  /** Share of sessions on B, in basis points. */
  weightB: number;
  hasB: boolean;
}

/**
 * Where a session goes. `remembered` is the side a signed cookie recorded in this epoch: a session
 * already on B stays there even if this isolate's cached weight is older (lower) than the one that
 * sent it to B.
 */
export function assign(split: Split, bucket: number, remembered?: { side: Side; epoch: number }): Side {
  if (!split.hasB) return 'A';
  if (remembered && remembered.epoch === split.epoch && remembered.side === 'B') return 'B';
  return bucket < split.weightB ? 'B' : 'A';
}

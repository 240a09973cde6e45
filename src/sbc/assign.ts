/**
 * Session assignment. A session's bucket is a deterministic hash of (customer, session key) in
 * [0, 10,000); it goes to platform B when its bucket is below B's weight. Because the weight only
 * grows during a ramp, a session that reached B stays on B whichever isolate answers; only a
 * rollback (weight back to 0, new epoch) sends sessions back to A.
 */
import { SBC_WEIGHT_SCALE } from '../constants';

export type Side = 'A' | 'B';

/** 32-bit FNV-1a over UTF-16 code units, finished with murmur3's avalanche so buckets are uniform. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function bucketOf(customerId: string, sessionKey: string): number {
  return hash32(`${customerId}\u0000${sessionKey}`) % SBC_WEIGHT_SCALE;
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

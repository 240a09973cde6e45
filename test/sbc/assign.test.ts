import { describe, expect, it } from 'vitest';
import { assign, bucketOf, type Side } from '../../src/sbc/assign';
import { readCookie, signCookie } from '../../src/sbc/cookie';
import { downstreamResponseHeaders, upstreamRequestHeaders } from '../../src/sbc/headers';
import { TEST_SECRETS_KEY } from '../keys';

const sessions = Array.from({ length: 10_000 }, (_, i) => `session-${i}-${(i * 2654435761) % 1000003}`);
const customer = 'cus_AbCdEfGhIjKlMnOp';

/** Every session's bucket for `customer` under `secretsKey`. */
async function bucketsOf(customer: string, secretsKey = TEST_SECRETS_KEY): Promise<Map<string, number>> {
  return new Map(await Promise.all(sessions.map(async (s) => [s, await bucketOf(secretsKey, customer, s)] as const)));
}

describe('session assignment', () => {
  it.each([10, 50, 90])('puts %i %% of 10,000 sessions on B, within ±2 points', async (percent) => {
    const split = { epoch: 1, weightB: percent * 100, hasB: true };
    const buckets = await bucketsOf(customer);
    const onB = sessions.filter((s) => assign(split, buckets.get(s)!) === 'B').length;
    expect(Math.abs(onB / 100 - percent)).toBeLessThanOrEqual(2);
  });

  it('never moves a session from B back to A while the weight ramps up', async () => {
    const ramp = [0, 100, 500, 2500, 5000, 7500, 10000];
    const buckets = await bucketsOf(customer);
    const seen = new Map<string, Side>();
    let backToA = 0;
    for (const weightB of ramp) {
      for (const s of sessions) {
        const side = assign({ epoch: 1, weightB, hasB: true }, buckets.get(s)!);
        if (seen.get(s) === 'B' && side === 'A') backToA++;
        seen.set(s, side);
      }
    }
    expect(backToA).toBe(0);
    expect([...seen.values()].every((side) => side === 'B')).toBe(true);
  });

  it('sends every session to A when there is no B (rollback), whatever a cookie remembers', async () => {
    const split = { epoch: 2, weightB: 0, hasB: false };
    const buckets = await bucketsOf(customer);
    expect(sessions.every((s) => assign(split, buckets.get(s)!, { side: 'B', epoch: 2 }) === 'A')).toBe(true);
  });

  it('keeps a session remembered on B in this epoch on B even if the cached weight is older', async () => {
    const buckets = await bucketsOf(customer);
    const bucket = [...buckets.values()].find((b) => b > 5000)!;
    const stale = { epoch: 3, weightB: 1000, hasB: true };
    expect(assign(stale, bucket)).toBe('A');
    expect(assign(stale, bucket, { side: 'B', epoch: 3 })).toBe('B');
    expect(assign(stale, bucket, { side: 'B', epoch: 2 })).toBe('A');
  });

  it('depends on the customer as well as the session', async () => {
    const [mine, other] = [await bucketsOf(customer), await bucketsOf('cus_ZzZzZzZzZzZzZzZz')];
    expect(sessions.filter((s) => mine.get(s) === other.get(s)).length).toBeLessThan(20);
  });

  it('is keyed: another SECRETS_KEY places the same sessions unrelatedly', async () => {
    const [mine, otherKey] = [await bucketsOf(customer), await bucketsOf(customer, btoa('k'.repeat(32)))];
    expect(sessions.filter((s) => mine.get(s) === otherKey.get(s)).length).toBeLessThan(20);
  });
});

describe('session cookie', () => {
  it('round-trips and refuses any tampering', async () => {
    const value = await signCookie(TEST_SECRETS_KEY, { session: 'abcdefghijklmnop', side: 'B', epoch: 4 });
    expect(await readCookie(TEST_SECRETS_KEY, value)).toEqual({ session: 'abcdefghijklmnop', side: 'B', epoch: 4 });
    expect(await readCookie(TEST_SECRETS_KEY, value.replace('.B.', '.A.'))).toBeNull();
    expect(await readCookie(TEST_SECRETS_KEY, value.replace('.4.', '.5.'))).toBeNull();
    expect(await readCookie(btoa('x'.repeat(32)), value)).toBeNull();
    expect(await readCookie(TEST_SECRETS_KEY, 'garbage')).toBeNull();
  });

  it('round-trips a caller’s own session id of any visible ASCII, dots included, up to 128 characters', async () => {
    for (const session of ['a', 'user.42@example.com', '~!"#$%&()*+,-./:;<=>?[]^`{|}', 'x'.repeat(128)]) {
      const value = await signCookie(TEST_SECRETS_KEY, { session, side: 'B', epoch: 2 });
      expect(await readCookie(TEST_SECRETS_KEY, value)).toEqual({ session, side: 'B', epoch: 2 });
    }
  });
});

describe('headers across the SBC', () => {
  it('strips hop-by-hop, connection-listed and SBC headers and our cookie; keeps the rest', () => {
    const incoming = new Headers({
      connection: 'keep-alive, x-private-hop',
      'keep-alive': 'timeout=5',
      'x-private-hop': '1',
      te: 'trailers',
      upgrade: 'h2c',
      'proxy-authorization': 'Basic abc',
      'x-session-id': 's1',
      'x-inplace-route': 'B',
      'x-inplace-key': 'inp_prv_secret',
      'x-inplace-client-ip': '198.51.100.7',
      'x-request-id': 'from-client',
      authorization: 'Bearer end-user-token',
      cookie: 'inplace_sbc=abc.B.1.mac; theme=dark',
      'content-type': 'application/json',
    });
    const out = upstreamRequestHeaders(incoming, 'inplace_sbc', '203.0.113.9', 'https', 'req-1');
    for (const h of ['connection', 'keep-alive', 'x-private-hop', 'te', 'upgrade', 'proxy-authorization', 'x-session-id', 'x-inplace-route', 'x-inplace-key', 'x-inplace-client-ip']) {
      expect(out.has(h)).toBe(false);
    }
    expect(out.get('authorization')).toBe('Bearer end-user-token');
    expect(out.get('cookie')).toBe('theme=dark');
    expect(out.get('content-type')).toBe('application/json');
    expect(out.get('x-forwarded-for')).toBe('203.0.113.9');
    expect(out.get('x-forwarded-proto')).toBe('https');
    expect(out.get('x-request-id')).toBe('req-1');
    const back = downstreamResponseHeaders(new Headers({ connection: 'close', 'transfer-encoding': 'chunked', 'x-app': '1' }));
    expect([...back.keys()]).toEqual(['x-app']);
  });
});

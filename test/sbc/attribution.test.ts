import { describe, expect, it } from 'vitest';
import { attribute, type BodyState } from '../../src/sbc/attribution';
import { meteredBody } from '../../src/sbc/body';
import { clientUnit } from '../../src/sbc/clients';

function source(chunks: number[], end: 'close' | 'error'): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(new Uint8Array(chunks[i++]!));
      else if (end === 'close') controller.close();
      else controller.error(new Error('client gone'));
    },
  });
}

async function drain(body: ReadableStream<Uint8Array>): Promise<{ bytes: number; error: unknown }> {
  let bytes = 0;
  try {
    for await (const chunk of body) bytes += chunk.byteLength;
    return { bytes, error: null };
  } catch (error) {
    return { bytes, error };
  }
}

describe('who failed a proxied call', () => {
  it('blames the platform for 5xx and for transport failures once it had the whole request', () => {
    for (const body of ['none', 'sent'] as BodyState[]) {
      expect(attribute({ status: 500, body, timedOut: false })).toBe('platform-failure');
      expect(attribute({ status: 503, body, timedOut: false })).toBe('platform-failure');
      expect(attribute({ status: null, body, timedOut: false })).toBe('platform-failure');
      expect(attribute({ status: null, body, timedOut: true })).toBe('platform-failure');
    }
    // Refused or reset while the body was still going: the platform's doing too.
    expect(attribute({ status: null, body: 'sending', timedOut: false })).toBe('platform-failure');
  });

  it('never blames anyone for a 4xx, a broken or oversized body, or a timeout while the client was still sending', () => {
    for (const status of [400, 401, 404, 413, 429, 499]) expect(attribute({ status, body: 'sent', timedOut: false })).toBe('neutral');
    for (const body of ['client-error', 'too-large'] as BodyState[]) {
      for (const status of [null, 200, 500, 503]) expect(attribute({ status, body, timedOut: false })).toBe('neutral');
    }
    expect(attribute({ status: null, body: 'sending', timedOut: true })).toBe('neutral');
  });

  it('counts 1xx–3xx as successes', () => {
    for (const status of [200, 204, 301, 304]) expect(attribute({ status, body: 'none', timedOut: false })).toBe('success');
  });
});

describe('the streamed request body', () => {
  it('passes every byte through and reports the body sent', async () => {
    const { body, meter } = meteredBody(source([3, 4, 5], 'close'), 12, 12);
    expect(meter.state).toBe('sending');
    expect(await drain(body!)).toEqual({ bytes: 12, error: null });
    expect(meter).toEqual({ state: 'sent', bytes: 12 });
  });

  it('cuts a body at the first chunk over the cap', async () => {
    const { body, meter } = meteredBody(source([5, 5, 5, 5], 'close'), 12, null);
    const out = await drain(body!);
    expect(out.bytes).toBe(10);
    expect(out.error).toBeInstanceOf(RangeError);
    expect(meter.state).toBe('too-large');
  });

  it('tells a client that broke its own body from a platform failure', async () => {
    const { body, meter } = meteredBody(source([4], 'error'), 100, null);
    const out = await drain(body!);
    expect(out.bytes).toBe(4);
    expect(String(out.error)).toContain('client gone');
    expect(meter.state).toBe('client-error');
  });

  it('passes a body that ends before the length it announced on as broken, not as a shorter whole', async () => {
    const { body, meter } = meteredBody(source([4, 4], 'close'), 100, 64);
    const out = await drain(body!);
    expect(out.bytes).toBe(8);
    expect(String(out.error)).toContain('after 8 of the 64 bytes');
    expect(meter.state).toBe('client-error');
  });

  it('has nothing to meter without a body', () => {
    expect(meteredBody(null, 10, null)).toEqual({ body: null, meter: { state: 'none', bytes: 0 } });
  });
});

describe('the unit a client is counted by', () => {
  it('is the IPv4 address, an IPv4-mapped IPv6 address’s IPv4, or the IPv6 /64', () => {
    expect(clientUnit('203.0.113.9')).toBe('203.0.113.9');
    expect(clientUnit('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientUnit('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientUnit('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientUnit('2001:db8:1:3::1')).not.toBe(clientUnit('2001:db8:1:2::1'));
    expect(clientUnit('unknown')).toBe('unknown');
  });
});

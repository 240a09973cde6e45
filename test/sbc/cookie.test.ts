import { describe, expect, it } from 'vitest';
import { base64url } from '../../src/lib/encoding';
import { OPERATOR } from '../http';
import { endUser, migrating, progress, sbcWorld } from './world';

const COOKIE = /^inplace_sbc=([A-Za-z0-9_-]+)\.([AB])\.(\d+)\.[A-Za-z0-9_-]{43};/;
const encoded = (session: string) => base64url(new TextEncoder().encode(session));

describe('SBC session cookie: set only when it carries something', { timeout: 120_000 }, () => {
  it('gives a session with its own id no cookie while it is on A', async () => {
    const w = await sbcWorld();
    const r = await endUser(w.customer.id, 'own-id-on-a');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-inplace-side')).toBe('A');
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('remembers B once for a session with its own id, then sends nothing more', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    expect((await progress(id, w.providerB.key, 5, 10)).status).toBe(200);
    let onA: string | undefined;
    let onB: { session: string; setCookie: string } | undefined;
    for (let i = 0; i < 40 && (!onA || !onB); i++) {
      const session = `user.${i}@example.com`;
      const r = await endUser(w.customer.id, session);
      if (r.headers.get('x-inplace-side') === 'A') {
        onA ??= session;
        expect(r.headers.get('set-cookie')).toBeNull();
      } else onB ??= { session, setCookie: r.headers.get('set-cookie') ?? '' };
    }
    expect(onA).toBeDefined();
    expect(onB).toBeDefined();
    const [, session, side] = onB!.setCookie.match(COOKIE) ?? [];
    expect({ session, side }).toEqual({ session: encoded(onB!.session), side: 'B' });

    const again = await endUser(w.customer.id, onB!.session, { headers: { cookie: onB!.setCookie.split(';')[0]! } });
    expect(again.headers.get('x-inplace-side')).toBe('B');
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('re-signs a cookie session when it moves to B, and not on later calls', async () => {
    const w = await sbcWorld();
    const id = await migrating(w);
    const jar: string[] = [];
    for (let i = 0; i < 30; i++) {
      const first = await endUser(w.customer.id, null);
      jar.push(first.headers.get('set-cookie')!.split(';')[0]!);
    }
    expect(jar.every((c) => COOKIE.test(`${c};`) && c.includes('.A.'))).toBe(true);
    expect((await progress(id, w.providerB.key, 5, 10)).status).toBe(200);
    let moved = 0;
    for (const cookie of jar) {
      const r = await endUser(w.customer.id, null, { headers: { cookie } });
      const side = r.headers.get('x-inplace-side');
      const set = r.headers.get('set-cookie');
      if (side === 'A') expect(set).toBeNull();
      else {
        moved++;
        const [, session, recorded] = set!.match(COOKIE) ?? [];
        expect({ session, recorded }).toEqual({ session: cookie.split('=')[1]!.split('.')[0], recorded: 'B' });
        const later = await endUser(w.customer.id, null, { headers: { cookie: set!.split(';')[0]! } });
        expect(later.headers.get('x-inplace-side')).toBe('B');
        expect(later.headers.get('set-cookie')).toBeNull();
      }
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('never remembers a smoke-test override: the next call without it follows the split again', async () => {
    const w = await sbcWorld();
    await migrating(w);
    const first = await endUser(w.customer.id, null);
    const jar = first.headers.get('set-cookie')!.split(';')[0]!;
    const smoke = await endUser(w.customer.id, null, { headers: { cookie: jar, 'x-inplace-route': 'B', 'x-inplace-key': w.providerB.key } });
    expect(smoke.headers.get('x-inplace-side')).toBe('B');
    expect(smoke.headers.get('set-cookie')).toBeNull();
    const own = await endUser(w.customer.id, 'smoke-tester', { headers: { 'x-inplace-route': 'B', 'x-inplace-key': OPERATOR } });
    expect(own.headers.get('x-inplace-side')).toBe('B');
    expect(own.headers.get('set-cookie')).toBeNull();
    // B holds 0 % of sessions: without the override the same session is on A.
    expect((await endUser(w.customer.id, null, { headers: { cookie: jar } })).headers.get('x-inplace-side')).toBe('A');
  });
});

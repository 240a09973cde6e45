import { env } from 'cloudflare:workers';
import { base64url, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../src/db';
import { verifyHardwareIds, type RefusalReason } from '../../src/hardware/verifier';
import { TEST_HWID_SIGNING_KEYS } from '../fixtures/hwid-signing-keys';
import { bodyOf, call, expectProblem, expectStatus } from '../http';
import { mint, mintOne, parts, publicPem, refusalShape, signWith, verify, world } from './helpers';

let w: Awaited<ReturnType<typeof world>>;
beforeAll(async () => {
  w = await world();
});

const now = () => Math.floor(Date.now() / 1000);
const json = (value: unknown) => base64url.encode(JSON.stringify(value));

/** The precise reason the shared verifier gives (for logs), without consuming anything. */
async function reasonFor(token: string, callerId: string): Promise<RefusalReason | 'ok'> {
  const [result] = await verifyHardwareIds(env, getDb(env.DB), [token], { id: callerId }, { consume: false });
  return result!.ok ? 'ok' : result!.reason;
}

describe('POST /v1/hardware-ids/verify', () => {
  it('accepts the caller’s own IDs, counting one use each, and reveals no unit', async () => {
    const ids = await mint(w.alice, { scope: 'rack', maxUses: 2 });
    const first = await verify(w.alice, ids);
    expectStatus(first, 200);
    expect(first.body.items).toHaveLength(3);
    for (const item of first.body.items) {
      expect(Object.keys(item).sort()).toEqual(['expiresAt', 'scope', 'usesLeft']);
      expect(item).toMatchObject({ scope: 'rack', usesLeft: 1 });
    }
    expect(bodyOf(await verify(w.alice, ids), 200).items.map((i) => i.usesLeft)).toEqual([0, 0, 0]);
    expectProblem(await verify(w.alice, ids), 403, 'hardware-id-refused');
  });

  it('accepts an ID for every principal in its audience, and only for them', async () => {
    const id = await mintOne(w.alice, { audience: [w.provider.id, w.otherProvider.id] });
    expectStatus(await verify(w.provider, [id]), 200);
    expectStatus(await verify(w.otherProvider, [id]), 200);
    expectProblem(await verify(w.alice, [id]), 403, 'hardware-id-refused');
  });

  it('still accepts an ID signed by a rotated-out key that is still configured', async () => {
    const { payload } = parts(await mintOne(w.alice));
    const old = await signWith(payload, {}, 1);
    expect(parts(old).header.kid).toBe(TEST_HWID_SIGNING_KEYS[1].kid);
    expectStatus(await verify(w.alice, [old]), 200);
  });

  describe('refuses, with one generic problem and the precise reason only in logs', () => {
    const forged: [string, RefusalReason, (token: string) => Promise<string>][] = [
      [
        'a tampered payload',
        'signature',
        async (token) => {
          const [h, p, s] = token.split('.');
          const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
          return `${h}.${json({ ...payload, scope: 'server', maxUses: 1000 })}.${s}`;
        },
      ],
      ['alg: none', 'algorithm', async (token) => `${json({ ...parts(token).header, alg: 'none' })}.${token.split('.')[1]}.`],
      [
        'HS256 keyed with the public key',
        'algorithm',
        async (token) => {
          // The classic confusion: HMAC keyed with the public key, which anyone can fetch.
          const jwk = TEST_HWID_SIGNING_KEYS[0];
          const header = { alg: 'HS256', typ: 'hwid+jwt', kid: jwk.kid };
          return new SignJWT(parts(token).payload).setProtectedHeader(header).sign(new TextEncoder().encode(publicPem(jwk)));
        },
      ],
      ['a JWT of another type', 'typ', async (token) => signWith(parts(token).payload, { typ: 'JWT' })],
      ['another issuer', 'iss', async (token) => signWith({ ...parts(token).payload, iss: 'someone-else' })],
      ['an unknown kid', 'kid', async (token) => signWith(parts(token).payload, { kid: 'not-a-key-of-ours' })],
      ['expired', 'expired', async (token) => signWith({ ...parts(token).payload, iat: now() - 200, exp: now() - 100 })],
      ['an unknown scope', 'claims', async (token) => signWith({ ...parts(token).payload, scope: 'cage' })],
      ['an alias never minted', 'unknown', async (token) => signWith({ ...parts(token).payload, sub: 'an-alias-never-minted' })],
      ['not a JWT', 'malformed', async () => 'not.a.jwt'],
    ];
    /** Every refusal reads the same, whatever the reason: as the one for a token that is not even a JWT. */
    const plainRefusal = async () => refusalShape(bodyOf(await verify(w.alice, ['not.a.jwt']), 403));
    for (const [name, reason, forge] of forged) {
      it(name, async () => {
        const token = await forge(await mintOne(w.alice));
        expect(await reasonFor(token, w.alice.id)).toBe(reason);
        const r = await verify(w.alice, [token]);
        expectProblem(r, 403, 'hardware-id-refused');
        expect(r.body.errors).toEqual([{ field: 'json.hardwareIds.0', message: 'not accepted' }]);
        expect(refusalShape(r.body)).toEqual(await plainRefusal());
      });
    }

    it('wrong audience', async () => {
      const token = await mintOne(w.alice);
      expect(await reasonFor(token, w.provider.id)).toBe('aud');
      const r = await verify(w.provider, [token]);
      expectProblem(r, 403, 'hardware-id-refused');
      expect(refusalShape(r.body)).toEqual(await plainRefusal());
    });

    it('revoked', async () => {
      const token = await mintOne(w.alice);
      expect((await call('POST', '/v1/hardware-ids/revoke', { key: w.alice.key, body: { hardwareIds: [token] } })).body).toEqual({ revoked: 1 });
      expect(await reasonFor(token, w.alice.id)).toBe('revoked');
      const r = await verify(w.alice, [token]);
      expectProblem(r, 403, 'hardware-id-refused');
      expect(refusalShape(r.body)).toEqual(await plainRefusal());
    });

    it('used up', async () => {
      const token = await mintOne(w.alice, { maxUses: 1 });
      expectStatus(await verify(w.alice, [token]), 200);
      expect(await reasonFor(token, w.alice.id)).toBe('used-up');
      const r = await verify(w.alice, [token]);
      expectProblem(r, 403, 'hardware-id-refused');
      expect(refusalShape(r.body)).toEqual(await plainRefusal());
    });
  });

  it('is all or nothing: one bad ID refuses the request and no use is counted', async () => {
    const good = await mintOne(w.alice, { maxUses: 1 });
    const r = await verify(w.alice, [good, 'not.a.jwt', good]);
    expectProblem(r, 403, 'hardware-id-refused');
    expect(r.body.errors).toEqual([
      { field: 'json.hardwareIds.1', message: 'not accepted' },
      { field: 'json.hardwareIds.2', message: 'not accepted' },
    ]);
    expect(bodyOf(await verify(w.alice, [good]), 200).items[0].usesLeft).toBe(0);
  });

  it('lets 50 concurrent presentations of a single-use ID succeed exactly once', async () => {
    const token = await mintOne(w.alice, { maxUses: 1 });
    const replies = await Promise.all(Array.from({ length: 50 }, () => verify(w.alice, [token])));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(49);
    for (const r of refused) expectProblem(r, 403, 'hardware-id-refused');
    const { uses } = (await env.DB.prepare('SELECT uses FROM hardware_aliases WHERE alias = ?').bind(parts(token).payload.sub).first<{ uses: number }>())!;
    expect(uses).toBe(1);
  });

  it('never counts more uses than allowed under concurrency', async () => {
    const token = await mintOne(w.alice, { maxUses: 7 });
    const replies = await Promise.all(Array.from({ length: 30 }, () => verify(w.alice, [token])));
    const accepted = replies.filter((r) => r.status === 200);
    expect(accepted).toHaveLength(7);
    expect(accepted.map((r) => r.body.items[0].usesLeft).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('refuses callers that cannot present IDs, and empty or oversized lists', async () => {
    const token = await mintOne(w.alice);
    expectProblem(await call('POST', '/v1/hardware-ids/verify', { key: w.alice.key, body: { hardwareIds: [] } }), 400, 'validation');
    expectProblem(await call('POST', '/v1/hardware-ids/verify', { key: w.alice.key, body: { hardwareIds: Array(101).fill(token) } }), 400, 'validation');
    expectProblem(await call('POST', '/v1/hardware-ids/verify', { body: { hardwareIds: [token] } }), 401, 'unauthorized');
  });
});

import { createVerifier } from 'fast-jwt';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_HWID_SIGNING_KEYS } from '../fixtures/hwid-signing-keys';
import { bodyOf, call, expectStatus } from '../http';
import { mintOne, parts, publicPem, world } from './helpers';

let w: Awaited<ReturnType<typeof world>>;
beforeAll(async () => {
  w = await world();
});

describe('GET /.well-known/jwks.json', () => {
  it('publishes the public half of every configured key, without a key and cacheable', async () => {
    const r = await call('GET', '/.well-known/jwks.json');
    expectStatus(r, 200);
    expect(r.headers.get('cache-control')).toBe('public, max-age=300');
    expect(r.body).toEqual({
      keys: TEST_HWID_SIGNING_KEYS.map(({ kty, crv, x, kid }) => ({ kty, crv, x, kid, alg: 'EdDSA', use: 'sig' })),
    });
    expect(JSON.stringify(r.body)).not.toMatch(/"d"/);
  });

  it('lets an independent library (fast-jwt) verify a minted ID offline', async () => {
    const token = await mintOne(w.alice, { audience: [w.provider.id] });
    const { keys } = bodyOf(await call('GET', '/.well-known/jwks.json'), 200);
    const jwk = keys.find((k) => k.kid === parts(token).header.kid)!;
    const pem = publicPem(jwk);
    const verifyAs = (aud: string) => createVerifier({ key: pem, algorithms: ['EdDSA'], allowedIss: 'inplace', allowedAud: aud, requiredClaims: ['exp', 'jti', 'sub'] });
    const payload = verifyAs(w.provider.id)(token);
    expect(payload).toMatchObject({ iss: 'inplace', aud: [w.provider.id], scope: 'site' });
    expect(() => verifyAs(w.alice.id)(token)).toThrow(/aud/);
    const [h, p, s] = token.split('.');
    expect(() => verifyAs(w.provider.id)(`${h}.${p}.${s!.slice(0, -4)}AAAA`)).toThrow(/signature/);
  });
});

import { env } from 'cloudflare:workers';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { createPlatform, dataCenter, place, putInventory, registerCustomer, registerProvider } from '../factories';
import { TEST_HWID_SIGNING_KEYS } from '../fixtures/hwid-signing-keys';
import { call, type RequestBody, succeed } from '../http';

export type Principal = { id: string; key: string };

/**
 * One site of 2 rows × 2 racks × 2 servers. `alice` sits on every server of row 1 and on the first
 * server of row 2; `bob` shares alice's first server and rack; both run on `provider`'s platform.
 */
export async function world() {
  const { serverIds, ...body } = dataCenter(undefined, 2, 2, 2);
  await putInventory(body);
  const dc = body as Required<typeof body>;
  const provider = await registerProvider();
  const otherProvider = await registerProvider();
  const platform = await createPlatform(provider.key);
  await createPlatform(otherProvider.key);
  const alice = await registerCustomer();
  const bob = await registerCustomer();
  const ids = serverIds;
  const aliceServers = [ids[0]!, ids[1]!, ids[2]!, ids[3]!, ids[4]!];
  const bobServers = [ids[0]!, ids[1]!];
  await place(alice.id, aliceServers, platform.id);
  await place(bob.id, bobServers, platform.id);
  return { dc: { ...dc, serverIds }, provider, otherProvider, platform, alice, bob, aliceServers, bobServers };
}

export async function mint(caller: Principal, body: RequestBody<'POST', '/v1/hardware-ids'>): Promise<string[]> {
  return (await succeed('POST', '/v1/hardware-ids', { key: caller.key, body })).items.map((i) => i.id);
}

export async function mintOne(caller: Principal, body: Record<string, unknown> = {}): Promise<string> {
  const [id] = await mint(caller, { scope: 'site', ...body });
  if (!id) throw new Error('nothing minted');
  return id;
}

export function parts(token: string) {
  return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
}

/** PEM (SPKI) of an Ed25519 public JWK, built by hand: the DER prefix is fixed for this key type. */
export function publicPem(jwk: { x: string }): string {
  const prefix = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
  const x = atob(jwk.x.replace(/-/g, '+').replace(/_/g, '/'));
  const der = String.fromCharCode(...prefix) + x;
  return `-----BEGIN PUBLIC KEY-----\n${btoa(der)}\n-----END PUBLIC KEY-----\n`;
}

/** Signs a token with one of the test runtime's own keys (index 0 = active, 1 = rotated out). */
export async function signWith(payload: JWTPayload, header: Record<string, unknown> = {}, keyIndex = 0): Promise<string> {
  const jwk = TEST_HWID_SIGNING_KEYS[keyIndex]!;
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, 'EdDSA');
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'hwid+jwt', kid: jwk.kid, ...header }).sign(key);
}

export async function count(table: 'hardware_aliases' | 'hardware_id_grants'): Promise<number> {
  return (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<number>('n')) ?? 0;
}

export async function verify(caller: Principal, hardwareIds: string[]) {
  return call('POST', '/v1/hardware-ids/verify', { key: caller.key, body: { hardwareIds } });
}

/** A refusal body minus what differs per request, to compare refusals with each other. */
export function refusalShape(body: Record<string, unknown>) {
  expect(body.type).toBe('urn:inplace:problem:hardware-id-refused');
  return { ...body, requestId: undefined };
}

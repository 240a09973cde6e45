// The Node floors of the hardware-ID benchmark: the same jose signatures and verifications as the
// Worker's, without I/O. scripts/bench/scenarios.mjs runs this in a process of its own (pinned to one
// core or not) and asks for one round at a time, in turn with the Worker's requests, so that both are
// measured in the same moments of a shared machine. Each stdin line `sign N` signs N hardware-ID-shaped
// JWTs, `verify N` verifies N of the last signed; each answers one JSON line {ms, cpuMs}: wall time
// and this process's CPU time (every thread: WebCrypto works on libuv's pool).
import { createInterface } from 'node:readline';
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';

const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
const token = () =>
  new SignJWT({ scope: 'server' })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'hwid+jwt', kid: 'k1' })
    .setIssuer('inplace')
    .setAudience(['prv_bench'])
    .setSubject(crypto.randomUUID())
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
let tokens = [];
const rounds = {
  sign: async (n) => {
    tokens = await Promise.all(Array.from({ length: n }, token));
  },
  verify: (n) => Promise.all(tokens.slice(0, n).map((t) => jwtVerify(t, publicKey, { issuer: 'inplace', audience: 'prv_bench', typ: 'hwid+jwt', algorithms: ['EdDSA'] }))),
};
for await (const line of createInterface({ input: process.stdin })) {
  const [what, n] = line.trim().split(' ');
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await rounds[what](Number(n));
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 })}\n`);
}

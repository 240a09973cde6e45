// The Node floors of the hardware-ID benchmark (scripts/bench/scenarios.mjs runs this in a process of
// its own, pinned to one core or not): `node floor.mjs SIGN VERIFY` signs SIGN hardware-ID-shaped JWTs
// with jose and verifies VERIFY of them, no I/O, and prints {sign, verify} in ms. One warm-up round
// first (it pays for compiling jose's code paths, which the Worker has done by its first measured
// request), then the median of seven rounds.
import { generateKeyPair, jwtVerify, SignJWT } from 'jose';

const [sign, verify] = process.argv.slice(2).map(Number);
const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
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
const signs = [];
const verifies = [];
for (let round = 0; round < 8; round++) {
  let t0 = performance.now();
  const tokens = await Promise.all(Array.from({ length: sign }, token));
  const signed = performance.now() - t0;
  t0 = performance.now();
  await Promise.all(tokens.slice(0, verify).map((t) => jwtVerify(t, publicKey, { issuer: 'inplace', audience: 'prv_bench', typ: 'hwid+jwt', algorithms: ['EdDSA'] })));
  if (round === 0) continue;
  signs.push(signed);
  verifies.push(performance.now() - t0);
}
console.log(JSON.stringify({ sign: median(signs), verify: median(verifies) }));

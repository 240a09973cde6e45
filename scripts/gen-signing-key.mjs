#!/usr/bin/env node
/**
 * Prints a new hardware-ID signing key set for the HWID_SIGNING_KEYS Worker secret: a one-line JSON
 * array of private Ed25519 JWKs with a fresh `kid`.
 *
 *   node scripts/gen-signing-key.mjs                       # [new key]
 *   node scripts/gen-signing-key.mjs --rotate "$CURRENT"   # [new key, ...current keys] (rotation)
 *   node scripts/gen-signing-key.mjs --dev-vars            # HWID_SIGNING_KEYS='[new key]' (.dev.vars line)
 *
 * After a rotation, drop the old keys once every ID they signed has expired (24 h at most).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';

function usage(message) {
  process.stderr.write(`${message}\nusage: gen-signing-key.mjs [--rotate '<current JSON array>'] [--dev-vars]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let current = [];
let devVars = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--dev-vars') devVars = true;
  else if (args[i] === '--rotate') {
    const value = args[++i];
    if (value === undefined) usage('--rotate needs the current key set');
    try {
      current = JSON.parse(value);
    } catch {
      usage('--rotate: the current key set is not JSON');
    }
    if (!Array.isArray(current)) usage('--rotate: the current key set is not a JSON array');
  } else usage(`unknown argument ${args[i]}`);
}

const { privateKey } = generateKeyPairSync('ed25519');
const { kty, crv, x, d } = privateKey.export({ format: 'jwk' });
const kid = `hwid-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
const keys = JSON.stringify([{ kty, crv, x, d, kid, alg: 'EdDSA' }, ...current]);
process.stdout.write(devVars ? `HWID_SIGNING_KEYS='${keys}'\n` : `${keys}\n`);

/**
 * HMAC keys the SBC derives from SECRETS_KEY with HKDF, one per purpose (`info`), derived once per
 * isolate and kept non-extractable.
 */
const keys = new Map<string, Promise<CryptoKey>>();

export function derivedHmacKey(secretsKey: string, info: string): Promise<CryptoKey> {
  const id = `${info}\u0000${secretsKey}`;
  let key = keys.get(id);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(secretsKey), 'HKDF', false, ['deriveKey']);
      return crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: new TextEncoder().encode(info) },
        base,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign', 'verify'],
      );
    })();
    keys.set(id, key);
  }
  return key;
}

export async function hmac(key: Promise<CryptoKey>, text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(text)));
}

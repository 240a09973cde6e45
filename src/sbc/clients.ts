/**
 * Who an end-user call comes from, for the analysis's per-client cap: the address Cloudflare saw
 * (`CF-Connecting-IP`), an IPv6 client counted by its /64 (what one subscriber is usually given),
 * kept only as an HMAC under a key derived from SECRETS_KEY. In development and tests, where no edge
 * sets that header, `x-inplace-client-ip` stands in for it (ignored in production).
 */
import ipaddr from 'ipaddr.js';
import { base64url } from '../lib/encoding';
import { SBC_IDENTITY_CACHE_MAX } from '../constants';
import { SBC_HEADERS } from './headers';
import { derivedHmacKey, hmac } from './keys';

/** Every call without an address is one client, so such calls together weigh as one. */
const UNKNOWN = 'unknown';

export function clientAddress(headers: Headers, environment: string): string {
  const standIn = environment === 'development' || environment === 'test' ? headers.get(SBC_HEADERS.client) : null;
  return standIn ?? headers.get('cf-connecting-ip') ?? UNKNOWN;
}

/** The unit one client is counted by: an IPv4 address (IPv4-mapped IPv6 included) or an IPv6 /64. */
export function clientUnit(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts;
  return `${new ipaddr.IPv6([...parts.slice(0, 4), 0, 0, 0, 0]).toRFC5952String()}/64`;
}

const tags = new Map<string, { secretsKey: string; tag: string }>();

/** The opaque id the coordinator counts a client by. */
export async function clientTag(secretsKey: string, address: string): Promise<string> {
  const known = tags.get(address);
  if (known?.secretsKey === secretsKey) return known.tag;
  const mac = await hmac(derivedHmacKey(secretsKey, 'inplace sbc client v1'), clientUnit(address));
  const tag = base64url(mac.subarray(0, 16));
  if (tags.size >= SBC_IDENTITY_CACHE_MAX) tags.clear();
  tags.set(address, { secretsKey, tag });
  return tag;
}

/**
 * The one policy for every URL a provider supplies (webhook endpoint, platform upstream, module
 * artifact, and any future one). These URLs are attacker-chosen and are fetched from inside the
 * operator's network (by this Worker, the SBC or agents in the data center), so a URL that names
 * the metadata service or a private address is a request forgery waiting to happen.
 *
 * The WHATWG URL parser turns every IPv4 spelling (`127.1`, `2130706433`, `0x7f000001`,
 * `017700000001`, percent-encoded, full-width digits) into dotted form and every IPv6 literal into
 * canonical hex; ipaddr.js then classifies the address. Only plain global unicast passes: every
 * special range ipaddr.js knows (private, loopback, link-local, CGNAT, multicast, reserved,
 * unique-local, and the IPv4-embedding IPv6 forms: mapped, translated, NAT64, 6to4, Teredo) is
 * refused, plus the few ranges it files under unicast that still reach inside (below).
 * DNS names that resolve to private addresses cannot be caught here (Workers have no resolver); on
 * Cloudflare's network outbound fetch cannot reach private addresses in the first place.
 */
import { z } from '@hono/zod-openapi';
import ipaddr from 'ipaddr.js';
import { URL_MAX_CHARS } from '../constants';
import { forbiddenCharacter } from './text';

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

/** Environments where a local receiver, upstream or artifact server on loopback (http or https) is allowed. */
const LOCAL_ENVIRONMENTS = new Set(['development', 'test']);

/** Addresses ipaddr.js calls unicast that still lead inside. */
const REFUSED_UNICAST = [
  ipaddr.parseCIDR('::/96'), // IPv4-compatible (deprecated): ::a.b.c.d
  ipaddr.parseCIDR('168.63.129.16/32'), // Azure's wire server (metadata, DHCP, health probes)
];

/** Names that only mean something inside a private network or a cluster (RFC 6761, 6762, 8375, Kubernetes). */
const INTERNAL_NAME_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa', 'arpa', 'lan', 'intranet', 'corp', 'svc', 'cluster.local'];

const REFUSED_HOST = 'the host is a private, loopback, link-local, metadata or otherwise internal address';
const NEEDS_HTTPS = 'the URL must use https';

/**
 * Parses `raw` as an absolute http(s) URL; null when it is not one. Control, bidi and unpaired
 * surrogate characters make it malformed: the parser would silently percent-encode or replace them,
 * storing a URL other than the one given.
 */
function parseHttpUrl(raw: string): URL | null {
  if (forbiddenCharacter(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
}

function addressOf(hostname: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const literal = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (!ipaddr.isValid(literal)) return null;
  return ipaddr.parse(literal);
}

function isLoopback(name: string, address: ipaddr.IPv4 | ipaddr.IPv6 | null): boolean {
  if (!address) return name === 'localhost' || name.endsWith('.localhost');
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) return (address as ipaddr.IPv6).toIPv4Address().range() === 'loopback';
  return address.range() === 'loopback';
}

function addressAllowed(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.range() !== 'unicast') return false;
  return !REFUSED_UNICAST.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
}

function nameAllowed(name: string): boolean {
  const labels = name.split('.');
  if (labels.length < 2 || labels.some((l) => l === '')) return false; // single-label or empty label
  return !INTERNAL_NAME_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`));
}

/** Whether a provider-supplied URL may be stored or fetched in `environment`. Never fetches anything. */
export function checkProviderUrl(raw: string, environment: string): UrlVerdict {
  if (raw.length > URL_MAX_CHARS) return { ok: false, reason: `the URL is longer than ${URL_MAX_CHARS} characters` };
  const url = parseHttpUrl(raw);
  if (!url) return { ok: false, reason: 'not an absolute http(s) URL' };
  if (url.username || url.password) return { ok: false, reason: 'the URL must not contain user-info' };
  const name = url.hostname.replace(/\.+$/, '');
  const address = addressOf(name);
  if (url.hostname.startsWith('[') && !address) return { ok: false, reason: REFUSED_HOST };
  if (LOCAL_ENVIRONMENTS.has(environment) && isLoopback(name, address)) return { ok: true, url };
  if (url.protocol !== 'https:') return { ok: false, reason: NEEDS_HTTPS };
  if (address) return addressAllowed(address) ? { ok: true, url } : { ok: false, reason: REFUSED_HOST };
  return nameAllowed(name) ? { ok: true, url } : { ok: false, reason: REFUSED_HOST };
}

/**
 * The request-schema side: a bounded string that parses as an absolute http(s) URL (else 400
 * naming the field). What it may point at depends on the environment, so handlers call
 * `checkProviderUrl` (422 naming the field) before storing it.
 */
export function providerUrl() {
  return z
    .string()
    .min(1)
    .max(URL_MAX_CHARS)
    .refine((raw) => parseHttpUrl(raw) !== null, 'not an absolute http(s) URL');
}

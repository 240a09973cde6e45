/**
 * Webhook endpoint URLs are attacker-chosen: a provider could point one at the metadata service or
 * at something on the operator's private network. The WHATWG URL parser already turns every IPv4
 * spelling (`127.1`, `2130706433`, `0x7f000001`, `017700000001`, percent-encoded, full-width) into
 * dotted form and every IPv6 literal into canonical hex, so the checks below run on the parsed host
 * only. DNS names that resolve to private addresses cannot be caught here (Workers have no resolver);
 * on Cloudflare's network outbound fetch cannot reach private addresses in the first place.
 */
import { WEBHOOK_URL_MAX_CHARS } from '../constants';

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Environments where a local receiver on loopback (http or https) is allowed, for tests and demos. */
const LOCAL_ENVIRONMENTS = new Set(['development', 'test']);

/** [first address as a 32-bit number, prefix length] */
const BLOCKED_V4: [number, number][] = [
  [ip4('0.0.0.0'), 8], // "this network"
  [ip4('10.0.0.0'), 8],
  [ip4('100.64.0.0'), 10], // carrier-grade NAT
  [ip4('127.0.0.0'), 8],
  [ip4('169.254.0.0'), 16], // link-local, cloud metadata
  [ip4('172.16.0.0'), 12],
  [ip4('192.0.0.0'), 24],
  [ip4('192.0.2.0'), 24],
  [ip4('192.88.99.0'), 24],
  [ip4('192.168.0.0'), 16],
  [ip4('198.18.0.0'), 15],
  [ip4('198.51.100.0'), 24],
  [ip4('203.0.113.0'), 24],
  [ip4('224.0.0.0'), 4], // multicast
  [ip4('240.0.0.0'), 4], // reserved and broadcast
];

/** Suffixes of names that only mean something inside a private network. */
const BLOCKED_NAME_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa', 'arpa', 'lan', 'intranet', 'corp'];

function ip4(dotted: string): number {
  return dotted.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function inV4(addr: number, [base, prefix]: [number, number]): boolean {
  const size = 2 ** (32 - prefix);
  return addr >= base && addr < base + size;
}

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses IPv6 text as the URL parser writes it (hex groups, at most one `::`) into 8 groups. */
function parseV6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2 || !/^[0-9a-f:]+$/.test(text)) return null;
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...new Array<number>(Math.max(0, fill)).fill(0), ...tail];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? all : null;
}

function v4Blocked(addr: number): boolean {
  return BLOCKED_V4.some((range) => inV4(addr, range));
}

function embeddedV4(g: number[], hiIndex: number): number {
  return (g[hiIndex] ?? 0) * 65536 + (g[hiIndex + 1] ?? 0);
}

function v6Blocked(g: number[]): boolean {
  const [a = 0, b = 0] = g;
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(6)) return true; // ::, ::1 and IPv4-compatible (deprecated) addresses
  if (zeroUpTo(5) && g[5] === 0xffff) return v4Blocked(embeddedV4(g, 6)); // IPv4-mapped
  if (a === 0x64 && b === 0xff9b) return g.slice(2, 6).every((x) => x === 0) ? v4Blocked(embeddedV4(g, 6)) : true; // NAT64
  if (a === 0x2002) return v4Blocked(embeddedV4(g, 1)); // 6to4
  if (a === 0x2001 && (b === 0 || b === 0xdb8)) return true; // Teredo, documentation
  if (a === 0x100 && zeroUpTo(4)) return true; // discard-only
  if ((a & 0xfe00) === 0xfc00) return true; // unique local
  if ((a & 0xffc0) === 0xfe80 || (a & 0xffc0) === 0xfec0) return true; // link-local, site-local
  if ((a & 0xff00) === 0xff00) return true; // multicast
  return false;
}

function isLoopback(host: string, v6: number[] | null): boolean {
  const name = host.replace(/\.+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const m = name.match(IPV4_PATTERN);
  if (m) return m[1] === '127';
  if (!v6) return false;
  if (v6.slice(0, 7).every((x) => x === 0) && v6[7] === 1) return true;
  return v6.slice(0, 5).every((x) => x === 0) && v6[5] === 0xffff && Math.floor(embeddedV4(v6, 6) / 2 ** 24) === 127;
}

const REFUSED_HOST = 'the host is a private, loopback, link-local or metadata address';

/** Whether `raw` may be used as a webhook endpoint in `environment`. Never fetches anything. */
export function checkWebhookUrl(raw: string, environment: string): UrlCheck {
  if (raw.length > WEBHOOK_URL_MAX_CHARS) return { ok: false, reason: `the URL is longer than ${WEBHOOK_URL_MAX_CHARS} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'the URL must use https' };
  if (url.username || url.password) return { ok: false, reason: 'the URL must not contain user-info' };
  const host = url.hostname.toLowerCase();
  const v6 = host.startsWith('[') ? parseV6(host.slice(1, -1)) : null;
  if (host.startsWith('[') && !v6) return { ok: false, reason: REFUSED_HOST };
  const local = LOCAL_ENVIRONMENTS.has(environment);
  if (local && isLoopback(host, v6)) return { ok: true, url };
  if (url.protocol !== 'https:') return { ok: false, reason: 'the URL must use https' };
  if (v6) return v6Blocked(v6) ? { ok: false, reason: REFUSED_HOST } : { ok: true, url };
  const v4 = host.match(IPV4_PATTERN);
  if (v4) return v4Blocked(ip4(host)) ? { ok: false, reason: REFUSED_HOST } : { ok: true, url };
  const name = host.replace(/\.+$/, '');
  if (!name.includes('.')) return { ok: false, reason: 'the host must be a public DNS name' };
  if (BLOCKED_NAME_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`))) return { ok: false, reason: REFUSED_HOST };
  return { ok: true, url };
}

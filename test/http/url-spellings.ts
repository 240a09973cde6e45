/**
 * Spellings of internal destinations, generated per rule of the URL policy: every way the URL
 * parser accepts to write an IPv4 address (decimal, octal, hex, short forms, percent-encoded,
 * full-width), every IPv6 form that embeds one (mapped, translated, compatible, NAT64, 6to4, Teredo),
 * and internal names in their case, dot and port variants.
 */
type Octets = [number, number, number, number];

const v4 = (s: string) => s.split('.').map(Number) as Octets;
const int = ([a, b, c, d]: Octets) => ((a * 256 + b) * 256 + c) * 256 + d;
const h16 = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))).replace(/\./g, '\u3002');

/** The IPv4 address itself, in every spelling the URL parser turns into dotted decimal. */
export function ipv4Spellings(address: string): string[] {
  const o = v4(address);
  const [a, b, c, d] = o;
  const dotted = o.join('.');
  return [
    dotted,
    String(int(o)),
    `0x${int(o).toString(16)}`,
    `0X${int(o).toString(16).toUpperCase()}`,
    `0${int(o).toString(8)}`,
    o.map((x) => `0x${x.toString(16)}`).join('.'),
    o.map((x) => `0${x.toString(8)}`).join('.'),
    `${a}.${b}.${c * 256 + d}`,
    `${a}.${(b * 256 + c) * 256 + d}`,
    `0x${a.toString(16)}.${b}.0${c.toString(8)}.${d}`,
    dotted.replace(/[0-9]/g, (ch) => `%3${ch}`),
    fullWidth(dotted),
    `${dotted}.`,
    `${dotted}:8443`,
    `${dotted}:443`,
  ];
}

/** IPv6 forms that embed the IPv4 address (all refused, whatever they embed). */
export function embeddingSpellings(address: string): string[] {
  const [a, b, c, d] = v4(address);
  const dotted = `${a}.${b}.${c}.${d}`;
  const hi = h16(a, b);
  const lo = h16(c, d);
  return [
    `[::ffff:${dotted}]`,
    `[::ffff:${hi}:${lo}]`,
    `[0:0:0:0:0:ffff:${dotted}]`,
    `[::FFFF:${hi.toUpperCase()}:${lo.toUpperCase()}]`,
    `[::ffff:0:${dotted}]`,
    `[::ffff:0:${hi}:${lo}]`,
    `[::${dotted}]`,
    `[64:ff9b::${dotted}]`,
    `[64:ff9b:1::${hi}:${lo}]`,
    `[2002:${hi}:${lo}::]`,
    `[2001:0:4136:e378:8000:63bf:${(0xffff ^ ((a << 8) | b)).toString(16)}:${(0xffff ^ ((c << 8) | d)).toString(16)}]`,
  ];
}

const url = (host: string, path = '/x') => `https://${host}${path}`;

/** Loopback: refused in production; the plain ones (`loopbackLocal`) are allowed in development and test. */
const LOOPBACK_V4 = ['127.0.0.1', '127.0.0.53', '127.1.2.3', '127.255.255.254'];
const LOOPBACK_V6 = ['[::1]', '[0:0:0:0:0:0:0:1]', '[0000:0000:0000:0000:0000:0000:0000:0001]', '[::0:1]', '[0::1]'];
const LOOPBACK_NAMES = ['localhost', 'LOCALHOST', 'localhost.', 'LocalHost:8443', 'api.localhost', 'a.b.localhost.', 'xn--80ak6aa92e.localhost', 'ＬＯＣＡＬＨＯＳＴ'];
export const loopbackLocal = [
  ...LOOPBACK_V4.flatMap(ipv4Spellings),
  ...LOOPBACK_V4.flatMap((a) => embeddingSpellings(a).slice(0, 4)),
  ...LOOPBACK_V6,
  ...LOOPBACK_NAMES,
].flatMap((h) => [url(h), `http://${h}/x`]);
export const loopback = [...loopbackLocal, ...LOOPBACK_V4.flatMap((a) => embeddingSpellings(a).slice(4)).map((h) => url(h))];

export const rules: Record<string, string[]> = {
  loopback,
  private: ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.0.1', '192.168.255.255', '10.20.3.14'].flatMap((a) =>
    [...ipv4Spellings(a), ...embeddingSpellings(a)].map((h) => url(h)),
  ),
  'link-local and metadata': [
    ...['169.254.169.254', '169.254.170.2', '169.254.0.1', '168.63.129.16', '100.100.100.200', '192.0.0.192'].flatMap((a) =>
      [...ipv4Spellings(a), ...embeddingSpellings(a)].map((h) => url(h, '/latest/meta-data/')),
    ),
    ...['[fd00:ec2::254]', '[FD00:EC2:0:0:0:0:0:254]', '[fd00:ec2::23]', '[fe80::1]', '[fe80::a9fe:a9fe]', '[FE80::1:2:3:4]', '[febf:ffff::1]'].map((h) => url(h)),
  ],
  CGNAT: ['100.64.0.1', '100.127.255.254', '100.80.1.1', '100.100.100.200'].flatMap((a) => [...ipv4Spellings(a), ...embeddingSpellings(a)].map((h) => url(h))),
  'unspecified, multicast, reserved and broadcast': ['0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', '198.18.0.1', '192.0.2.1'].flatMap(
    (a) => [...ipv4Spellings(a), ...embeddingSpellings(a)].map((h) => url(h)),
  ),
  'IPv6 special ranges and IPv4-embedding forms of public addresses': [
    ...['8.8.8.8', '1.1.1.1', '93.184.215.14', '151.101.1.69'].flatMap(embeddingSpellings),
    ...['fc00::1', 'fd12:3456:789a:1::1', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe80::', 'fec0::1', 'ff02::1', 'ff05::1:3', 'ff0e::1', '::', '100::1', '2001:db8::1', '2001::1', '2001:0:4136:e378::1', '2002::1', '64:ff9b::1', '3fff::1', '2001:2::1', '2001:10::1', '5f00::1', 'fd00::a9fe:a9fe', 'fe80::1:1', 'ff01::1', '::2', '2001:db8:85a3::8a2e:370:7334']
      .flatMap((a) => [`[${a}]`, `[${a.toUpperCase()}]`, `[${a}]:8443`]),
  ].map((h) => url(h)),
  'internal names': [
    'vault.service.internal',
    'ip-10-0-0-1.ec2.internal',
    'printer.local',
    'nas.home.local',
    'metadata.google.internal',
    'db.internal',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    'api.prod.svc',
    'redis.cache.svc.cluster.local',
    'my-service.cluster.local',
    'metadata',
    'intranet',
    'wpad',
    'router.lan',
    'db.corp',
    'host.localdomain',
    'gw.home.arpa',
    '1.0.0.127.in-addr.arpa',
    'kubernetes',
    'etcd.kube-system.svc',
  ].flatMap((n) => [n, n.toUpperCase(), `${n}.`, `${n}:8443`, `${n.replace(/\./g, '\uff0e')}`].map((h) => url(h))),
  'scheme, user-info and https': [
    ...['hooks.example.com', 'platform.example', '93.184.215.14', '[2606:4700:4700::1111]', 'artifacts.example.org'].flatMap((h) => [
      `http://${h}/x`,
      `HTTP://${h}/x`,
      `ftp://${h}/x`,
      `ws://${h}/x`,
      `wss://${h}/x`,
      `gopher://${h}/x`,
      `https://user:pass@${h}/x`,
      `https://user@${h}/x`,
      `https://:pass@${h}/x`,
      `https://${encodeURIComponent('a@b')}@${h}/x`,
      `https://u%40:p@${h}/x`,
      `//${h}/x`,
      `${h}/x`,
      `https:/${h}/x`.replace('https:/', 'file:///'),
    ]),
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/plain,hi',
    'about:blank',
    'blob:https://example.com/uuid',
    'mailto:a@example.com',
    'not a url',
    '/relative/path',
    '',
    ' ',
    'https://',
    'https:///x',
    'https://[::1/x',
    'https://[fe80::1%25eth0]/x',
    'https://999.1.1.1/x',
    'https://1.2.3.4.5/x',
    'https://exa mple.com/x',
    'https://%zz/x',
    'https://[]/x',
    'https://[::ffff:1.2.3]/x',
    'http//example.com',
    'https://example.com:99999/x',
    'https://example.com:-1/x',
    'https://ex<ample.com/x',
    'https://\u0000.example.com/x',
    'https://example.com/a\u0000b',
    'https://example.com/\u202ex',
    'https://example.com/\ud800',
    'https://example.com/\u0085',
    'https://exa\tmple.com/x',
    'https://example.com/\nx',
    `https://example.com/${'a'.repeat(2100)}`,
    'https://example.com:65536/x',
    'https://[::1]]/x',
    'https://[1::2::3]/x',
    'https://256.256.256.256/x',
    'https://0x100000000/x',
    'https://4294967296/x',
    'https://[:::1]/x',
  ],
};

/** Public destinations every rule lets through. */
export const publicUrls = [
  'https://hooks.example.com/inplace',
  'https://93.184.215.14:8443/hook',
  'https://8.8.8.8/x',
  'https://1.1.1.1/',
  'https://[2606:4700:4700::1111]/hook',
  'https://[2a00:1450:4001:82a::200e]/x',
  'https://hooks.example.com./x?y=1',
  'https://artifacts.provider.example/runtime-1.0.0.tar.gz',
  'https://xn--bcher-kva.example/x',
  'https://bücher.example/x',
  'https://my-local.example.com/x',
  'https://internal-api.example.com/x',
  'https://svc.example.com/x',
  'https://100.63.255.255/x',
  'https://100.128.0.1/x',
  'https://172.15.255.255/x',
  'https://172.32.0.1/x',
  'https://169.253.255.255/x',
  'https://168.63.129.15/x',
];

/** Which request and response headers cross the SBC. */

/** RFC 9110 §7.6.1 hop-by-hop headers, never forwarded. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** The SBC's own request headers: consumed here, never shown to a platform. */
export const SBC_HEADERS = { session: 'x-session-id', route: 'x-inplace-route', key: 'x-inplace-key', client: 'x-inplace-client-ip' } as const;

function connectionListed(headers: Headers): string[] {
  return (headers.get('connection') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/** The headers to send upstream: hop-by-hop and SBC headers removed, our cookie cut out, forwarding and the request id added. */
export function upstreamRequestHeaders(incoming: Headers, cookieName: string, clientIp: string | null, proto: string, requestId: string): Headers {
  const out = new Headers(incoming);
  for (const h of [...HOP_BY_HOP, ...connectionListed(incoming), ...Object.values(SBC_HEADERS), 'host', 'content-length']) out.delete(h);
  const cookie = incoming.get('cookie');
  if (cookie) {
    const kept = cookie
      .split(';')
      .map((c) => c.trim())
      .filter((c) => c && !c.startsWith(`${cookieName}=`));
    if (kept.length) out.set('cookie', kept.join('; '));
    else out.delete('cookie');
  }
  if (clientIp) out.set('x-forwarded-for', [incoming.get('x-forwarded-for'), clientIp].filter(Boolean).join(', '));
  out.set('x-forwarded-proto', proto);
  out.set('x-request-id', requestId);
  return out;
}

/** The headers to return to the end user: hop-by-hop removed. */
export function downstreamResponseHeaders(upstream: Headers): Headers {
  const out = new Headers(upstream);
  for (const h of [...HOP_BY_HOP, ...connectionListed(upstream)]) out.delete(h);
  return out;
}

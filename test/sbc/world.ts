import { exports } from 'cloudflare:workers';
import { inject } from 'vitest';
import { call, expectStatus } from '../http';
import { deployAll, progress, start, steer, world, type World } from '../migrations/world';

let seq = 0;

/** The migration world with platforms A and B answering on loopback upstreams of their own. */
export async function sbcWorld(opts: { upstreamA?: string; upstreamB?: string } = {}) {
  const w = await world();
  const tag = `u${++seq}${crypto.randomUUID().slice(0, 6)}`;
  const a = opts.upstreamA ?? `${inject('upstreamUrl')}/${tag}a`;
  const b = opts.upstreamB ?? `${inject('upstreamUrl')}/${tag}b`;
  for (const [p, key, url] of [[w.platformA, w.providerA.key, a], [w.platformB, w.providerB.key, b]] as const) {
    const r = await call('PATCH', `/v1/platforms/${p.id}`, { key, body: { upstreamUrl: url } });
    if (r.status !== 200) throw new Error(`patch upstream: ${r.status}`);
  }
  return { ...w, names: { a: `${tag}a`, b: `${tag}b` } };
}

/** Starts the migration, has provider B accept and every agent deploy: the migration is migrating. */
export async function migrating(w: World) {
  const started = await start(w);
  if (started.status !== 201) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  const id = started.body.id;
  await steer(id, 'accept', w.providerB.key);
  await deployAll(w);
  const m = await call('GET', `/v1/migrations/${id}`, { key: w.customer.key });
  expectStatus(m, 200);
  if (m.body.state !== 'migrating') throw new Error(`expected migrating, got ${m.body.state}`);
  return id;
}

/** The status the upstream `name` answers with, for every path or only for `path` (e.g. `/broken`). */
export async function setUpstreamStatus(name: string, status: number, path?: string) {
  const r = await fetch(`${inject('upstreamUrl')}/control/${name}`, { method: 'PUT', body: JSON.stringify({ status, path }) });
  if (r.status !== 204) throw new Error(`upstream control: ${r.status}`);
}

/** One end-user call through the SBC; `client` is the address it comes from (the test stand-in for CF-Connecting-IP). */
export async function endUser(customerId: string, session: string | null, init: RequestInit & { path?: string; client?: string } = {}) {
  const headers = new Headers(init.headers);
  if (session) headers.set('x-session-id', session);
  if (init.client) headers.set('x-inplace-client-ip', init.client);
  const res = await exports.default.fetch(new Request(`http://inplace.test/sbc/${customerId}${init.path ?? '/shop/cart?x=1'}`, { ...init, headers }));
  const text = await res.text();
  const body = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  return { status: res.status, headers: res.headers, body };
}

export { progress, steer };

/** The migration's traffic analysis (settings and B's verdict now), after this isolate's counts are in. */
export function analysis(id: string, key: string) {
  return call('GET', `/v1/migrations/${id}/analysis`, { key });
}

// Platform upstreams on loopback for the SBC tests, run by vitest in Node (outside workerd). Every
// path's first segment names an upstream; it echoes what it received (method, path, headers, body
// size) and answers with the status set for it through `PUT /control/<name>` with `{status}`, or for
// one path under it with `{status, path}` (200 by default).
import net from 'node:net';
import { loopbackServer } from './loopback-server.mjs';

const statuses = new Map();

async function handle(req, res) {
  const url = new URL(req.url, 'http://x');
  const [, first, name] = url.pathname.split('/');
  let bytes = 0;
  const chunks = [];
  for await (const chunk of req) {
    bytes += chunk.length;
    if (first === 'control') chunks.push(chunk);
  }
  if (first === 'control' && req.method === 'PUT') {
    const { status, path } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    statuses.set(path ? `${name} ${path}` : name, status);
    res.writeHead(204).end();
    return;
  }
  const status = statuses.get(`${first} ${url.pathname.slice(first.length + 1)}`) ?? statuses.get(first) ?? 200;
  // `connection` names a header of this hop, which the SBC must not pass on. It says keep-alive, not
  // close: workerd reads only a bare `close` and would keep a connection this server closes, failing
  // the next request sent on it ("Network connection lost").
  res.writeHead(status, { 'content-type': 'application/json', connection: 'keep-alive, x-upstream-private', 'x-upstream-private': '1', 'x-upstream': first });
  res.end(JSON.stringify({ upstream: first, method: req.method, path: url.pathname, search: url.search, headers: req.headers, bytes }));
}

export default async function setup(project) {
  const server = await loopbackServer(handle);
  project.provide('upstreamUrl', server.url);
  // An upstream that is down: every connection is reset before a byte is read. The port stays held
  // for the whole run; a port merely closed was handed to the next listener (the webhook receiver
  // once answered 404 there, and three SBC tests failed).
  const down = net.createServer((socket) => socket.resetAndDestroy());
  await new Promise((resolve) => down.listen(0, '127.0.0.1', resolve));
  project.provide('downUpstreamUrl', `http://127.0.0.1:${down.address().port}`);
  return () => Promise.all([server.close(), new Promise((resolve) => down.close(() => resolve()))]);
}

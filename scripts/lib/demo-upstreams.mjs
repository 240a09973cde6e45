// Stand-ins for the platforms' own services in the local demo: one tiny HTTP server per platform on
// loopback, answering every call with which platform served it. The SBC proxies end users to them.
import { createServer } from 'node:http';

export const UPSTREAM_BASE_PORT = 8790;

export function upstreamUrl(index) {
  return `http://127.0.0.1:${UPSTREAM_BASE_PORT + index}`;
}

export function startDemoUpstreams(names) {
  return names.map((name, i) => {
    const server = createServer((req, res) => {
      let size = 0;
      req.on('data', (chunk) => (size += chunk.length));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ platform: name, method: req.method, path: req.url, receivedBytes: size }));
      });
    });
    server.listen(UPSTREAM_BASE_PORT + i, '127.0.0.1');
    return server;
  });
}

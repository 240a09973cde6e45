// An HTTP server on loopback that the Worker under test calls (vitest's global setups run it in Node).
// Idle connections are kept until the run ends: Node's default closes one after 5 s, just as workerd
// may send the next request on it ("Network connection lost"). Closing cuts every connection at once.
import http from 'node:http';

export async function loopbackServer(handle) {
  const server = http.createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Stand-ins for the platforms' own services in the local demo: one tiny HTTP server per platform on
// loopback, answering every call with which platform served it. The SBC proxies end users to them.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

/** The first upstream's port for `npm start` (the others follow); the simulator and the benchmark use their own. */
export const UPSTREAM_BASE_PORT = 8790;

export function upstreamUrl(index, basePort = UPSTREAM_BASE_PORT) {
  return `http://127.0.0.1:${basePort + index}`;
}

/** The ports `count` upstreams take from `basePort`, for requireFreePorts. */
export function upstreamPorts(count, basePort, change) {
  return Array.from({ length: count }, (_, i) => ({ port: basePort + i, what: `the local upstream of demo platform ${i + 1}`, change }));
}

export function startDemoUpstreams(names, basePort = UPSTREAM_BASE_PORT) {
  return names.map((name, i) => {
    const server = createServer((req, res) => {
      let size = 0;
      req.on('data', (chunk) => (size += chunk.length));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ platform: name, method: req.method, path: req.url, receivedBytes: size }));
      });
    });
    // Idle connections kept longer than the proxy in front keeps them: otherwise the server may close
    // one (Node's default is 5 s) just as the SBC sends the next request on it, which the SBC must
    // then answer 502 (seen 3 times in 8,700 requests under npm run load:routes).
    server.keepAliveTimeout = 65_000;
    server.listen(basePort + i, '127.0.0.1');
    return server;
  });
}

/**
 * The same upstreams in a process of their own (for the benchmarks, so the load generator and the
 * upstreams do not share one event loop). Resolves once every one listens; `close()` stops them.
 */
export function spawnDemoUpstreams(names, basePort) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(basePort), ...names], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`upstreams exited (code ${code})`)));
    child.stdout.once('data', () => resolve({ close: () => child.kill() }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [basePort, ...names] = process.argv.slice(2);
  const servers = startDemoUpstreams(names, Number(basePort));
  await Promise.all(servers.map((s) => new Promise((r) => (s.listening ? r() : s.once('listening', r)))));
  process.stdout.write('listening\n');
}

// Local ports: `npm start`, the simulator's private service and the benchmark each have their own
// defaults so they run side by side; a port already taken stops the script with a message saying
// which flag or variable picks another, instead of a crash with EADDRINUSE.
import net from 'node:net';

/** Whether 127.0.0.1:`port` can be listened on now. */
function portFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** The port from a flag's value, else the environment variable, else the default; exits 2 if it is not a port. */
export function portOption(flag, envName, fallback) {
  const raw = flag ?? process.env[envName] ?? String(fallback);
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`Not a port: ${raw} (from ${flag !== undefined ? 'the command line' : envName}).`);
    process.exit(2);
  }
  return port;
}

/**
 * Exits with a clear message when one of `wanted` ({ port, what, change }) is taken, or is wanted
 * twice (two servers of one script cannot share a port); `change` says how to pick another (a flag,
 * an environment variable).
 */
export async function requireFreePorts(wanted) {
  const wantedFor = new Map();
  for (const { port, what, change } of wanted) {
    if (wantedFor.has(port)) {
      console.error(`Port ${port} on 127.0.0.1 is asked for twice, for ${wantedFor.get(port)} and for ${what}: ${change}.`);
      process.exit(2);
    }
    wantedFor.set(port, what);
  }
  for (const { port, what, change } of wanted) {
    if (await portFree(port)) continue;
    console.error(`Port ${port} on 127.0.0.1 is already in use, so ${what} cannot listen there.`);
    console.error(`Another InPlace (\`npm start\`, the simulator, the benchmark) or another program holds it: stop it, or ${change}.`);
    process.exit(2);
  }
}

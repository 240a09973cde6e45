// Real agents for the demo, the simulator and the tests: one `scripts/agent/main.mjs` process per
// server, each with its own key (minted by the operator through the API, kept in `<serverId>.key`
// beside its directory and reused while the service accepts it), its own directory and a facts
// file made from the demo inventory (so its report matches the server's record). The key goes to
// the process as --key-file, never on its command line.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../agent/main.mjs', import.meta.url));
const OBSERVED = ['cpuArch', 'cpuVendor', 'cpuModel', 'cores', 'memoryGib', 'storageKind', 'storageGib', 'gpus', 'hypervisor', 'traits'];

/** What an agent on `server` (a demo inventory record) would observe: its identity and properties. */
export function factsOf(server) {
  return { identity: server.identity, properties: Object.fromEntries(OBSERVED.filter((k) => k in server.properties).map((k) => [k, server.properties[k]])) };
}

/** The agent key of `serverId` kept in `file`, if the service still accepts it; else a new one, written there. */
async function agentKey(baseUrl, operator, serverId, file) {
  if (existsSync(file)) {
    const res = await fetch(new URL('/v1/account', baseUrl), { headers: { authorization: `Bearer ${readFileSync(file, 'utf8').trim()}` } });
    await res.arrayBuffer();
    if (res.ok) return;
  }
  const minted = await operator.post('/v1/api-keys', { agentFor: serverId, name: `agent ${serverId}` });
  writeFileSync(file, `${minted.key}\n`, { mode: 0o600 });
}

/**
 * Prepares one agent per server. `servers`: [{ id, facts }]; `operator`: an API client with the
 * operator's key; `root`: where each agent gets `<serverId>/` (its DIR), `<serverId>.key` and
 * `<serverId>.facts.json` (and `<serverId>.log` with `log: 'file'`; with `log: 'pipe'` its lines
 * are parsed into `events`). `args`: extra flags for every agent (e.g. --interval 1). Each agent
 * can be `start`ed, `kill`ed (SIGKILL to its process group: a crash) and started again.
 */
export async function startAgents({ baseUrl, operator, servers, root, args = [], log = 'pipe' }) {
  mkdirSync(root, { recursive: true });
  const agents = [];
  for (const s of servers) {
    const keyFile = join(root, `${s.id}.key`);
    await agentKey(baseUrl, operator, s.id, keyFile);
    const dir = join(root, s.id);
    const facts = join(root, `${s.id}.facts.json`);
    writeFileSync(facts, JSON.stringify(s.facts));
    const agent = {
      serverId: s.id,
      dir,
      events: [],
      child: null,
      exited: null,
      start(extra = []) {
        const out = log === 'file' ? openSync(`${dir}.log`, 'a') : 'pipe';
        const child = spawn(process.execPath, [MAIN, '--url', baseUrl, '--key-file', keyFile, '--dir', dir, '--facts', facts, ...args, ...extra], {
          env: { ...process.env, INPLACE_AGENT_KEY: '' },
          stdio: ['ignore', out, out],
          detached: true,
        });
        agent.child = child;
        agent.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
        if (child.stdout) {
          let rest = '';
          child.stdout.on('data', (chunk) => {
            const lines = (rest + chunk).split('\n');
            rest = lines.pop();
            for (const line of lines) {
              try {
                const event = JSON.parse(line);
                agent.events.push(event);
              } catch {
                agent.events.push({ event: 'text', line });
              }
            }
          });
          child.stderr.on('data', (chunk) => agent.events.push({ event: 'stderr', line: String(chunk) }));
        }
        return agent;
      },
      /** Stops the agent and everything it runs, at once (a crash, not a shutdown). */
      async kill() {
        if (!agent.child || agent.child.exitCode !== null) return;
        try {
          process.kill(-agent.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await agent.exited;
      },
      async stop() {
        if (!agent.child || agent.child.exitCode !== null) return;
        agent.child.kill('SIGTERM');
        await agent.exited;
      },
    };
    agents.push(agent);
  }
  const stopAll = () => agents.forEach((a) => a.child && a.child.exitCode === null && a.child.kill('SIGTERM'));
  process.on('exit', stopAll);
  return agents;
}

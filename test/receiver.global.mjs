// A webhook receiver on loopback, run by vitest in Node (outside workerd), so that the Worker and its
// Durable Objects deliver to a real HTTP endpoint. Each inbox records what it received and answers
// from a script the test sets: [{ status, headers, hang }], then 204 once the script is used up.
// With `perMessage`, every distinct webhook-id runs through its own copy of the script.
import { loopbackServer } from './loopback-server.mjs';

const inboxes = new Map();
const hanging = new Set();

function inbox(name) {
  if (!inboxes.has(name)) inboxes.set(name, { script: [], perMessage: false, scripts: new Map(), requests: [] });
  return inboxes.get(name);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function handle(req, res) {
  const [, kind, name] = new URL(req.url, 'http://x').pathname.split('/');
  const body = await readBody(req);
  if (kind === 'control' && req.method === 'PUT') {
    const box = inbox(name);
    const control = JSON.parse(body);
    box.script = control.script ?? [];
    box.perMessage = control.perMessage === true;
    box.scripts = new Map();
    box.requests = [];
    res.writeHead(204).end();
  } else if (kind === 'control' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests: inbox(name).requests }));
  } else if (kind === 'inbox' && req.method === 'POST') {
    const box = inbox(name);
    box.requests.push({ headers: req.headers, body });
    let script = box.script;
    if (box.perMessage) {
      const id = req.headers['webhook-id'];
      if (!box.scripts.has(id)) box.scripts.set(id, [...box.script]);
      script = box.scripts.get(id);
    }
    const step = script.shift() ?? { status: 204 };
    if (step.hang) {
      hanging.add(res);
      return;
    }
    res.writeHead(step.status, step.headers ?? {}).end();
  } else {
    res.writeHead(404).end();
  }
}

export default async function setup(project) {
  const server = await loopbackServer(handle);
  project.provide('receiverUrl', server.url);
  // Closed at once when the run ends: a delivery still in flight (a retry an alarm sent) is cut, not waited for.
  return () => {
    for (const res of hanging) res.destroy();
    return server.close();
  };
}

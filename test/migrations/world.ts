import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import type { Schemas } from '../../scripts/lib/api-types';
import { bodyOf, call, OPERATOR, type RequestBody, succeed } from '../http';
import { receiver, type ScriptStep } from '../receiver';
import { createPlatform, dataCenter, place, putInventory, registerCustomer, registerProvider } from '../factories';

let seq = 0;

/** A customer on platform A (provider A) with data on `servers` servers, and platform B (provider B). */
export async function world(opts: { servers?: number; autoAccept?: boolean } = {}) {
  const dc = dataCenter(`mw${++seq}${crypto.randomUUID().slice(0, 4)}`, 1, 1, opts.servers ?? 2);
  await putInventory(dc);
  const providerA = await registerProvider();
  const providerB = await registerProvider();
  const platformA = await createPlatform(providerA.key);
  const platformB = await createPlatform(providerB.key, { autoAccept: opts.autoAccept ?? false });
  const customer = await registerCustomer();
  await place(customer.id, dc.serverIds, platformA.id);
  const agents: { serverId: string; key: string }[] = [];
  for (const serverId of dc.serverIds) {
    agents.push({ serverId, key: (await succeed('POST', '/v1/api-keys', { key: OPERATOR, body: { agentFor: serverId } })).key });
  }
  return { customer, providerA, providerB, platformA, platformB, agents, serverIds: dc.serverIds };
}

export type World = Awaited<ReturnType<typeof world>>;

export function coordinator(customerId: string) {
  return env.COORDINATOR.get(env.COORDINATOR.idFromName(customerId));
}

/** Hardware IDs the customer mints for `audience` (default: itself). */
export async function mintIds(w: World, opts: { scope?: RequestBody<'POST', '/v1/hardware-ids'>['scope']; audience?: string[] } = {}): Promise<string[]> {
  const r = await succeed('POST', '/v1/hardware-ids', { key: w.customer.key, body: { scope: opts.scope ?? 'server', ...(opts.audience ? { audience: opts.audience } : {}) } });
  return r.items.map((i) => i.id);
}

export async function start(w: World, opts: { key?: string; idempotencyKey?: string; body?: RequestBody<'POST', '/v1/migrations'> } = {}) {
  return call('POST', '/v1/migrations', {
    key: opts.key ?? w.customer.key,
    headers: { 'idempotency-key': opts.idempotencyKey ?? crypto.randomUUID() },
    body: opts.body ?? { customerId: w.customer.id, targetPlatformId: w.platformB.id },
  });
}

export function steer(id: string, action: 'accept' | 'approve' | 'pause' | 'resume' | 'rollback' | 'cancel', key: string) {
  return call('POST', `/v1/migrations/${id}/${action}`, { key });
}

export function progress(id: string, key: string, segmentsDone: number, segmentsTotal: number) {
  return call('POST', `/v1/migrations/${id}/progress`, { key, body: { segmentsDone, segmentsTotal } });
}

/** The tasks one agent's poll leased it (an agent's side of GET /v1/agent/tasks). */
export async function leased(key: string): Promise<Schemas['AgentTask'][]> {
  return bodyOf(await call('GET', '/v1/agent/tasks', { key }), 200).items.map((t) => {
    if (!('leaseExpiresAt' in t)) throw new Error(`an agent was listed a task instead of leased one: ${JSON.stringify(t)}`);
    return t;
  });
}

/** Every agent polls once and reports success for what it got. */
export async function deployAll(w: World) {
  for (const a of w.agents) {
    for (const t of await leased(a.key)) {
      await call('POST', `/v1/agent/tasks/${t.id}/result`, { key: a.key, body: { attempt: t.attempt, outcome: 'succeeded' } });
    }
  }
}

export function states(history: { to: string }[]) {
  return history.map((h) => h.to);
}

/** Points the provider's webhook at a fresh loopback inbox answering from `script`. */
export async function hookUp(providerKey: string, script: ScriptStep[] = [], opts: { perMessage?: boolean } = {}) {
  const box = await receiver(script, opts);
  const r = await succeed('PUT', '/v1/providers/me/webhook', { key: providerKey, body: { url: box.url } });
  return { box, secret: r.secret };
}

export interface ReceivedEvent {
  id: string;
  type: string;
  timestamp: string;
  sequence: number;
  data: Record<string, unknown>;
}

/** Events a receiver got, each verified with the reference implementation, oldest first (events of one change by sequence). */
export async function verifiedEvents(hook: Awaited<ReturnType<typeof hookUp>>): Promise<ReceivedEvent[]> {
  const wh = new Webhook(hook.secret);
  const events = (await hook.box.requests()).map((r) => ({ id: r.headers['webhook-id']!, ...(wh.verify(r.body, r.headers) as Omit<ReceivedEvent, 'id'>) }));
  return events.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.sequence - b.sequence);
}

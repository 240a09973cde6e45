/**
 * A generated corpus of malformed requests over every write route of the API, on the real
 * bindings: every mutation of a valid body that changes one value's JSON type (or slips a control,
 * bidi or unpaired surrogate character into a string), broken JSON, wrong top-level types, unknown
 * fields, deep nesting, a wrong media type, and hostile path ids. Each must answer 4xx
 * problem+json, and afterwards every D1 table and the coordinator's migration must be exactly as
 * before: no 5xx, no partial write.
 */
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { dataCenter, platformBody, settled } from '../factories';
import { call, expectStatus, raw } from '../http';
import { coordinator, world } from '../migrations/world';
import { OPERATOR } from '../http';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Route = { name: string; method: string; path: (p: Record<string, string>) => string; params: Record<string, string>; key: string; body?: Json; headers?: () => Record<string, string> };

/** Values of another JSON type than `v`, and hostile strings in place of strings. */
function replacements(v: Json): Json[] {
  if (typeof v === 'string') return [42, true, [v], { v }, `${v}\u0000`, `\u202e${v}`, `${v}\ud800`];
  if (typeof v === 'number') return [String(v), true, [v], { v }];
  if (typeof v === 'boolean') return [String(v), 1, [v]];
  if (Array.isArray(v)) return [{ 0: v[0] ?? null }, 'list', 7];
  if (v && typeof v === 'object') return [[v], 'object', 7];
  return [];
}

/** Every body that differs from `body` in exactly one value (recursively). */
function oneValueMutations(body: Json): Json[] {
  const out: Json[] = replacements(body);
  if (Array.isArray(body)) body.forEach((item, i) => oneValueMutations(item).forEach((m) => out.push(body.map((x, j) => (j === i ? m : x)))));
  else if (body && typeof body === 'object')
    for (const [k, item] of Object.entries(body)) for (const m of oneValueMutations(item)) out.push({ ...body, [k]: m });
  return out;
}

const deep = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const RAW_BODIES = ['{', '{"name":', '[1,2', 'nul', '"\\ud800"', '{"a":1,}', "{'a':1}", '\u0000', deep(5000), '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}'];
const TOP_LEVEL: Json[] = [[], 1, 'text', null, true];
const BAD_IDS = ['x'.repeat(300), '%00', '..%2F..%2Fv1%2Faccount', '%E2%80%AE', '%ED%A0%80', '%FF', 'null', '-1', '%20', 'a%0Ab'];

async function snapshot(migrationPath: `/v1/migrations/${string}`, key: string) {
  const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations' ORDER BY name").all<{ name: string }>();
  const rows: Record<string, unknown[]> = {};
  // A refused start still records its Idempotency-Key with the 4xx it answered, so that a retry with
  // the same key replays that answer: the idempotency contract, not a write of the refused request.
  for (const { name } of tables) if (name !== 'idempotency_keys') rows[name] = (await env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()).results;
  const migration = await call('GET', migrationPath, { key });
  return { rows, migration: migration.body };
}

describe('malformed-input corpus over every write route', () => {
  it('answers every malformed request 4xx problem+json and changes nothing', { timeout: 1_800_000 }, async () => {
    const w = await world({ servers: 2 });
    const started = await call('POST', '/v1/migrations', {
      key: w.customer.key,
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: { customerId: w.customer.id, targetPlatformId: w.platformB.id },
    });
    expectStatus(started, 201);
    const migrationId = started.body.id as string;
    const agent = w.agents[0]!;
    const { serverIds: _ids, ...inventory } = dataCenter('corpus', 1, 1, 1);

    const p = (path: string) => () => path;
    const routes: Route[] = [
      { name: 'POST /v1/customers', method: 'POST', path: p('/v1/customers'), params: {}, key: OPERATOR, body: { name: 'c', organisation: 'o', serviceLevel: 'standard' } },
      { name: 'POST /v1/providers', method: 'POST', path: p('/v1/providers'), params: {}, key: OPERATOR, body: { name: 'p', organisation: 'o' } },
      { name: 'POST /v1/api-keys', method: 'POST', path: p('/v1/api-keys'), params: {}, key: w.customer.key, body: { name: 'k' } },
      { name: 'DELETE /v1/api-keys/{id}', method: 'DELETE', path: (x) => `/v1/api-keys/${x.id}`, params: { id: 'key_none' }, key: w.customer.key },
      { name: 'PUT /v1/inventory', method: 'PUT', path: p('/v1/inventory'), params: {}, key: OPERATOR, body: inventory as Json },
      {
        name: 'PUT /v1/placements',
        method: 'PUT',
        path: p('/v1/placements'),
        params: {},
        key: OPERATOR,
        body: { placements: [{ customerId: w.customer.id, serverId: w.serverIds[0]!, platformId: w.platformA.id, storageAddress: 'iscsi://corpus', cores: 1, memoryGib: 1 }], remove: [] },
      },
      { name: 'POST /v1/platforms', method: 'POST', path: p('/v1/platforms'), params: {}, key: w.providerB.key, body: platformBody({ name: 'corpus' }) as Json },
      { name: 'PATCH /v1/platforms/{id}', method: 'PATCH', path: (x) => `/v1/platforms/${x.id}`, params: { id: w.platformB.id }, key: w.providerB.key, body: { name: 'corpus-renamed', description: 'd', autoAccept: true } },
      { name: 'POST /v1/compatibility', method: 'POST', path: p('/v1/compatibility'), params: {}, key: w.customer.key, body: { hardwareIds: ['not-an-id'], platformId: w.platformB.id, include: ['properties'] } },
      { name: 'POST /v1/compatibility/rebuild', method: 'POST', path: p('/v1/compatibility/rebuild'), params: {}, key: OPERATOR, body: {} },
      { name: 'PUT /v1/providers/me/webhook', method: 'PUT', path: p('/v1/providers/me/webhook'), params: {}, key: w.providerB.key, body: { url: 'https://hooks.example.com/corpus' } },
      { name: 'POST /v1/webhook-deliveries/{id}/redeliver', method: 'POST', path: (x) => `/v1/webhook-deliveries/${x.id}/redeliver`, params: { id: 'dlv_none' }, key: w.providerB.key },
      { name: 'POST /v1/hardware-ids', method: 'POST', path: p('/v1/hardware-ids'), params: {}, key: w.customer.key, body: { scope: 'rack', audience: [w.providerB.id], ttlSeconds: 60, maxUses: 2 } },
      { name: 'POST /v1/hardware-ids/verify', method: 'POST', path: p('/v1/hardware-ids/verify'), params: {}, key: w.providerB.key, body: { hardwareIds: ['not-an-id'] } },
      { name: 'POST /v1/hardware-ids/revoke', method: 'POST', path: p('/v1/hardware-ids/revoke'), params: {}, key: w.customer.key, body: { hardwareIds: ['not-an-id'] } },
      { name: 'POST /v1/hardware-ids/discover', method: 'POST', path: p('/v1/hardware-ids/discover'), params: {}, key: w.customer.key, body: { address: '10.1.2.3', ttlSeconds: 60, maxUses: 1 } },
      { name: 'POST /v1/agent/report', method: 'POST', path: p('/v1/agent/report'), params: {}, key: agent.key, body: { identity: { serial: 'SN-other' }, properties: { cores: 8, traits: ['sev'] } } },
      {
        name: 'POST /v1/migrations',
        method: 'POST',
        path: p('/v1/migrations'),
        params: {},
        key: w.customer.key,
        body: { customerId: w.customer.id, targetPlatformId: w.platformB.id, scope: 'rack' },
        headers: () => ({ 'idempotency-key': crypto.randomUUID() }),
      },
      ...['accept', 'approve', 'pause', 'resume', 'rollback', 'cancel'].map(
        (step): Route => ({ name: `POST /v1/migrations/{id}/${step}`, method: 'POST', path: (x) => `/v1/migrations/${x.id}/${step}`, params: { id: 'mig_none' }, key: w.providerB.key }),
      ),
      { name: 'POST /v1/migrations/{id}/progress', method: 'POST', path: (x) => `/v1/migrations/${x.id}/progress`, params: { id: migrationId }, key: w.providerB.key, body: { segmentsDone: 1, segmentsTotal: 4 } },
      { name: 'POST /v1/agent/tasks/{id}/result', method: 'POST', path: (x) => `/v1/agent/tasks/${x.id}/result`, params: { id: 'tsk_none' }, key: agent.key, body: { attempt: 1, outcome: 'failed', error: 'boom' } },
      {
        name: 'PUT /v1/customers/{customerId}/traffic/schedule',
        method: 'PUT',
        path: (x) => `/v1/customers/${x.customerId}/traffic/schedule`,
        params: { customerId: w.customer.id },
        key: w.customer.key,
        body: { steps: [{ weight: 50, pauseSeconds: 60 }, { weight: 100, pauseSeconds: 0 }] },
      },
      { name: 'DELETE /v1/customers/{customerId}/traffic/schedule', method: 'DELETE', path: (x) => `/v1/customers/${x.customerId}/traffic/schedule`, params: { customerId: 'cus_none' }, key: w.customer.key },
      ...['pause', 'resume'].map(
        (step): Route => ({
          name: `POST /v1/customers/{customerId}/traffic/schedule/${step}`,
          method: 'POST',
          path: (x) => `/v1/customers/${x.customerId}/traffic/schedule/${step}`,
          params: { customerId: 'cus_none' },
          key: w.customer.key,
        }),
      ),
    ];

    type Case = { route: string; method: string; path: string; key: string; body?: string; headers: Record<string, string> };
    const cases: Case[] = [];
    for (const r of routes) {
      const json = { 'content-type': 'application/json' };
      const base = (body: string | undefined, extra: Record<string, string> = json, params = r.params) =>
        cases.push({ route: r.name, method: r.method, path: r.path(params), key: r.key, body, headers: { ...extra, ...(r.headers?.() ?? {}) } });
      for (const [name, value] of Object.entries(r.params)) for (const bad of BAD_IDS) if (value) base(r.body === undefined ? undefined : JSON.stringify(r.body), json, { ...r.params, [name]: bad });
      if (r.body === undefined) continue;
      for (const m of oneValueMutations(r.body)) base(JSON.stringify(m));
      for (const raw of RAW_BODIES) base(raw);
      for (const top of TOP_LEVEL) base(JSON.stringify(top));
      base(JSON.stringify({ ...(r.body as object), unexpected: 1 }));
      base(JSON.stringify(r.body), { 'content-type': 'text/plain' });
    }
    console.info(`malformed-input corpus: ${cases.length} requests over ${routes.length} write routes`);
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    expect(new Set(cases.map((c) => c.route)).size).toBe(routes.length);

    // The start's webhooks are due at once and the recompute queue may still run: let both finish
    // before the snapshot (the alarm may already be running by itself, so wait for its outcome).
    await settled();
    await vi.waitUntil(
      async () => {
        await runDurableObjectAlarm(coordinator(w.customer.id));
        const pending = await env.DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE customer_id = ? AND state = 'pending'").bind(w.customer.id).first<number>('n');
        return pending === 0;
      },
      { timeout: 30_000, interval: 100 },
    );
    const migrationPath = `/v1/migrations/${migrationId}` as const;
    const before = await snapshot(migrationPath, w.customer.key);
    const wrong: string[] = [];
    for (let i = 0; i < cases.length; i += 40) {
      await Promise.all(
        cases.slice(i, i + 40).map(async (c) => {
          const r = await raw(c.method, c.path, { key: c.key, body: c.body, headers: c.headers });
          const problem = r.headers.get('content-type')?.startsWith('application/problem+json');
          if (r.status < 400 || r.status >= 500 || !problem) wrong.push(`${r.status} ${c.route} ${c.path} ${c.body?.slice(0, 120)}`);
        }),
      );
    }
    expect(wrong).toEqual([]);
    const after = await snapshot(migrationPath, w.customer.key);
    expect(after.migration).toEqual(before.migration);
    for (const table of Object.keys(before.rows)) expect(after.rows[table], table).toEqual(before.rows[table]);
  });
});

import { authedRoute } from '../auth/route';
import { MigrationTaskSchema } from '../agent/task-schema';
import type { TaskPayload, TaskRow } from '../agent/tasks';
import { HWID_MAX_USES_DEFAULT, HWID_TTL_DEFAULT_S } from '../constants';
import { mintHardwareIdsByUnit } from '../hardware/mint';
import { cursorOf, getDb } from '../db';
import { createRouter, IdParams, jsonBody, jsonResponse, listPage, PageQuery, pageSchema } from '../http/openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, problems, type FieldError } from '../http/problem';
import { forgetSplit } from '../sbc/split-cache';
import { coordinatorFor } from '../lib/coordinator';
import { claimKey, completeKey, releaseKey, requestHash } from './idempotency';
import { STEERING_ACTIONS, type SteeringAction } from '../lib/lifecycle';
import { unwrap } from '../http/outcome';
import { forParty, present, presentAll } from './present';
import { listMigrationRows } from './read-model';
import { IdempotencyHeaders, MigrationListQuery, MigrationSchema, ProgressBody, StartMigrationBody, StorageAccessSchema, TimelineSchema, type MigrationView } from './schema';
import { storageCredential } from './storage';
import { startMigration } from './start';
import { timelineView } from './timeline';
import { recordUsage } from '../usage/recorder';

export const migrationsRouter = createRouter();

const TAGS = ['Migrations'];
const REPLAYED = { 'idempotent-replayed': 'true' };

migrationsRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/migrations',
    tags: TAGS,
    summary: 'Start a migration in place (customer, or the target platform’s provider)',
    description:
      'Requires an `Idempotency-Key` header. A customer-initiated migration waits for the target provider to accept (unless its platform accepts automatically); a provider-initiated one waits for the customer to approve.',
    allow: ['customer', 'provider'],
    request: { headers: IdempotencyHeaders, body: jsonBody(StartMigrationBody) },
    problems: [409, 422],
    responses: { 201: jsonResponse(MigrationSchema, 'The migration (a replayed response carries `idempotent-replayed: true`)') },
  }),
  async (c) => {
    const me = c.get('principal');
    const key = c.req.valid('header')['idempotency-key'];
    const body = c.req.valid('json');
    const db = getDb(c.env.DB);
    const hash = await requestHash('POST', '/v1/migrations', body);
    const claim = await claimKey(db, me.id, key, hash, Date.now());
    if (claim.kind === 'mismatch') throw problems.unprocessable('This Idempotency-Key was used with another request body.');
    if (claim.kind === 'in-progress') throw problems.conflict('A request with this Idempotency-Key is still being processed; retry later.');
    if (claim.kind === 'replay') {
      if (claim.status >= 400) {
        const p = JSON.parse(claim.body) as { slug: string; title: string; detail?: string; errors?: FieldError[] };
        throw new ApiError(claim.status as ContentfulStatusCode, p.slug, p.title, p.detail, p.errors, REPLAYED);
      }
      c.header('idempotent-replayed', 'true');
      return c.json(JSON.parse(claim.body) as MigrationView, 201);
    }
    try {
      const view = await present(db, await startMigration(c.env, db, me, body, claim.requestKey, c.get('requestId')));
      await completeKey(db, me.id, key, 201, JSON.stringify(view));
      return c.json(view, 201);
    } catch (err) {
      // Refusals are part of the key's outcome and replay; server errors do not, so a retry runs again.
      if (err instanceof ApiError && err.status < 500)
        await completeKey(db, me.id, key, err.status, JSON.stringify({ slug: err.slug, title: err.title, detail: err.detail, errors: err.errors }));
      else await releaseKey(db, me.id, key);
      throw err;
    }
  },
);

migrationsRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/migrations',
    tags: TAGS,
    summary: 'Migrations you are a party to (customer, source or target provider; the operator sees all), newest first',
    allow: ['customer', 'provider', 'operator'],
    request: { query: PageQuery.extend(MigrationListQuery.shape) },
    responses: { 200: jsonResponse(pageSchema(MigrationSchema), 'A page of migrations') },
  }),
  async (c) => {
    const db = getDb(c.env.DB);
    const page = await listPage(
      c.req.valid('query'),
      (filter, limit, after) => listMigrationRows(db, c.get('principal'), filter, limit, after),
      (m) => cursorOf(m.createdAt, m.id),
      (rows) => presentAll(db, rows),
    );
    return c.json(page, 200);
  },
);

migrationsRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/migrations/{id}',
    tags: TAGS,
    summary: 'One migration: state, history and progress (its parties only)',
    allow: ['customer', 'provider', 'operator'],
    request: { params: IdParams },
    problems: [404],
    responses: { 200: jsonResponse(MigrationSchema, 'The migration') },
  }),
  async (c) => c.json(await present(getDb(c.env.DB), await forParty(c.env, c.get('principal'), c.req.valid('param').id)), 200),
);

const STEERING: Record<SteeringAction, string> = {
  accept: 'Accept a customer-initiated migration (target provider)',
  approve: 'Approve a provider-initiated migration (customer)',
  pause: 'Pause deployment or data migration (customer or target provider)',
  resume: 'Resume a paused migration (customer or target provider)',
  rollback: 'Roll back: everything stays on the source platform (customer or target provider)',
  cancel: 'Cancel before data moves (customer or target provider)',
};

for (const action of STEERING_ACTIONS) {
  migrationsRouter.openapi(
    authedRoute({
      method: 'post',
      path: `/v1/migrations/{id}/${action}`,
      tags: TAGS,
      summary: STEERING[action],
      allow: ['customer', 'provider'],
      request: { params: IdParams },
      problems: [404, 409],
      responses: { 200: jsonResponse(MigrationSchema, 'The migration after the step') },
    }),
    async (c) => {
      const me = c.get('principal');
      const m = await forParty(c.env, me, c.req.valid('param').id);
      const after = unwrap(await coordinatorFor(c.env, m.customerId).steer(m.id, action, { id: me.id, kind: me.kind }));
      forgetSplit(m.customerId);
      return c.json(await present(getDb(c.env.DB), after), 200);
    },
  );
}

migrationsRouter.openapi(
  authedRoute({
    method: 'post',
    path: '/v1/migrations/{id}/progress',
    tags: TAGS,
    summary: 'Report segments migrated (target provider); reaching the total cuts over to the target platform',
    description:
      'Progress never goes back and the total never changes. Re-sending the last report changes nothing. The first report with segments done is when data starts moving: the migration is billed then, once, to whoever started it (a migration cancelled before costs nothing).',
    allow: ['provider'],
    request: { params: IdParams, body: jsonBody(ProgressBody) },
    problems: [404, 409],
    responses: { 200: jsonResponse(MigrationSchema, 'The migration after the report') },
  }),
  async (c) => {
    const me = c.get('principal');
    const { segmentsDone, segmentsTotal } = c.req.valid('json');
    const m = await forParty(c.env, me, c.req.valid('param').id);
    const { dataStarted, ...after } = unwrap(await coordinatorFor(c.env, m.customerId).progress(m.id, { id: me.id, kind: me.kind }, segmentsDone, segmentsTotal));
    // A migration is billed, to whoever started it, once data moves: one cancelled before that costs nothing.
    if (dataStarted) recordUsage(c.env, c.executionCtx, after.initiatorId, 'migrations');
    forgetSplit(m.customerId);
    return c.json(await present(getDb(c.env.DB), after), 200);
  },
);

migrationsRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/migrations/{id}/storage',
    tags: TAGS,
    summary: 'Where the customer’s data is, with a short-lived credential (target provider, once deploying)',
    description: 'The credential is a JWT signed with the keys of /.well-known/jwks.json (`typ` storage+jwt), audience you, subject the migration.',
    allow: ['provider'],
    request: { params: IdParams },
    problems: [404, 409],
    responses: { 200: jsonResponse(StorageAccessSchema, 'Addresses and credential') },
  }),
  async (c) => {
    const me = c.get('principal');
    const m = await forParty(c.env, me, c.req.valid('param').id);
    if (m.targetProviderId !== me.id) throw problems.forbidden('Only the target provider gets access to the data.');
    const addresses = unwrap(await coordinatorFor(c.env, m.customerId).storageAddresses(m.id, me.id));
    return c.json({ migrationId: m.id, addresses, credential: await storageCredential(c.env, m.id, me.id, addresses) }, 200);
  },
);

migrationsRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/migrations/{id}/timeline',
    tags: TAGS,
    summary: 'The migration’s timeline: data migrated, platform B’s share of sessions and calls per platform over time (its parties)',
    description:
      'Kept by the customer’s coordinator from the migration’s start to its end, so a chart drawn from it shows the whole migration, finished ones included. At completion B holds 100 % of the sessions.',
    allow: ['customer', 'provider', 'operator'],
    request: { params: IdParams },
    problems: [404],
    responses: { 200: jsonResponse(TimelineSchema, 'The timeline') },
  }),
  async (c) => {
    const m = await forParty(c.env, c.get('principal'), c.req.valid('param').id);
    const points = unwrap(await coordinatorFor(c.env, m.customerId).timeline(m.id));
    return c.json({ migrationId: m.id, points: points.map(timelineView) }, 200);
  },
);

migrationsRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/migrations/{id}/tasks',
    tags: TAGS,
    summary: 'Deployment per server: the migration’s agent tasks (deploy and remove) and their states (its parties)',
    description:
      'The operator sees server ids and the agents’ last errors. The customer and the providers see each server as a hardware ID (scope server) minted for them by this request, so no permanent identifier leaves.',
    allow: ['customer', 'provider', 'operator'],
    request: { params: IdParams, query: PageQuery },
    problems: [404],
    responses: { 200: jsonResponse(pageSchema(MigrationTaskSchema), 'A page of tasks, oldest first') },
  }),
  async (c) => {
    const me = c.get('principal');
    const m = await forParty(c.env, me, c.req.valid('param').id);
    const view = async (rows: TaskRow[]) => {
      const ids =
        me.kind === 'operator'
          ? null
          : await mintHardwareIdsByUnit(
              c.env,
              getDb(c.env.DB),
              { customerId: m.customerId, requesterId: me.id, scope: 'server', audience: [me.id], ttlSeconds: HWID_TTL_DEFAULT_S, maxUses: HWID_MAX_USES_DEFAULT },
              [...new Set(rows.map((t) => t.server_id))],
            );
      return rows.map((t) => {
        const payload = JSON.parse(t.payload) as TaskPayload;
        const where = ids ? { hardwareId: ids.get(t.server_id)! } : { serverId: t.server_id, lastError: t.last_error };
        return {
          id: t.id,
          kind: t.kind,
          ...where,
          platformId: payload.platformId,
          modules: payload.modules.map(({ name, version }) => ({ name, version })),
          state: t.state,
          attempts: t.attempts,
          updatedAt: t.updated_at,
        };
      });
    };
    const list = async (_: object, limit: number, after: string | undefined) => unwrap(await coordinatorFor(c.env, m.customerId).migrationTasks(m.id, limit, after));
    return c.json(await listPage(c.req.valid('query'), list, (t) => cursorOf(t.created_at, t.id), view), 200);
  },
);

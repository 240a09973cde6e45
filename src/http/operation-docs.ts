/**
 * A description for every operation whose route does not carry one, and a request and response
 * example for each (taken from the local demo). Applied to the generated OpenAPI document; the tests
 * check that every operation ends up with both, that each key names an existing operation, and that
 * every example validates against the schema it illustrates, so they stay true to the code.
 */
import { analysis, catalogEntry, CUS, delivery, deploying, hardwareId, HWID, identity, issuedKey, MIG, migrating, migration, modules, page, paused, platform, platformBody, PLT_A, PLT_B, principal, properties, PRV_B, requested, sbc, serviceProfile, steer, T, traffic, usagePeriod } from './operation-examples';

export interface OperationDoc {
  description?: string;
  /** Examples of path or query parameters, by name. */
  parameters?: Record<string, unknown>;
  request?: unknown;
  response?: unknown;
}

export const OPERATION_DOCS: Record<string, OperationDoc> = {
  'GET /sbc/{customerId}/{path}': sbc,
  'POST /sbc/{customerId}/{path}': sbc,
  'PUT /sbc/{customerId}/{path}': sbc,
  'PATCH /sbc/{customerId}/{path}': sbc,
  'DELETE /sbc/{customerId}/{path}': sbc,
  'POST /v1/customers': {
    description: 'Registers a platform customer. The response carries its first API key, shown only this once: hand it to the customer over a secure channel.',
    request: { name: 'Acme Retail', organisation: 'Acme Retail GmbH', serviceLevel: 'standard' },
    response: { ...principal, apiKey: issuedKey },
  },
  'GET /v1/customers': { response: page({ ...principal, createdAt: T }, 'Y3VzXzI5RUZjbWl3V19COVJyUzI') },
  'POST /v1/providers': {
    description: 'Registers a platform provider. The response carries its first API key and its Standard Webhooks signing secret (`whsec_…`), each shown only this once.',
    request: { name: 'Atlas Enterprise', organisation: 'Atlas Enterprise Cloud AG', serviceLevel: 'enterprise' },
    response: { ...principal, id: PRV_B, kind: 'provider', name: 'Atlas Enterprise', organisation: 'Atlas Enterprise Cloud AG', apiKey: { ...issuedKey, key: 'inp_prv_zOC65hdxumKxbONjdUhKzmcDvWDisScorvhJDhArW6s' }, webhookSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  },
  'GET /v1/providers': { response: page({ ...principal, id: PRV_B, kind: 'provider', name: 'Atlas Enterprise', organisation: 'Atlas Enterprise Cloud AG', createdAt: T }) },
  'GET /v1/account': {
    description: 'Who the key belongs to: principal, kind, organisation and service level, and which of its keys made this call.',
    response: { ...principal, serverId: null, createdAt: T, keyId: issuedKey.id },
  },
  'GET /v1/account/usage': {
    response: {
      principalId: CUS,
      currency: 'EUR',
      from: '2026-10-01',
      to: '2026-12-01',
      prices: [
        { operation: 'hardware-ids', unit: 'request', unitPriceMicros: 2000, unitPrice: '0.002000' },
        { operation: 'compatibility-checks', unit: 'check', unitPriceMicros: 1000, unitPrice: '0.001000' },
        { operation: 'migrations', unit: 'migration', unitPriceMicros: 25_000_000, unitPrice: '25.000000' },
        { operation: 'sbc-calls', unit: 'call', unitPriceMicros: 2, unitPrice: '0.000002' },
      ],
      daily: [usagePeriod('2026-12-01')],
      monthly: [usagePeriod('2026-12')],
      totalMicros: 25_008_000,
      total: '25.008000',
    },
  },
  'POST /v1/api-keys': {
    description: 'A new key for yourself (at most a bounded number live at once), shown only in this response. The operator passes `agentFor` to mint the key of the agent on that server instead.',
    request: { name: 'ci pipeline' },
    response: { ...issuedKey, id: 'key_Zt1pLwYq3vN0cR8m', name: 'ci pipeline', hint: 'x70s', key: 'inp_cus_q9Vt2mXbR4sT0aHc7hQm2vX9bR4sT0aHcLpWk3x70s', principalId: CUS },
  },
  'GET /v1/api-keys': {
    description: 'Every key you have minted, live or revoked, with its last four characters; never a key itself.',
    response: { items: [{ id: issuedKey.id, name: 'first key', hint: 'Dmbg', createdAt: T, revokedAt: null }] },
  },
  'DELETE /v1/api-keys/{id}': {
    description: 'Revokes one of your keys at once (within seconds in every isolate). The bootstrap operator key is rotated through its Worker secret instead.',
    parameters: { id: 'key_Zt1pLwYq3vN0cR8m' },
  },
  'PUT /v1/inventory': {
    description:
      'Idempotent upsert of sites, rows, racks and servers (each with identity, properties and optional capacity), all or nothing. Servers whose properties or capacity changed are re-evaluated against every platform at once.',
    request: {
      sites: [{ id: 'fra1', name: 'Frankfurt 1', region: 'eu-central' }],
      rows: [{ id: 'fra1-row001', siteId: 'fra1', name: 'Row 1' }],
      racks: [{ id: 'fra1-row001-rack01', rowId: 'fra1-row001', name: 'Rack 1' }],
      servers: [{ id: 'fra1-row001-rack01-srv01', rackId: 'fra1-row001-rack01', identity, properties, capacity: { coresAllocated: 8, memoryAllocatedGib: 32 } }],
    },
    response: { sites: { received: 1, changed: 1 }, rows: { received: 1, changed: 1 }, racks: { received: 1, changed: 1 }, servers: { received: 1, changed: 1 } },
  },
  'GET /v1/inventory/units': {
    description:
      'The sites, rows or racks already recorded (one kind per call), each exactly as `PUT /v1/inventory` takes it, in id order: an importer compares them with its source to report what an upsert would change.',
    parameters: { kind: 'rack' },
    response: page({ id: 'fra1-row001-rack01', rowId: 'fra1-row001', name: 'Rack 1' }),
  },
  'GET /v1/inventory/servers': {
    description: 'Servers with their permanent identity (serial, MAC, addresses), properties and capacity, by id; filter by site, row or rack. The operator’s view only: nothing here ever leaves in a hardware ID.',
    response: page(
      {
        id: 'fra1-row001-rack01-srv01',
        siteId: 'fra1',
        rowId: 'fra1-row001',
        rackId: 'fra1-row001-rack01',
        identity,
        properties: { ...properties, privateNetworkId: 'pn-fra1' },
        capacity: { cores: 64, coresAllocated: 8, memoryGib: 512, memoryAllocatedGib: 32 },
        updatedAt: T,
      },
      'ZnJhMS1yb3cwMDEtcmFjazAxLXNydjAx',
    ),
  },
  'PUT /v1/placements': {
    description: 'Records which customer’s data sits on which server, under which platform, at which storage address, with the cores and memory it takes (upsert and remove, all or nothing).',
    request: { placements: [{ customerId: CUS, serverId: 'fra1-row001-rack01-srv01', platformId: PLT_A, storageAddress: 'iscsi://100.64.0.25:3260/iqn.2026-01.inplace:vol1', cores: 8, memoryGib: 32 }] },
    response: { upserted: 1, removed: 0 },
  },
  'GET /v1/placements': {
    description: 'Placements by customer and server; filter by customer or server.',
    response: page({ customerId: CUS, serverId: 'fra1-row001-rack01-srv01', platformId: PLT_A, storageAddress: 'iscsi://100.64.0.25:3260/iqn.2026-01.inplace:vol1', cores: 8, memoryGib: 32, updatedAt: T }),
  },
  'POST /v1/platforms': {
    description: 'Publishes a platform: requirements the hardware must meet, deployable modules (artifact URL and sha256), service profile and the upstream the SBC sends end users to. The whole inventory is evaluated against it before the answer.',
    request: platformBody,
    response: platform,
  },
  'GET /v1/platforms': { description: 'Every published platform with the name of its provider, by id; filter by provider.', response: page(catalogEntry) },
  'PATCH /v1/platforms/{id}': {
    description: 'Changes fields of one of your platforms; the revision goes up. New requirements re-evaluate the inventory and may emit `compatibility.revoked`.',
    request: { upstreamUrl: 'https://atlas.example/ingress-v2' },
    response: { ...platform, upstreamUrl: 'https://atlas.example/ingress-v2', revision: 2 },
  },
  'GET /v1/platforms/{id}': { description: 'One platform of the catalog, with its provider’s name.', response: catalogEntry },
  'GET /v1/customers/{customerId}/mip-list': {
    description:
      'Every platform but the current one, with the narrowest scope (server, rack, row, site) at which the customer can move to it without its data leaving that unit, coverage per scope, an estimated monthly price, ranked; the others with their top reasons. Read from the materialised compatibility table (`fresh: false` while it catches up). A platform whose requirements would set fewer than K servers of a data center apart is not answered there (its placements there have no compatible home as far as the list tells, and the first reason says so); an entry unavailable only for that reads `withheld: true`, which is not a denial.',
    response: {
      customerId: CUS,
      scope: 'rack',
      currentPlatformId: PLT_A,
      placements: 8,
      available: [
        {
          platformId: PLT_B,
          name: 'Atlas Confidential Cloud',
          providerId: PRV_B,
          available: true,
          withheld: false,
          narrowestScope: 'server',
          coverage: { placements: 8, server: 8, rack: 8, row: 8, site: 8 },
          preferenceFit: 0,
          serviceProfile,
          estimatedMonthlyPrice: { currency: 'EUR', amount: 3652 },
          fresh: true,
          reasons: [],
        },
      ],
      unavailable: [
        {
          platformId: 'plt_TGxyxTCyFn0vYbJc',
          name: 'Meridian Storefront Edge',
          providerId: 'prv_K2Sqbt2cD3zViusD',
          available: false,
          withheld: false,
          narrowestScope: null,
          coverage: { placements: 8, server: 0, rack: 0, row: 0, site: 0 },
          preferenceFit: null,
          serviceProfile: { ...serviceProfile, supportLevel: 'business', multiSite: false, consulting: false, focus: ['low-latency'] },
          estimatedMonthlyPrice: { currency: 'EUR', amount: 1240 },
          fresh: true,
          reasons: [{ reason: 'storage kind is not nvme', placements: 8 }],
        },
      ],
    },
  },
  'POST /v1/compatibility': {
    request: { hardwareIds: [HWID], platformId: PLT_B, include: ['properties'] },
    response: {
      platformId: PLT_B,
      results: [{ index: 0, scope: 'server', approved: true, withheld: false, servers: { total: { min: 1, max: 2 }, approved: { min: 1, max: 2 } }, reasons: [], fresh: true, properties: { ...properties, free: { cores: { min: 32, max: 64 }, memoryGib: { min: 256, max: null } } } }],
    },
  },
  'POST /v1/compatibility/rebuild': {
    description: 'Queues a full rebuild of the materialised compatibility table, in pages of servers on the recompute queue, and answers at once (202); answers read `fresh: false` until it has caught up.',
    request: {},
    response: { servers: 200, pages: 1 },
  },
  'GET /v1/compatibility/status': {
    description: 'Whether every answer is fresh, how many servers wait for recomputation, and per platform the revision to compute, the one computed and the current pass’s pages.',
    response: { fresh: false, serversBehind: 0, sitesPending: 2, platforms: [{ platformId: PLT_B, revision: 2, computedRevision: 1, passRevision: 2, passStartedAt: T, pages: { total: 4, done: 1 }, fresh: false }] },
  },
  'PUT /v1/providers/me/webhook': {
    request: { url: 'https://hooks.atlas.example/inplace' },
    response: { url: 'https://hooks.atlas.example/inplace', disabledAt: null, previousSecretExpiresAt: T + 86_400_000, secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' },
  },
  'GET /v1/providers/me/webhook': {
    description: 'Where your webhooks go, whether the endpoint was disabled (it answered 410), and until when the previous secret still signs. Never the secret.',
    response: { url: 'https://hooks.atlas.example/inplace', disabledAt: null, previousSecretExpiresAt: null },
  },
  'GET /v1/webhook-deliveries': {
    description: 'Every delivery of an event to your endpoint, newest first, with its state, attempts and the last answer; filter by event type, state and migration, and page with `cursor`.',
    response: page(delivery, 'MTc5NjE2MzYyODI3OApkbHZfdWNjQU80RUNxT0s4QWlRWA'),
  },
  'POST /v1/webhook-deliveries/{id}/redeliver': {
    description: 'Queues the same message again (same `webhook-id` and body, so receivers dedupe it) as a new delivery in the log.',
    response: { id: 'dlv_N0cR8mZt1pLwYq3v', eventId: delivery.eventId, state: 'pending' },
  },
  'POST /v1/hardware-ids': { request: { scope: 'server', audience: [PRV_B], ttlSeconds: 600, maxUses: 3 }, response: { items: [hardwareId] } },
  'POST /v1/hardware-ids/verify': { request: { hardwareIds: [HWID] }, response: { items: [{ scope: 'server', expiresAt: T + 600_000, usesLeft: 2 }] } },
  'POST /v1/hardware-ids/revoke': {
    description: 'Revokes the listed IDs (each must be yours: about your data, or minted by you), or with `all: true` every live ID you own. A revoked ID is refused everywhere at once.',
    request: { hardwareIds: [HWID] },
    response: { revoked: 1 },
  },
  'POST /v1/hardware-ids/discover': { request: { address: '10.0.0.25', ttlSeconds: 600, maxUses: 1 }, response: { ...hardwareId, usesLeft: 1 } },
  'GET /.well-known/jwks.json': { response: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'xCVQ6KaJWyFL7KtWX7hyir6aIeB6sy8mVRY-p7FP5ME', kid: 'hwid-2026-12-01-0ad80017', alg: 'EdDSA', use: 'sig' }] } },
  'POST /v1/agent/report': {
    request: { identity: { serial: identity.serial, mac: identity.mac, dom0Ip: identity.dom0Ip }, properties: { memoryGib: 512, traits: ['sev-snp', 'avx512'] } },
    response: { identity: { matches: true, mismatched: [] }, properties: { applied: true, changed: ['memoryGib'], overAllocated: [] } },
  },
  'GET /v1/agent/flags': {
    description: 'Identities agents observed that differ from the inventory (serial, MAC, addresses): each is a flag for the operator and was never written.',
    response: page({ id: 'flg_3vN0cR8mZt1pLwYq', serverId: 'fra1-row001-rack01-srv01', field: 'mac', recorded: identity.mac, observed: '02:1b:00:00:19:2b', reports: 3, firstSeenAt: T, lastSeenAt: T + 900_000 }),
  },
  'POST /v1/migrations': {
    request: { customerId: CUS, targetPlatformId: PLT_B, scope: 'server' },
    response: migration('awaiting_consent', requested),
  },
  'GET /v1/migrations': { description: 'The migrations you are a party of (customer, source or target provider; the operator sees all), newest first; filter by state and customer.', response: page(migrating) },
  'GET /v1/migrations/{id}': { description: 'One migration with its state, progress, deployment per task state and every transition (who, when, from, to).', response: migrating },
  'POST /v1/migrations/{id}/accept': steer('The target provider accepts a customer-started migration: deployment of its modules begins.', deploying),
  'POST /v1/migrations/{id}/approve': steer('The customer approves a provider-started migration: deployment begins.', deploying),
  'POST /v1/migrations/{id}/pause': steer('Holds a deploying or migrating migration (and a traffic schedule’s clock).', paused),
  'POST /v1/migrations/{id}/resume': steer('Returns a paused migration to the state it was paused in.', deploying),
  'POST /v1/migrations/{id}/rollback': steer('Leaves everything on platform A: every session goes back to A, and the migration ends rolled back.', {
    ...migrating,
    state: 'rolled_back',
  }),
  'POST /v1/migrations/{id}/cancel': steer('Stops a migration before any data moved (requested, awaiting consent, deploying, or paused while deploying); it is not billed.', {
    ...deploying,
    state: 'cancelled',
  }),
  'GET /v1/migrations/{id}/analysis': { response: analysis },
  'PUT /v1/migrations/{id}/analysis': { request: { threshold: 0.05, windowSeconds: 60, minCalls: 50, minClients: 20, action: 'pause' }, response: { ...analysis, settings: { ...analysis.settings, action: 'pause' }, defaults: false, setBy: { id: CUS, kind: 'customer' }, setAt: T } },
  'POST /v1/migrations/{id}/progress': { request: { segmentsDone: 3, segmentsTotal: 8 }, response: migrating },
  'GET /v1/migrations/{id}/storage': {
    response: { migrationId: MIG, addresses: ['iscsi://100.64.0.25:3260/iqn.2026-01.inplace:vol1'], credential: { token: HWID, type: 'Bearer', expiresAt: T + 900_000 } },
  },
  'GET /v1/agent/tasks': {
    response: {
      items: [
        {
          id: 'tsk_Yq3vN0cR8mZt1pLw',
          kind: 'deploy_platform_modules',
          attempt: 1,
          leaseExpiresAt: T + 300_000,
          payload: { kind: 'deploy_platform_modules', migrationId: MIG, platformId: PLT_B, modules, storageAddress: 'iscsi://100.64.0.25:3260/iqn.2026-01.inplace:vol1' },
        },
      ],
    },
  },
  'GET /v1/migrations/{id}/tasks': {
    response: page({ id: 'tsk_Yq3vN0cR8mZt1pLw', kind: 'deploy_platform_modules', hardwareId: HWID, platformId: PLT_B, modules: [{ name: 'atlas-control', version: '7.1.0' }], state: 'succeeded', attempts: 1, updatedAt: T }),
  },
  'POST /v1/agent/tasks/{id}/result': {
    description: 'The outcome of the attempt the agent holds. A failure is retried up to a bound; when every task of the migration succeeded, it starts migrating.',
    request: { attempt: 1, outcome: 'succeeded' },
    response: { id: 'tsk_Yq3vN0cR8mZt1pLw', state: 'succeeded', attempts: 1 },
  },
  'GET /v1/sbc/route': {
    description: 'The routing decision the SBC takes for one end-user session, as JSON, for an external SBC: side, platform, upstream, B’s weight, epoch and the session’s bucket.',
    response: { customerId: CUS, session: 'alice', side: 'B', platformId: PLT_B, upstreamUrl: 'https://atlas.example/ingress', weightB: 2500, epoch: 1, bucket: 1207 },
  },
  'GET /v1/customers/{customerId}/traffic': {
    description: 'The customer’s current split of end-user sessions between platforms A and B, what moves it (the data migrated, or a schedule), and per-platform request, error and upstream-failure counts over the current window and in total.',
    response: traffic,
  },
  'PUT /v1/customers/{customerId}/traffic/schedule': { request: { steps: [{ weight: 1, pauseSeconds: 300 }, { weight: 25, pauseSeconds: 900 }, { weight: 100, pauseSeconds: 300 }] }, response: traffic },
  'DELETE /v1/customers/{customerId}/traffic/schedule': { response: traffic },
  'POST /v1/customers/{customerId}/traffic/schedule/pause': { description: 'Holds the current step’s clock: B keeps its share until resumed.', response: traffic },
  'POST /v1/customers/{customerId}/traffic/schedule/resume': { description: 'Restarts the current step’s clock where it stopped.', response: traffic },
};

interface Operation {
  description?: string;
  parameters?: { name: string; example?: unknown }[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  responses?: Record<string, { content?: Record<string, { example?: unknown }> }>;
}

/** Adds the descriptions routes lack and the examples to the document's operations. */
export function withOperationDocs<T extends { paths?: object }>(doc: T): T {
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Record<string, Operation>][]) {
    for (const [method, op] of Object.entries(item)) {
      const docs = OPERATION_DOCS[`${method.toUpperCase()} ${path}`];
      if (!docs) continue;
      if (docs.description && !op.description) op.description = docs.description;
      for (const parameter of op.parameters ?? []) if (docs.parameters && parameter.name in docs.parameters) parameter.example = docs.parameters[parameter.name];
      const body = op.requestBody?.content?.['application/json'];
      if (body && docs.request !== undefined) body.example = docs.request;
      const ok = Object.entries(op.responses ?? {}).find(([status]) => status.startsWith('2'))?.[1]?.content?.['application/json'];
      if (ok && docs.response !== undefined) ok.example = docs.response;
    }
  }
  return doc;
}

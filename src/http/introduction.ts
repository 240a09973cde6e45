/** The OpenAPI document's introduction and its tags, each with what the group of operations is for. */

export const API_INTRODUCTION = `Control plane for **migration in place**: a platform customer changes platform provider (PaaS) while its software and data stay on the hardware they already occupy.

**Who calls what.** Every \`/v1\` call carries \`Authorization: Bearer <api key>\`; a key belongs to one principal, and its prefix says which kind: the **operator** (\`inp_opr_\`, the infrastructure provider: inventory, placements, customers and providers), a **provider** (\`inp_prv_\`, a platform provider: platforms, compatibility, accepting and reporting migrations, webhooks), a **customer** (\`inp_cus_\`: its hardware as masked IDs, the migration-in-place list, starting and steering migrations) or an **agent** (\`inp_agt_\`, one server: reports and deployment tasks).

**The story in six calls.** The customer mints hardware IDs for provider B (\`POST /v1/hardware-ids\` with \`audience\`), hands them over, and B checks its platform against them (\`POST /v1/compatibility\` with \`hardwareIds\`). The customer reads where it can move without its data leaving a server, rack, row or site (\`GET /v1/customers/{customerId}/mip-list\`) and starts the migration (\`POST /v1/migrations\` with an \`Idempotency-Key\`). B accepts, reports progress, and end users' sessions move from platform A to B through the session border controller (\`GET /v1/customers/{customerId}/traffic\`). Both providers get every event as a signed webhook (see \`webhooks\`).

**Conventions.** One name per concept in every body (hardware IDs are always \`hardwareIds\`). Times are Unix epoch milliseconds unless a field says otherwise. Errors are \`application/problem+json\` (RFC 9457) with a stable \`type\` (\`urn:inplace:problem:<slug>\`), the request id and, for invalid input, one entry per failing field; nothing changes on an error. Lists are cursor-paginated: \`limit\` (1–500) and the previous page's \`nextCursor\` as \`cursor\`. Another tenant's objects answer 404.`;

export const API_TAGS = [
  { name: 'Principals', description: 'The operator registers and lists customers and platform providers; registration shows the first API key (and a provider’s webhook secret) once.' },
  { name: 'API keys', description: 'Mint, list and revoke your own keys; the operator also mints the key of a server’s agent. Keys are shown once and stored only as hashes.' },
  { name: 'Account', description: 'Who you are, your service level, and your usage priced per UTC day and month.' },
  { name: 'Inventory', description: 'The operator’s hardware: sites → rows → racks → servers with properties and capacity, and which customer’s data sits on which server under which platform.' },
  { name: 'Catalog', description: 'Platforms published by providers: requirements, deployable modules, service profile and upstream endpoint. Readable by every principal.' },
  { name: 'Hardware IDs', description: 'Masked, limited-use, audience-bound IDs (signed JWTs) standing for the servers, racks, rows and sites that hold a customer’s data; never a permanent identifier.' },
  { name: 'Compatibility', description: 'Does a platform fit this hardware? Verdicts with a reason per failed requirement, and the migration-in-place list: where a customer can move without its data leaving a unit.' },
  { name: 'Migrations', description: 'Start a migration in place, consent to it, deploy platform B through agents, report progress, pause, resume, roll back, cancel; every transition is recorded and sent as a webhook.' },
  { name: 'Agents', description: 'The program on each server: reports what it observes (identity mismatches become flags for the operator) and leases deployment tasks.' },
  { name: 'Session border controller', description: 'End users’ calls go through the SBC, which sends a growing, sticky share of sessions to platform B and rolls back by itself when B fails; the split, its schedule and routing decisions.' },
  { name: 'Webhooks', description: 'Your webhook endpoint and signing secret, the delivery log (filtered and paginated) and redelivery. The events themselves are documented under `webhooks`.' },
];

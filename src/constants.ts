/** Every limit and policy number of the service, in one place. */

/** Longest URL a provider may supply (webhook, upstream, artifact). */
export const URL_MAX_CHARS = 2000;

/** Largest request body accepted by the JSON API (/v1), in bytes. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Largest body of every other route but the SBC proxy: console forms (a sign-in key, a few fields). */
export const FORM_MAX_BODY_BYTES = 16 * 1024;

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;

/** Random bytes in an API key (before encoding). */
export const API_KEY_BYTES = 32;
/** Keys per principal that may be live at once. */
export const MAX_LIVE_KEYS_PER_PRINCIPAL = 20;

/** Random bytes in a webhook secret (Standard Webhooks asks for 24 to 64). */
export const WEBHOOK_SECRET_BYTES = 32;

/** Largest inventory upsert, per kind of unit. */
export const MAX_INVENTORY_SERVERS = 5000;
export const MAX_INVENTORY_UNITS = 2000;
export const MAX_PLACEMENTS_PER_REQUEST = 5000;

/** D1 refuses statements with more than 100 bound parameters. */
export const D1_MAX_PARAMS = 100;

/**
 * How long one isolate trusts a key lookup before asking D1 again. Bounds how long a key revoked
 * in another isolate keeps working; the isolate that revokes forgets it at once.
 */
export const AUTH_CACHE_TTL_MS = 10_000;
/** How long a customer's coordinator holds a start the Worker is preparing, refusing others (409). */
export const START_RESERVATION_MS = 30_000;
export const AUTH_CACHE_MAX_ENTRIES = 10_000;

/** Webhooks. A rotated-out secret keeps signing (beside the new one) for this long. */
export const WEBHOOK_ROTATION_OVERLAP_MS = 24 * 3600_000;

/** One delivery attempt gives up after this long. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** An attempt in flight holds its delivery this long; after that (a crash) the delivery is due again. */
export const WEBHOOK_ATTEMPT_LEASE_MS = WEBHOOK_TIMEOUT_MS + 30_000;
/** Attempts per delivery before it is marked failed (redeliver starts a new one). */
export const WEBHOOK_MAX_ATTEMPTS = 8;
/** Backoff before attempt n+1: min(max, base·2^(n-1)), scaled by a random factor in [0.5, 1). */
export const WEBHOOK_BACKOFF_BASE_MS = 10_000;
export const WEBHOOK_BACKOFF_MAX_MS = 6 * 3600_000;
/** A receiver's Retry-After is honoured up to this long. */
export const WEBHOOK_RETRY_AFTER_MAX_MS = 24 * 3600_000;
/** Deliveries one coordinator attempts per alarm run (the rest wait for the next run). */
export const WEBHOOK_DELIVERIES_PER_RUN = 25;

/** Compatibility: servers evaluated per page of a platform pass, a rebuild step or a unit scan. */
export const COMPAT_PAGE_SERVERS = 2000;
/** Largest free-capacity frontier kept per platform and unit (more points: evenly thinned). */
export const COMPAT_FRONTIER_MAX = 32;
/** Reasons shown per unavailable platform in a MIP list, and per denied unit. */
export const COMPAT_TOP_REASONS = 5;
/** Held revocations (compatibility.revoked, waiting for their data center's census) read per step of their release. */
export const COMPAT_FLIPS_PER_RELEASE = 2000;
/** Cron: stale servers and stale units recomputed per run, and platform passes per run. */
export const COMPAT_CRON_SERVERS = 2000;
export const COMPAT_CRON_UNITS = 500;
export const COMPAT_CRON_PLATFORMS = 2;
/** The cron re-sends a pass's missing pages, and re-enqueues changed servers, after this long. */
export const COMPAT_PASS_REPAIR_MS = 2 * 60_000;
/** The operator's status counts servers awaiting a recompute up to this many. */
export const COMPAT_STATUS_MAX_SERVERS = 10_000;
/** One `sendBatch` call: Cloudflare Queues accepts 100 messages and 256 KB (kept below, for overhead). */
export const QUEUE_SEND_MAX_MESSAGES = 100;
export const QUEUE_SEND_MAX_BYTES = 200_000;
/** Server ids per recompute message (each message stays far below the 128 KB limit). */
export const COMPAT_QUEUE_SERVERS = 1000;
/** A MIP answer a reader computed travels to the queue in its message up to this size (messages stop at 128 KB); a bigger one is computed again there. */
export const MIP_ANSWER_MESSAGE_MAX_BYTES = 100 * 1024;
/** Bound on a JSON parameter of one bulk statement (D1 rows and strings stop at 2 MB). */
export const COMPAT_MAX_JSON_PARAM = 512 * 1024;

/** Hardware IDs (masked, limited-use JWTs). */
export const HWID_TTL_DEFAULT_S = 900;
export const HWID_TTL_MAX_S = 86_400;
export const HWID_MAX_USES_DEFAULT = 10;
export const HWID_MAX_USES_MAX = 1000;
/** Principals that may be named in one hardware ID's audience. */
export const HWID_MAX_AUDIENCE = 20;
/** Hardware IDs one request may present. */
export const HWID_MAX_PER_REQUEST = 100;
/** Longest string accepted as a hardware ID before any parsing. */
export const HWID_MAX_TOKEN_CHARS = 4096;
/** Clock skew tolerated on `exp`/`iat`, in seconds. */
export const HWID_CLOCK_SKEW_S = 30;
/** Random bytes in an alias (the JWT `sub`) and in a `jti`. */
export const HWID_RANDOM_BYTES = 16;
/** Aliases (and, separately, emptied grants) the cron deletes per statement once their grant expired (plus the skew). */
export const HWID_PURGE_BATCH = 5000;
/**
 * Purge statements per cron run (every 5 minutes): up to 100,000 aliases, 28.8 M a day, against the
 * capacity model's 10 M minted a day (10,000 customers × 1,000 IDs). One batch a run kept pace with
 * 1.44 M a day only, and the table grew by the rest.
 */
export const HWID_PURGE_BATCHES_PER_RUN = 20;
/** How long clients may cache /.well-known/jwks.json, in seconds (well below a rotation's overlap). */
export const JWKS_MAX_AGE_S = 300;

/**
 * Price table of the billable operations, in micro-euros per unit (1 EUR = 1,000,000), so every
 * sum is exact integer arithmetic. `batched` operations are too frequent for a D1 write each: their
 * counts wait in the isolate until the batch is due (see src/usage/recorder.ts).
 */
export const USAGE_CURRENCY = 'EUR';
export const USAGE_PRICES = {
  'hardware-ids': { unit: 'request', priceMicros: 2_000, batched: false },
  'compatibility-checks': { unit: 'check', priceMicros: 1_000, batched: false },
  migrations: { unit: 'migration', priceMicros: 25_000_000, batched: false },
  'sbc-calls': { unit: 'call', priceMicros: 2, batched: true },
} as const;
/** A batch of counts is written once its oldest count is this old… */
export const USAGE_FLUSH_INTERVAL_MS = 5_000;
/** …or once it holds this many (principal, day, operation) keys. */
export const USAGE_FLUSH_MAX_KEYS = 500;
/** Longest range one usage report covers, in days. */
export const USAGE_MAX_RANGE_DAYS = 366;
export const DAY_MS = 86_400_000;
/** A usage report waits at most this long for writes other requests of the isolate have in flight. */
export const USAGE_SETTLE_MAX_MS = 2_000;

/** Console sign-in lifetime (seconds); the API key behind it is checked on every request too. */
export const CONSOLE_SESSION_TTL_S = 8 * 60 * 60;
/** How often the console's live migration view polls, in milliseconds. */
export const CONSOLE_POLL_MS = 1_000;
/** A migration's timeline (the live chart's history) keeps at most this many points; older ones are thinned. */
export const TIMELINE_MAX_POINTS = 400;
/** With nothing else changed, a timeline point for the SBC's failure counts is added at most this often. */
export const TIMELINE_SAMPLE_MS = 5_000;
/** Servers one compatibility request may evaluate live (unit IDs with ad-hoc requirements or properties). */
export const COMPAT_LIVE_MAX_SERVERS = 20_000;


/** Agent deployment tasks: an agent holds a task this long before it is reclaimed and offered again. */
export const TASK_LEASE_MS = 10 * 60_000;
/** Attempts (leases) per task; a task that fails or times out this often fails its migration. */
export const TASK_MAX_ATTEMPTS = 3;
/** Tasks handed to one agent per poll. */
export const TASKS_PER_POLL = 10;

/** Migrations. Servers one migration may deploy to (one agent task each). */
export const MAX_MIGRATION_TARGETS = 2000;
/** An active migration with no transition or progress for this long is flagged `migration.stalled`. */
export const MIGRATION_STALL_AFTER_MS = 30 * 60_000;
/** When writing the D1 read model or the cutover fails, the coordinator's alarm retries after this. */
export const COORDINATOR_RETRY_MS = 30_000;
/** Automatic transitions one settle takes at most (deploying → migrating → cutting_over → completed). */
export const COORDINATOR_ADVANCE_STEPS = 4;
/** Rows per table a coordinator writes to the read model in one D1 batch. */
export const MIRROR_BATCH_ROWS = 50;
/** Batches one flush of the read models writes at most; what is left waits for the next settle or alarm. */
export const MIRROR_MAX_ROUNDS = 5;
/** Idempotency-Key records are kept this long (per caller). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** A request still `processing` after this long is presumed dead; a retry with the same key takes over. */
export const IDEMPOTENCY_LOCK_MS = 60_000;
export const IDEMPOTENCY_KEY_MAX_CHARS = 255;
/** Storage credentials handed to the target provider expire after this long. */
export const STORAGE_CREDENTIAL_TTL_S = 900;

/** Cron reconciliation, per run: coordinators nudged or checked, and records purged. */
export const RECONCILE_COORDINATORS_PER_RUN = 25;
export const RECONCILE_PURGE_PER_RUN = 500;
/** Outbox events (e.g. compatibility.revoked) handed to coordinators per run. */
export const RECONCILE_RELAY_PER_RUN = 500;
/** A pending delivery this far past due in the read model means its coordinator's alarm did not run. */
export const WEBHOOK_OVERDUE_AFTER_MS = 2 * 60_000;
/** The read-model repair also re-checks migrations that changed within this window. */
export const REPAIR_WINDOW_MS = 24 * 3600_000;
/** Session border controller. Weights are in basis points: 10,000 = every session on platform B. */
export const SBC_WEIGHT_SCALE = 10_000;
/** How long one isolate serves a customer's split before asking its coordinator again. */
export const SBC_SPLIT_TTL_MS = 1_000;
/** Customers' splits one isolate caches at most (past it the cache starts again). */
export const SBC_SPLIT_CACHE_MAX_ENTRIES = 50_000;
/** Past this age a cached split is not served at all (the call waits for a fresh one). */
export const SBC_SPLIT_MAX_STALE_MS = 10_000;
/** Per-isolate outcome counters are flushed to the coordinator at least this often... */
export const SBC_FLUSH_INTERVAL_MS = 1_000;
/** ...or once this many calls have been counted, whichever comes first. */
export const SBC_FLUSH_MAX_CALLS = 500;
/**
 * Analysis of B against A (canary against baseline), per migration; the customer or the operator
 * may change each setting within SBC_ANALYSIS_BOUNDS. B breaches when, over the window, its failure
 * rate exceeds A's by more than `threshold` (and significantly so), with at least `minCalls`
 * counted B outcomes and failures from at least `minClients` distinct clients and as many distinct
 * sessions. `action`: roll the migration back, or pause it (the providers get `migration.paused`).
 */
export const SBC_ANALYSIS_DEFAULTS = { threshold: 0.05, windowSeconds: 60, minCalls: 50, minClients: 20, action: 'rollback' } as const;
export const SBC_ANALYSIS_BOUNDS = {
  threshold: { min: 0.01, max: 0.5 },
  windowSeconds: { min: 30, max: 600 },
  minCalls: { min: 20, max: 100_000 },
  minClients: { min: 5, max: 10_000 },
} as const;
/** Outcomes one client (an IPv4 address or an IPv6 /64) adds to the analysis per side and window. */
export const SBC_CLIENT_MAX_OUTCOMES = 3;
/**
 * B must also beat A by this z-score (one-sided two-proportion test, ≈ 99 %) so that noise between
 * two samples of the same broken workload never counts as B's regression.
 */
export const SBC_CANARY_MIN_Z = 2.33;
/**
 * A's counted outcomes in the window needed to judge B against A (the z-test weighs how few they
 * are); with fewer (B near 100 %), B is judged against 0.
 */
export const SBC_BASELINE_MIN_CALLS = 20;
/** Outcome counts are kept in buckets of this length; analysis windows are whole buckets. */
export const SBC_BUCKET_MS = 10_000;
/** Length of the window shown as `window` by the traffic API. */
export const SBC_WINDOW_MS = 60_000;
/** Windows of raw counts kept per customer (older ones are dropped). */
export const SBC_WINDOWS_KEPT = 60;
/** Largest end-user request body the SBC streams to a platform (413 beyond, never B's failure). */
export const SBC_MAX_BODY_BYTES = 100 * 1024 * 1024;
/** Per-isolate caches of session buckets and client ids (cleared when full). */
export const SBC_IDENTITY_CACHE_MAX = 50_000;
/** Upstream calls give up after this long (answered 502, counted as a failure). */
export const SBC_UPSTREAM_TIMEOUT_MS = 30_000;
/** The session cookie the SBC sets when a caller sends no x-session-id. */
export const SBC_COOKIE = 'inplace_sbc';
export const SBC_COOKIE_MAX_AGE_S = 7 * 86_400;
/** Session cookies an isolate remembers as verified (about 150 bytes each); cleared when full. */
export const SBC_VERIFIED_COOKIES_MAX = 10_000;
/** With no migration under way, a coordinator re-reads the customer's platform A this often. */
export const SBC_A_REFRESH_MS = 60_000;
/** A traffic schedule (explicit steps of B's share, like canary steps) has at most this many steps… */
export const SBC_SCHEDULE_MAX_STEPS = 20;
/** …and each step holds its share at most this long before the next one. */
export const SBC_SCHEDULE_MAX_PAUSE_S = 24 * 3600;

/**
 * Cartography resistance (src/disclosure). Every server record released to a customer or provider
 * is shared by at least this many servers of the data center (k-anonymity)…
 */
export const DISCLOSE_K_SERVERS = 5;
/** …and every rack or row summary by at least this many racks or rows. */
export const DISCLOSE_K_UNITS = 3;
/**
 * The servers one queue message refreshes the released records and census of: whole sites, the
 * longest-waiting first, at least one (a site of 25,000 servers takes ~0.3 s; under workerd a
 * request waits for the running queue step, so a step stays short).
 */
export const DISCLOSE_REFRESH_SERVERS = 10_000;
/**
 * How many servers a rack, row or site has is released only as a band between two consecutive
 * bounds below (part of its k-anonymous summary); how many of them approve, or fail a requirement,
 * only relative to it: none, some, or all.
 */
export const UNIT_SERVERS_BANDS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
/**
 * Free capacity is released, and judged for released answers, only as a class: the band between
 * two consecutive bounds below (the last band is open). Requirements on a bound are judged exactly
 * as on the value; between two bounds, on the class's lower bound.
 */
export const FREE_CORES_BANDS = [0, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];
export const FREE_MEMORY_GIB_BANDS = [0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288];
/**
 * Hysteresis: a server keeps its class until its free capacity is beyond the band by more than
 * max(minimum, share × band width), so a neighbour's small allocation change rarely moves it.
 */
export const FREE_CLASS_MARGIN_SHARE = 0.25;
export const FREE_CORES_MARGIN_MIN = 4;
export const FREE_MEMORY_GIB_MARGIN_MIN = 16;

/** Vocabularies of server properties (inventory records them, platform requirements name them). */
export const CPU_ARCHES = ['x86_64', 'arm64'] as const;
export const STORAGE_KINDS = ['nvme', 'ssd', 'hdd'] as const;

/** Every limit and policy number of the service, in one place. */

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

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
export const AUTH_CACHE_MAX_ENTRIES = 10_000;

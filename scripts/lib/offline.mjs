// Imported first by every script that starts wrangler or Miniflare: local runs, the tests and the
// benchmarks stay on this machine. Wrangler sends no metrics, and Miniflare uses its placeholder
// `Request.cf` instead of fetching Cloudflare's (which, unreachable, it retries and reports each start).
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

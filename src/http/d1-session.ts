/**
 * Reads through D1's Sessions API, so that in production they can be served by read replicas.
 * A GET runs in a session that starts wherever D1 likes (`first-unconstrained`), or no older than
 * the bookmark the client sends back in `x-d1-bookmark` (read-your-writes across requests); the
 * response carries the session's latest bookmark. Everything below reads `c.env.DB` as usual.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { problems } from './problem';

const BOOKMARK_HEADER = 'x-d1-bookmark';
const BOOKMARK = /^[0-9A-Za-z-]{1,200}$/;

export const readSession = createMiddleware<AppEnv>(async (c, next) => {
  // Writes go to the primary; a request the Worker makes to itself inside a session stays in it.
  if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || !('withSession' in c.env.DB)) return next();
  const bookmark = c.req.header(BOOKMARK_HEADER);
  if (bookmark !== undefined && !BOOKMARK.test(bookmark)) throw problems.validation([{ field: `header.${BOOKMARK_HEADER}`, message: 'Not a D1 bookmark' }]);
  const session = c.env.DB.withSession(bookmark ?? 'first-unconstrained');
  // A session answers prepare() and batch() like the database (all drizzle and the stores use).
  c.env = { ...c.env, DB: session as unknown as D1Database };
  await next();
  const latest = session.getBookmark();
  if (latest) c.header(BOOKMARK_HEADER, latest);
});

/**
 * The one log line: JSON with `level`, `event`, the request id when a request caused it, and
 * counts, ids and reasons; never a key, secret, token or body.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export function log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}

/**
 * What a caught error says, fit for a log line: a database error by its cause only, since
 * drizzle's own message carries the SQL and its bound values.
 */
export function errorMessage(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  return String(cause instanceof Error ? cause.message : (err as Error)?.message);
}

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

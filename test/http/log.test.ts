import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderError } from '../../src/http/middleware';
import { errorMessage, log } from '../../src/lib/log';

describe('the one log line', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is JSON with the level, the event and the fields given', () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    log('warn', 'agent.over-allocation', { serverId: 'srv_1', fields: ['cores'] });
    log('error', 'read-model.flush-failed', { message: 'D1 unavailable' });
    expect(JSON.parse(String(out.mock.calls[0]![0]))).toEqual({ level: 'warn', event: 'agent.over-allocation', serverId: 'srv_1', fields: ['cores'] });
    expect(JSON.parse(String(err.mock.calls[0]![0]))).toEqual({ level: 'error', event: 'read-model.flush-failed', message: 'D1 unavailable' });
  });

  it('logs an unexpected error with the request id and the database’s own message, never the bound values', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const cause = new Error('D1_ERROR: UNIQUE constraint failed: api_keys.id');
    const failure = new Error('Failed query: insert into "api_keys" values (?, ?)\nparams: key_1,inp_cus_notInTheLogs', { cause });
    const res = renderError(failure, { req: { path: '/v1/api-keys' }, get: () => 'req-1' });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ type: 'urn:inplace:problem:internal', requestId: 'req-1' });
    const line = String(err.mock.calls[0]![0]);
    expect(JSON.parse(line)).toMatchObject({ level: 'error', event: 'request.failed', requestId: 'req-1', message: cause.message });
    expect(line).not.toContain('inp_cus_notInTheLogs');
  });

  it('gives a caught error’s message for a log line: a database error’s cause only, never the SQL or bound values', () => {
    const failure = new Error('Failed query: insert into "usage_daily" values (?, ?)\nparams: cus_1,inp_cus_notInTheLogs', { cause: new Error('D1_ERROR: no such table: usage_daily') });
    expect(errorMessage(failure)).toBe('D1_ERROR: no such table: usage_daily');
    expect(errorMessage(new Error('upstream timed out'))).toBe('upstream timed out');
  });
});

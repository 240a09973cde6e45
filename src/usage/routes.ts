import { authedRoute } from '../auth/route';
import { getPrincipal } from '../auth/store';
import { DAY_MS, USAGE_MAX_RANGE_DAYS } from '../constants';
import { getDb } from '../db';
import { createRouter, jsonResponse } from '../http/openapi';
import { problems } from '../http/problem';
import { bill, priceList } from './billing';
import { settleUsage, utcDay } from './recorder';
import { UsageQuery, UsageReport } from './schema';
import { usageBetween } from './store';

export const usageRouter = createRouter();

/** The default report: from the first day of the month two months ago, to today. */
function defaultRange(now: number): { from: string; to: string } {
  const d = new Date(now);
  return { from: utcDay(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 2, 1)), to: utcDay(now) };
}

usageRouter.openapi(
  authedRoute({
    method: 'get',
    path: '/v1/account/usage',
    tags: ['Account'],
    summary: 'Usage and billing history: counted operations per day and per month, priced',
    description: `Billable operations (hardware-ID requests, compatibility checks, migrations, SBC calls) counted per UTC day and priced from the price table. At most ${USAGE_MAX_RANGE_DAYS} days per report. SBC calls are counted in batches, so the last few seconds of calls may appear a little later.`,
    request: { query: UsageQuery },
    problems: [404],
    responses: { 200: jsonResponse(UsageReport, 'The report') },
  }),
  async (c) => {
    const me = c.get('principal');
    const query = c.req.valid('query');
    const range = { ...defaultRange(Date.now()), ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) };
    const days = (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS + 1;
    if (days < 1) throw problems.validation([{ field: 'query.from', message: 'must not be after `to`' }]);
    if (days > USAGE_MAX_RANGE_DAYS) throw problems.validation([{ field: 'query.from', message: `at most ${USAGE_MAX_RANGE_DAYS} days per report` }]);
    const db = getDb(c.env.DB);
    const principalId = query.principalId ?? me.id;
    if (principalId !== me.id) {
      if (me.kind !== 'operator') throw problems.forbidden('Only the operator reads another principal’s usage.');
      if (!(await getPrincipal(db, principalId))) throw problems.notFound('principal');
    }
    await settleUsage(c.env);
    const report = bill(await usageBetween(db, principalId, range.from, range.to));
    return c.json({ principalId, ...range, prices: priceList(), ...report }, 200);
  },
);

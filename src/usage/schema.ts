import { z } from '@hono/zod-openapi';
import { USAGE_PRICES } from '../constants';

const Operation = z.enum(Object.keys(USAGE_PRICES) as [keyof typeof USAGE_PRICES, ...(keyof typeof USAGE_PRICES)[]]);
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar day');

export const UsageQuery = z.object({
  from: Day.optional().openapi({ description: 'First day (UTC), inclusive. Default: the first day of the month two months ago.' }),
  to: Day.optional().openapi({ description: 'Last day (UTC), inclusive. Default: today.' }),
  principalId: z.string().max(100).optional().openapi({ description: 'Operator only: whose usage; default your own' }),
});

const Money = z.string().regex(/^-?\d+\.\d{6}$/).openapi({ description: 'Amount in the report currency, six decimals', example: '0.024000' });

const BillLine = z
  .object({
    operation: Operation,
    unit: z.string(),
    quantity: z.number().int(),
    unitPriceMicros: z.number().int().openapi({ description: 'Price of one unit in millionths of the currency' }),
    amountMicros: z.number().int(),
    amount: Money,
  })
  .openapi('UsageLine');

const BillPeriod = z
  .object({
    period: z.string().openapi({ description: 'A day (YYYY-MM-DD) or a month (YYYY-MM), UTC' }),
    lines: z.array(BillLine),
    totalMicros: z.number().int(),
    total: Money,
  })
  .openapi('UsagePeriod');

export const UsageReport = z
  .object({
    principalId: z.string(),
    currency: z.string().openapi({ example: 'EUR' }),
    from: z.string(),
    to: z.string(),
    prices: z.array(z.object({ operation: Operation, unit: z.string(), unitPriceMicros: z.number().int(), unitPrice: Money })),
    daily: z.array(BillPeriod).openapi({ description: 'One entry per day with usage, oldest first' }),
    monthly: z.array(BillPeriod).openapi({ description: 'One entry per month with usage, oldest first' }),
    totalMicros: z.number().int(),
    total: Money,
  })
  .openapi('UsageReport');

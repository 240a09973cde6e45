/** Prices counted operations: daily and monthly lines from the price table, exact in micro-units. */
import { USAGE_CURRENCY, USAGE_PRICES } from '../constants';
import type { BillableOperation } from './recorder';
import type { UsageCount } from './store';

export interface BillLine {
  operation: BillableOperation;
  unit: string;
  quantity: number;
  unitPriceMicros: number;
  amountMicros: number;
  /** `amountMicros` as a decimal string in the currency, e.g. "0.024000". */
  amount: string;
}

export interface BillPeriod {
  period: string;
  lines: BillLine[];
  totalMicros: number;
  total: string;
}

export function formatMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, '0')}`;
}

function isBillable(operation: string): operation is BillableOperation {
  return Object.hasOwn(USAGE_PRICES, operation);
}

/** The unit price of an operation; 0 for one no longer in the price table. */
export function unitPriceMicros(operation: string): number {
  return isBillable(operation) ? USAGE_PRICES[operation].priceMicros : 0;
}

function line(operation: BillableOperation, quantity: number): BillLine {
  const { unit, priceMicros } = USAGE_PRICES[operation];
  const amountMicros = quantity * priceMicros;
  return { operation, unit, quantity, unitPriceMicros: priceMicros, amountMicros, amount: formatMicros(amountMicros) };
}

/** Groups counts by `periodOf(day)`, one line per operation per period, periods in order. */
function periods(counts: UsageCount[], periodOf: (day: string) => string): BillPeriod[] {
  const byPeriod = new Map<string, Map<BillableOperation, number>>();
  for (const c of counts) {
    if (!isBillable(c.operation)) continue;
    const period = periodOf(c.day);
    const ops = byPeriod.get(period) ?? new Map<BillableOperation, number>();
    ops.set(c.operation, (ops.get(c.operation) ?? 0) + c.count);
    byPeriod.set(period, ops);
  }
  return [...byPeriod.keys()].sort().map((period) => {
    const ops = byPeriod.get(period) ?? new Map();
    const lines = [...ops.keys()].sort().map((op) => line(op, ops.get(op) ?? 0));
    const totalMicros = lines.reduce((sum, l) => sum + l.amountMicros, 0);
    return { period, lines, totalMicros, total: formatMicros(totalMicros) };
  });
}

export function bill(counts: UsageCount[]) {
  const daily = periods(counts, (day) => day);
  const monthly = periods(counts, (day) => day.slice(0, 7));
  const totalMicros = monthly.reduce((sum, m) => sum + m.totalMicros, 0);
  return { currency: USAGE_CURRENCY, daily, monthly, totalMicros, total: formatMicros(totalMicros) };
}

export function priceList() {
  return (Object.keys(USAGE_PRICES) as BillableOperation[]).map((operation) => {
    const { unit, priceMicros } = USAGE_PRICES[operation];
    return { operation, unit, unitPriceMicros: priceMicros, unitPrice: formatMicros(priceMicros) };
  });
}

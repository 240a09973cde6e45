/**
 * Usage as bar charts drawn on the server: one bar per day or month of the range (empty ones
 * included), stacked by billable operation, in the report's currency. Inline SVG, no script and
 * nothing from another origin; each segment says what it counts in its tooltip.
 */
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { UsageReport } from '../usage/schema';
import { money } from './layout';

type Report = z.infer<typeof UsageReport>;
type Period = Report['monthly'][number];

const COLORS = ['#2458d6', '#17803d', '#b7791f', '#8e44ad', '#c0262d', '#0f8b8d'];
const W = 760;
const H = 220;
const L = 60;
const R = 12;
const T = 12;
const B = 34;

/** Every day (YYYY-MM-DD) or month (YYYY-MM) from `from` to `to`, UTC. */
export function periodsBetween(from: string, to: string, unit: 'day' | 'month'): string[] {
  const out: string[] = [];
  const at = new Date(`${unit === 'day' ? from : `${from.slice(0, 7)}-01`}T00:00:00Z`);
  const end = unit === 'day' ? to : to.slice(0, 7);
  for (;;) {
    const key = at.toISOString().slice(0, unit === 'day' ? 10 : 7);
    if (key > end) return out;
    out.push(key);
    if (unit === 'day') at.setUTCDate(at.getUTCDate() + 1);
    else at.setUTCMonth(at.getUTCMonth() + 1);
  }
}

/** A round axis maximum at or above `micros`: 1, 2 or 5 times a power of ten. */
function niceMax(micros: number): number {
  if (micros <= 0) return 10_000;
  const power = 10 ** Math.floor(Math.log10(micros));
  return ([1, 2, 5, 10].map((m) => m * power).find((v) => v >= micros) ?? 10 * power);
}

export const UsageBars: FC<{ report: Report; unit: 'day' | 'month' }> = ({ report, unit }) => {
  const periods = periodsBetween(report.from, report.to, unit);
  const byPeriod = new Map<string, Period>((unit === 'day' ? report.daily : report.monthly).map((p) => [p.period, p]));
  const color = new Map(report.prices.map((p, i) => [p.operation, COLORS[i % COLORS.length]!]));
  const max = niceMax(Math.max(0, ...periods.map((p) => byPeriod.get(p)?.totalMicros ?? 0)));
  const pw = W - L - R;
  const ph = H - T - B;
  const slot = pw / Math.max(1, periods.length);
  const bar = Math.max(1, Math.min(48, slot * 0.72));
  const y = (micros: number) => T + ph - (micros / max) * ph;
  const every = Math.max(1, Math.ceil(periods.length / 12));
  return (
    <figure class="bars" data-chart={unit}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Amount billed per ${unit}, by operation`}>
        {[0, 0.5, 1].map((f) => (
          <>
            <line x1={L} x2={W - R} y1={y(max * f)} y2={y(max * f)} class="axis" />
            <text x={L - 6} y={y(max * f) + 4} text-anchor="end">
              {money(Math.round(max * f))}
            </text>
          </>
        ))}
        {periods.map((period, i) => {
          const x = L + i * slot + (slot - bar) / 2;
          let base = 0;
          return (
            <g data-period={period} data-total={String(byPeriod.get(period)?.totalMicros ?? 0)}>
              {(byPeriod.get(period)?.lines ?? []).map((line) => {
                const top = y(base + line.amountMicros);
                const height = y(base) - top;
                base += line.amountMicros;
                return (
                  <rect x={x.toFixed(1)} y={top.toFixed(1)} width={bar.toFixed(1)} height={Math.max(line.amountMicros > 0 ? 1 : 0, height).toFixed(1)} fill={color.get(line.operation)} data-operation={line.operation} data-quantity={String(line.quantity)}>
                    <title>{`${period} · ${line.operation}: ${line.quantity.toLocaleString('en')} × ${money(line.unitPriceMicros)} = ${money(line.amountMicros)} ${report.currency}`}</title>
                  </rect>
                );
              })}
              {i % every === 0 ? (
                <text x={(x + bar / 2).toFixed(1)} y={H - 14} text-anchor="middle">
                  {unit === 'day' ? period.slice(5) : period}
                </text>
              ) : null}
            </g>
          );
        })}
        <text x={L} y={H - 2}>
          {report.currency}
        </text>
      </svg>
      <figcaption class="legend">
        {report.prices.map((p) => (
          <span data-price={p.operation}>
            <svg class="swatch" viewBox="0 0 12 12" aria-hidden="true">
              <rect width="12" height="12" rx="2" fill={color.get(p.operation)} />
            </svg>
            {`${p.operation} · ${money(p.unitPriceMicros)} ${report.currency} per ${p.unit}`}
          </span>
        ))}
      </figcaption>
    </figure>
  );
};

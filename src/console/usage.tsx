/** Usage and billing history, for every kind of principal, from GET /v1/account/usage. */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { z } from '@hono/zod-openapi';
import type { UsageReport } from '../usage/schema';
import type { ConsoleEnv } from './context';
import { Layout, money, Notice, Section } from './layout';
import { UsageBars } from './usage-chart';

type Report = z.infer<typeof UsageReport>;
type Period = Report['monthly'][number];

const PeriodTable: FC<{ periods: Period[]; label: string; currency: string }> = ({ periods, label, currency }) =>
  periods.length === 0 ? (
    <Notice>No billable operations in this range.</Notice>
  ) : (
    <table data-table={label.toLowerCase()}>
      <thead>
        <tr>
          <th>{label}</th>
          <th>Operation</th>
          <th class="num">Quantity</th>
          <th class="num">Unit price</th>
          <th class="num">{`Amount (${currency})`}</th>
        </tr>
      </thead>
      <tbody>
        {periods.flatMap((p) => [
          ...p.lines.map((l, i) => (
            <tr data-period={p.period} data-operation={l.operation} data-quantity={String(l.quantity)}>
              <td>{i === 0 ? p.period : ''}</td>
              <td>{l.operation}</td>
              <td class="num">{l.quantity.toLocaleString('en')}</td>
              <td class="num">{money(l.unitPriceMicros)}</td>
              <td class="num">{money(l.amountMicros)}</td>
            </tr>
          )),
          <tr class="subtotal">
            <td></td>
            <td class="muted">{`Total ${p.period}`}</td>
            <td></td>
            <td></td>
            <td class="num">
              <strong>{money(p.totalMicros)}</strong>
            </td>
          </tr>,
        ])}
      </tbody>
    </table>
  );

export const usagePages = new Hono<ConsoleEnv>();

usagePages.get('/usage', async (c) => {
  const { principal, csrf } = c.get('session');
  const params = new URLSearchParams();
  for (const name of ['from', 'to'] as const) {
    const v = c.req.query(name);
    if (v) params.set(name, v);
  }
  const report = await c.get('api').get<Report>(`/v1/account/usage${params.size ? `?${params}` : ''}`);
  return c.html(
    <Layout title="Usage & billing" principal={principal} csrf={csrf} path="/console/usage">
      <Section
        title={`${report.from} to ${report.to}`}
        aside={
          <form method="get" action="/console/usage" class="controls">
            <div>
              <label for="from">From</label>
              <input id="from" name="from" type="text" value={report.from} pattern="\d{4}-\d{2}-\d{2}" />
            </div>
            <div>
              <label for="to">To</label>
              <input id="to" name="to" type="text" value={report.to} pattern="\d{4}-\d{2}-\d{2}" />
            </div>
            <button type="submit" class="secondary">
              Show
            </button>
          </form>
        }
      >
        <p>
          Total for the range: <strong data-field="total">{`${money(report.totalMicros)} ${report.currency}`}</strong>
        </p>
      </Section>
      <Section title="By day">
        <UsageBars report={report} unit="day" />
      </Section>
      <Section title="By month">
        <UsageBars report={report} unit="month" />
      </Section>
      <Section title="Monthly">
        <PeriodTable periods={report.monthly} label="Month" currency={report.currency} />
      </Section>
      <Section title="Daily">
        <PeriodTable periods={[...report.daily].reverse()} label="Day" currency={report.currency} />
      </Section>
      <Section title="Price table">
        <table>
          <thead>
            <tr>
              <th>Operation</th>
              <th>Unit</th>
              <th class="num">{`Price (${report.currency})`}</th>
            </tr>
          </thead>
          <tbody>
            {report.prices.map((p) => (
              <tr>
                <td>{p.operation}</td>
                <td>{p.unit}</td>
                <td class="num">{money(p.unitPriceMicros)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted">SBC calls are counted in batches of a few seconds, so the latest calls can take a moment to appear.</p>
      </Section>
    </Layout>,
  );
});

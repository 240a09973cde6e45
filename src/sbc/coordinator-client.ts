/**
 * How the SBC reaches a customer's coordinator: one RPC per cache refresh or per outcome flush,
 * never per end-user call. The coordinator is addressed by the customer id from the path, which the
 * SBC only ever uses to read that customer's split and report that customer's outcomes.
 */
import type { Env } from '../env';
import type { OutcomeBatch, TrafficView } from './traffic-state';

export interface TrafficReport {
  view: TrafficView | null;
  totals: Record<string, { requests: number; errors: number; upstreamFailures: number; latencyMsSum: number }>;
  window: Record<string, { requests: number; errors: number; upstreamFailures: number; latencyMsSum: number }>;
}

export interface TrafficCoordinator {
  trafficView(customerId: string): Promise<TrafficView | null>;
  recordTraffic(customerId: string, batch: OutcomeBatch): Promise<{ rolledBack: boolean }>;
  trafficReport(customerId: string): Promise<TrafficReport>;
}

export function trafficCoordinator(env: Env, customerId: string): TrafficCoordinator {
  return env.COORDINATOR.get(env.COORDINATOR.idFromName(customerId)) as unknown as TrafficCoordinator;
}

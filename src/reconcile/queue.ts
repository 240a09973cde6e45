/**
 * The Worker's one queue (binding RECOMPUTE) carries compatibility's recompute messages and the
 * operator's "run reconciliation now": the console queues that request rather than running every
 * job inside its own request.
 */
import { consumeRecompute, type RecomputeMessage } from '../compatibility/queue';
import type { Env } from '../env';
import { reconcile } from './jobs';

export type ReconcileRequest = { kind: 'reconcile' };
export type QueueMessage = RecomputeMessage | ReconcileRequest;

const isReconcile = (m: Message<QueueMessage>): m is Message<ReconcileRequest> => m.body.kind === 'reconcile';

export async function consumeQueue(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  const requests = batch.messages.filter(isReconcile);
  const recompute = batch.messages.filter((m): m is Message<RecomputeMessage> => !isReconcile(m));
  // Requests that arrive together are one run: the jobs are bounded and safe to repeat, so a
  // second run right after the first would only repeat it. A job's failure is recorded, not thrown.
  if (requests.length > 0) {
    await reconcile(env, Date.now());
    for (const m of requests) m.ack();
  }
  if (recompute.length > 0) await consumeRecompute(recompute, env);
}

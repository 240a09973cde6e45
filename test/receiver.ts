import { inject } from 'vitest';

export interface ReceivedRequest {
  headers: Record<string, string>;
  body: string;
}

export interface ScriptStep {
  status?: number;
  headers?: Record<string, string>;
  /** Never answer (to exercise timeouts). */
  hang?: boolean;
}

let seq = 0;

/** A fresh inbox on the loopback receiver started by test/receiver.global.mjs. */
export async function receiver(script: ScriptStep[] = [], opts: { perMessage?: boolean } = {}) {
  const base = inject('receiverUrl');
  const name = `box${++seq}-${crypto.randomUUID().slice(0, 8)}`;
  const control = `${base}/control/${name}`;
  const program = async (steps: ScriptStep[]) => {
    const r = await fetch(control, { method: 'PUT', body: JSON.stringify({ script: steps, perMessage: opts.perMessage ?? false }) });
    if (r.status !== 204) throw new Error(`receiver control: ${r.status}`);
  };
  await program(script);
  return {
    url: `${base}/inbox/${name}`,
    program,
    async requests(): Promise<ReceivedRequest[]> {
      const r = await fetch(control);
      return ((await r.json()) as { requests: ReceivedRequest[] }).requests;
    },
  };
}

/**
 * An end user's request body, streamed to the platform chunk by chunk (never buffered) with a cap,
 * and watched: the meter tells whether a failed upstream call was the client's doing (its body
 * stream broke, ended before the length it announced, or went over the cap) or the platform's (see
 * attribution.ts). A body cut short is passed on as an error, never as a complete shorter body.
 */
import type { BodyState } from './attribution';

export interface BodyMeter {
  state: BodyState;
  bytes: number;
}

export function meteredBody(
  source: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  declaredBytes: number | null,
): { body: ReadableStream<Uint8Array> | null; meter: BodyMeter } {
  const meter: BodyMeter = { state: source ? 'sending' : 'none', bytes: 0 };
  if (!source) return { body: null, meter };
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        meter.state = 'client-error';
        controller.error(err);
        return;
      }
      if (chunk.done) {
        if (declaredBytes !== null && meter.bytes < declaredBytes) {
          meter.state = 'client-error';
          controller.error(new RangeError(`request body ended after ${meter.bytes} of the ${declaredBytes} bytes announced`));
          return;
        }
        meter.state = 'sent';
        controller.close();
        return;
      }
      meter.bytes += chunk.value.byteLength;
      if (meter.bytes > maxBytes) {
        meter.state = 'too-large';
        controller.error(new RangeError(`request body over ${maxBytes} bytes`));
        await reader.cancel().catch(() => undefined);
        return;
      }
      controller.enqueue(chunk.value);
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => undefined);
    },
  });
  return { body, meter };
}

/**
 * Who failed a proxied call. Only the platform can fail its analysis: a 5xx, an upstream that
 * refused or reset the connection, or one that did not answer in time once it had the whole request.
 * Every 4xx, a body the client aborted or sent too slowly, and a body over the SBC's cap are the
 * client's doing: they count neither for nor against the platform.
 */
export type BodyState = 'none' | 'sending' | 'sent' | 'client-error' | 'too-large';

export type Attribution = 'success' | 'platform-failure' | 'neutral';

export interface CallEnd {
  /** The upstream's status, or null when the fetch failed. */
  status: number | null;
  body: BodyState;
  /** The SBC's upstream timeout fired. */
  timedOut: boolean;
}

export function attribute(end: CallEnd): Attribution {
  // Whatever the platform made of a request the client broke (or sent too much of), it is no verdict.
  if (end.body === 'client-error' || end.body === 'too-large') return 'neutral';
  if (end.status !== null) return end.status >= 500 ? 'platform-failure' : end.status >= 400 ? 'neutral' : 'success';
  if (end.timedOut && end.body === 'sending') return 'neutral';
  return 'platform-failure';
}

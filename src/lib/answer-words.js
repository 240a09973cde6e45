// How a compatibility verdict and a MIP entry read, one way for every reader: the console
// (src/console) and the CLI (scripts/inplace.mjs). Plain JavaScript, like ./server-count.js, so that
// Node runs it as is for the CLI; its types are answer-words.d.ts. A verdict or entry the census
// withholds (src/disclosure) is no answer, so it never reads as denied or unavailable.
import { serverCount } from './server-count.js';

/**
 * @param {{ approved: boolean, withheld: boolean }} result a compatibility result
 * @returns {'approved' | 'denied' | 'withheld'}
 */
export function verdictWord(result) {
  if (result.withheld) return 'withheld';
  return result.approved ? 'approved' : 'denied';
}

/**
 * @param {{ available: boolean, withheld: boolean }} entry a MIP-list entry
 * @returns {'available' | 'unavailable' | 'withheld'}
 */
export function availabilityWord(entry) {
  if (entry.available) return 'available';
  return entry.withheld ? 'withheld' : 'unavailable';
}

/**
 * A compatibility reason with how many of the unit's servers it concerns ("… (4–7 of the servers)"); the one reason
 * of a withheld verdict counts none, so it reads as the API gives it.
 * @param {{ reason: string, servers: { min: number, max: number | null } | null }} reason
 * @returns {string}
 */
export function reasonWithCount(reason) {
  return reason.servers === null ? reason.reason : `${reason.reason} (${serverCount(reason.servers)} of the servers)`;
}

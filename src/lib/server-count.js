// How a released count of servers reads, one way for every reader: the console (src/console) and
// the CLI (scripts/inplace.mjs). Plain JavaScript, so that Node runs it as is for the CLI and the
// Worker's bundle takes it like any other module; its types for TypeScript are server-count.d.ts.

/**
 * A released count of servers (a band, max exclusive; null: withheld), in whole servers: "0", "4–7", "≥ 1".
 * @param {{ min: number, max: number | null } | null} band
 * @returns {string}
 */
export function serverCount(band) {
  if (band === null) return 'withheld';
  if (band.max === null) return `≥ ${band.min}`;
  return band.max - 1 === band.min ? String(band.min) : `${band.min}–${band.max - 1}`;
}

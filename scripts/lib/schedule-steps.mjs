// Traffic schedule steps as people type them: `1:300,5:600,100` (percent[:pauseSeconds]; a step
// without seconds does not pause). Used by the CLI and the migration simulator.

/**
 * @param {string} text
 * @returns {{ weight: number, pauseSeconds: number }[]}
 */
export function parseSteps(text) {
  return text.split(',').map((step) => {
    const m = step.trim().match(/^(\d+)(?::(\d+))?$/);
    if (!m) throw new RangeError(`a step is percent[:pauseSeconds], e.g. 5:600 (got "${step}")`);
    return { weight: Number(m[1]), pauseSeconds: Number(m[2] ?? 0) };
  });
}

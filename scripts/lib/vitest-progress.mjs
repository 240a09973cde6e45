// A vitest reporter for npm test's exit guard (scripts/lib/exit-guard.mjs): writes how many test files
// the run has and how many ended so far to the file INPLACE_VITEST_PROGRESS names, at the run's start
// and after each file.
import { writeFileSync } from 'node:fs';

export default class Progress {
  #path = process.env.INPLACE_VITEST_PROGRESS;
  #files = 0;
  #ended = 0;

  onTestRunStart(specifications) {
    this.#files = specifications.length;
    this.#write();
  }

  onTestModuleEnd() {
    this.#ended++;
    this.#write();
  }

  #write() {
    if (this.#path) writeFileSync(this.#path, JSON.stringify({ files: this.#files, ended: this.#ended }));
  }
}

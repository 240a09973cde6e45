// The structure check (scripts/check-structure.mjs) on small trees written for each case: it must
// find a cycle between folders however the import is spelled, a long file, and a stale pending entry.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAX_LINES, problems } from '../../scripts/check-structure.mjs';

const roots = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function tree(files) {
  const root = mkdtempSync(join(tmpdir(), 'structure-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('check-structure', () => {
  it('passes an acyclic tree whose entry points import everything', () => {
    const src = tree({
      'app.ts': "import { a } from './alpha/a';\nimport { b } from './beta/b';\n",
      'env.ts': "import type { B } from './beta/b';\n",
      'alpha/a.ts': "import type { Env } from '../env';\nexport const a = 1;\n",
      'beta/b.ts': "import { a } from '../alpha/a';\nexport type B = typeof a;\n",
    });
    assert.deepEqual(problems(src), []);
  });

  it('finds a cycle between two folders, through a multi-line or type-only import', () => {
    const src = tree({
      'alpha/a.ts': "import {\n  b,\n} from '../beta/b';\nexport const a = b;\n",
      'beta/b.ts': "import type { C } from '../gamma/c';\nexport const b = 1;\n",
      'gamma/c.ts': "export type C = typeof import('../alpha/a');\n",
    });
    const found = problems(src);
    assert.equal(found[0], 'import cycle between alpha, beta, gamma:');
    assert.ok(found.includes('  gamma → alpha (gamma/c.ts → ../alpha/a)'));
  });

  it('refuses an import of the Worker entry point', () => {
    const src = tree({ 'app.ts': '', 'alpha/a.ts': "import { app } from '../app';\n" });
    assert.deepEqual(problems(src), ['imports an entry point of the Worker: alpha/a.ts → ../app']);
  });

  it(`refuses a file over ${MAX_LINES} lines`, () => {
    const src = tree({ 'alpha/long.ts': 'x;\n'.repeat(MAX_LINES + 1), 'beta/ok.tsx': 'x;\n'.repeat(MAX_LINES) });
    assert.deepEqual(problems(src), [`alpha/long.ts: ${MAX_LINES + 1} lines (more than ${MAX_LINES})`]);
  });

  it('leaves a pending edge out of the cycle search, and fails once it is gone', () => {
    const src = tree({ 'alpha/a.ts': "import { b } from '../beta/b';\n", 'beta/b.ts': "import { a } from '../alpha/a';\n" });
    assert.deepEqual(problems(src, new Map([['beta → alpha', 'reason']])), []);
    assert.deepEqual(problems(src, new Map([['beta → alpha', 'reason'], ['alpha → gamma', 'reason']])), ['pending edge alpha → gamma is gone: remove it from PENDING_EDGES']);
  });
});

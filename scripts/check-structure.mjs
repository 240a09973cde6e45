// Structure check (run by `npm test`): the folders under src/ must import each other without a
// cycle, and no src file may pass MAX_LINES lines. A cycle means two capabilities cannot be read,
// tested or changed apart; a long file is a hint that it holds more than one thing.
//
// `node scripts/check-structure.mjs` prints the offenders and exits 1 if there are any.
// The module also exports the pieces so test/structure can check them on fixture trees.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_LINES = 300;

// Work in progress (issue 17), each entry to be removed by the change that fixes it: an entry whose
// edge is gone fails the check too, so the list only shrinks. Edges listed here are left out of the
// cycle search.
export const PENDING_EDGES = new Map([]);
const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;
// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`, over several lines.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;
// Files at the top of src/ that compose the Worker and import every folder by design: the Worker's
// entry points, and the bindings' types (env.ts names the Durable Object class and the queue's
// message type). Their own imports are not edges; nothing may import an entry point.
const COMPOSITION_ROOTS = new Set(['index.ts', 'app.ts', 'env.ts']);
const ENTRY_POINTS = new Set(['index.ts', 'app.ts']);

export function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

/** The unit a src file belongs to: its top-level folder, or "(top)" for a file directly in src/. */
function unitOf(srcDir, file) {
  const parts = relative(srcDir, file).split(sep);
  return parts.length > 1 ? parts[0] : '(top)';
}

/** src-relative module name of an import target, as `name.ts` whatever extension the specifier gave. */
const moduleName = (srcDir, target) => relative(srcDir, target).replace(/\.(tsx?|m?js)$/, '') + '.ts';

/**
 * Folder-level import graph: unit → Map(imported unit → the first "file → specifier" seen), and
 * the imports of an entry point (a cycle through the Worker itself).
 */
export function importGraph(srcDir) {
  const graph = new Map();
  const entryImports = [];
  for (const file of sourceFiles(srcDir)) {
    const rel = relative(srcDir, file);
    if (COMPOSITION_ROOTS.has(rel)) continue;
    const from = unitOf(srcDir, file);
    if (!graph.has(from)) graph.set(from, new Map());
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(SPECIFIER)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(srcDir + sep)) continue;
      const to = unitOf(srcDir, target);
      if (ENTRY_POINTS.has(moduleName(srcDir, target))) entryImports.push(`${rel} → ${spec}`);
      if (to === from || COMPOSITION_ROOTS.has(moduleName(srcDir, target))) continue;
      if (!graph.get(from).has(to)) graph.get(from).set(to, `${rel} → ${spec}`);
    }
  }
  return { graph, entryImports };
}

/** Strongly connected components with more than one unit (Tarjan): each is a set of folders that import each other. */
export function cycles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const found = [];
  const visit = (v) => {
    meta.set(v, { index, low: index, onStack: true });
    index += 1;
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!meta.has(w)) {
        visit(w);
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
      } else if (meta.get(w).onStack) {
        meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
      }
    }
    if (meta.get(v).low === meta.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        meta.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!meta.has(v)) visit(v);
  return found;
}

export function longFiles(srcDir, max = MAX_LINES) {
  return sourceFiles(srcDir)
    .map((file) => ({ file: relative(srcDir, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > max);
}

/** Every problem in one src tree, as lines to print; empty when the structure is sound. */
export function problems(srcDir, pendingEdges = new Map()) {
  const { graph, entryImports } = importGraph(srcDir);
  const out = entryImports.map((where) => `imports an entry point of the Worker: ${where}`);
  for (const edge of pendingEdges.keys()) {
    const [from, to] = edge.split(' → ');
    if (!graph.get(from)?.delete(to)) out.push(`pending edge ${edge} is gone: remove it from PENDING_EDGES`);
  }
  for (const component of cycles(graph)) {
    out.push(`import cycle between ${component.join(', ')}:`);
    for (const from of component) {
      for (const [to, where] of graph.get(from) ?? []) if (component.includes(to)) out.push(`  ${from} → ${to} (${where})`);
    }
  }
  for (const { file, lines } of longFiles(srcDir)) out.push(`${file}: ${lines} lines (more than ${MAX_LINES})`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const found = problems(srcDir, PENDING_EDGES);
  if (found.length > 0) {
    console.error(found.join('\n'));
    process.exit(1);
  }
  const pending = PENDING_EDGES.size ? ` (${PENDING_EDGES.size} cycle edge${PENDING_EDGES.size > 1 ? 's' : ''} still pending)` : '';
  console.log(`structure: no import cycle between src folders, no src file over ${MAX_LINES} lines${pending}`);
}

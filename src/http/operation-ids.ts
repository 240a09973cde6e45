/** Gives every operation without an explicit `operationId` a stable one derived from method and path. */
interface Doc {
  paths?: object;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

function operationIdFor(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((s) => s && s !== 'v1')
    .map((s) => (s.startsWith('{') ? `by-${s.slice(1, -1)}` : s))
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

export function withOperationIds<T extends Doc>(doc: T): T {
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, object][]) {
    for (const [method, op] of Object.entries(item) as [string, unknown][]) {
      if (METHODS.has(method) && op && typeof op === 'object' && !('operationId' in op && op.operationId)) {
        (op as { operationId?: string }).operationId = operationIdFor(method, path);
      }
    }
  }
  return doc;
}

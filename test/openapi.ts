import { Validator, type Schema } from '@cfworker/json-schema';

export type { Schema };

/** Enough of /openapi.json to resolve `#/components/schemas/…` references. */
export interface WithComponents {
  components: { schemas: Record<string, Schema> };
}

/** The schema with every `#/components/schemas/…` reference replaced by what it names. */
function inline(node: unknown, doc: WithComponents): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, doc));
  if (!node || typeof node !== 'object') return node;
  const ref = (node as { $ref?: string }).$ref;
  if (ref) return inline(doc.components.schemas[ref.replace('#/components/schemas/', '')], doc);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, doc)]));
}

/** A JSON Schema 2020-12 validator (an independent implementation) for a schema of the document. */
export function validatorFor(schema: Schema, doc: WithComponents): Validator {
  return new Validator(inline(schema, doc) as Schema, '2020-12');
}

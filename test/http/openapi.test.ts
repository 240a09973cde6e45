import { beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_DOCS } from '../../src/http/operation-docs';
import { raw } from '../http';
import { validatorFor, type Schema, type WithComponents } from '../openapi';

interface Media {
  schema: Schema;
  example?: unknown;
}
interface Operation {
  description?: string;
  tags?: string[];
  parameters?: { name: string; example?: unknown; schema: Schema }[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
interface Doc extends WithComponents {
  info: { description?: string };
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}


function operations(doc: Doc) {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })));
}

/** The example of a body: the media type's own, else the one of the component schema it names. */
function exampleOf(m: Media, doc: Doc): unknown {
  if (m.example !== undefined) return m.example;
  const ref = (m.schema as { $ref?: string }).$ref;
  return ref ? (doc.components.schemas[ref.replace('#/components/schemas/', '')] as { example?: unknown } | undefined)?.example : undefined;
}

/** Every example of an operation, with the schema it must satisfy. */
function examples(op: Operation, doc: Doc): { where: string; example: unknown; schema: Schema }[] {
  const media = [
    ...Object.entries(op.requestBody?.content ?? {}).map(([type, m]) => ({ where: `request ${type}`, m })),
    ...Object.entries(op.responses).flatMap(([status, r]) => Object.entries(r.content ?? {}).map(([type, m]) => ({ where: `${status} ${type}`, m }))),
  ];
  return [
    ...media.filter(({ m }) => exampleOf(m, doc) !== undefined).map(({ where, m }) => ({ where, example: exampleOf(m, doc), schema: m.schema })),
    ...(op.parameters ?? []).filter((p) => p.example !== undefined).map((p) => ({ where: `parameter ${p.name}`, example: p.example, schema: p.schema })),
  ];
}

describe('GET /openapi.json as a newcomer reads it', () => {
  let doc: Doc;
  beforeAll(async () => {
    // The document itself is not one of its own operations.
    doc = (await raw('GET', '/openapi.json')).body as Doc;
  });

  it('introduces the API and describes every tag its operations use', () => {
    expect(doc.info.description).toMatch(/Authorization: Bearer/);
    expect(doc.info.description).toMatch(/hardwareIds/);
    const used = new Set(operations(doc).flatMap(({ op }) => op.tags ?? []));
    const described = new Map(doc.tags.map((t) => [t.name, t.description ?? '']));
    expect([...used].filter((t) => !described.get(t))).toEqual([]);
    expect([...described.keys()].filter((t) => !used.has(t) && t !== 'Webhooks')).toEqual([]);
  });

  it('gives every operation a description and an example', () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(50);
    expect(ops.filter(({ op }) => !op.description?.trim()).map(({ key }) => key)).toEqual([]);
    expect(ops.filter(({ op }) => examples(op, doc).length === 0).map(({ key }) => key)).toEqual([]);
  });

  it('has examples that validate against the schemas they illustrate', () => {
    const wrong: string[] = [];
    for (const { key, op } of operations(doc)) {
      for (const { where, example, schema } of examples(op, doc)) {
        const result = validatorFor(schema, doc).validate(example);
        if (!result.valid) wrong.push(`${key} ${where}: ${result.errors.map((e) => `${e.instanceLocation} ${e.error}`).join('; ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('documents only operations that exist, and no description a route already has', () => {
    const byKey = new Map(operations(doc).map(({ key, op }) => [key, op]));
    expect(Object.keys(OPERATION_DOCS).filter((key) => !byKey.has(key))).toEqual([]);
    const shadowed = Object.entries(OPERATION_DOCS).filter(([key, d]) => d.description && byKey.get(key)?.description !== d.description);
    expect(shadowed.map(([key]) => key)).toEqual([]);
  });
});

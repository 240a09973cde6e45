// Generates the CLI's typed API client surface from the OpenAPI document (dist/openapi.json, written
// by scripts/openapi-lint.mjs): scripts/lib/api-types.d.ts (every component schema; every
// operation's path/query/body/response types, keyed by operationId, for the CLI; every operation's
// request body and documented responses, success and problem, keyed by path template, method and
// status, for the test client test/http.ts) and scripts/lib/api-operations.mjs (operationId → method and path, for the runtime). `--check` fails when the committed files are stale.
//   npm run gen:api        regenerate (runs the OpenAPI step first)
import { readFileSync, writeFileSync } from 'node:fs';

const TYPES = 'scripts/lib/api-types.d.ts';
const OPERATIONS = 'scripts/lib/api-operations.mjs';
const doc = JSON.parse(readFileSync('dist/openapi.json', 'utf8'));

const key = (name) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));
const pad = (depth) => '  '.repeat(depth);

// Keywords that describe a value without constraining it: a schema of only these allows anything.
const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'deprecated', 'readOnly', 'writeOnly']);

function type(schema, depth) {
  if (!schema || typeof schema !== 'object' || Object.keys(schema).every((k) => ANNOTATIONS.has(k))) return 'unknown';
  if (schema.$ref) return `Schemas[${JSON.stringify(schema.$ref.replace('#/components/schemas/', ''))}]`;
  if (schema.allOf) return schema.allOf.map((s) => type(s, depth)).filter((t) => t !== 'unknown').join(' & ') || 'unknown';
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.map((s) => type(s, depth)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const kinds = Array.isArray(schema.type) ? schema.type : [schema.type];
  const parts = kinds.map((kind) => {
    switch (kind) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array':
        return `Array<${type(schema.items, depth)}>`;
      case 'object':
      case undefined:
        return object(schema, depth);
      default:
        return 'unknown';
    }
  });
  if (schema.nullable) parts.push('null');
  return parts.join(' | ');
}

function object(schema, depth) {
  const required = new Set(schema.required ?? []);
  const lines = Object.entries(schema.properties ?? {}).map(([name, prop]) => {
    const optional = !required.has(name) || prop.default !== undefined;
    return `${pad(depth + 1)}${key(name)}${optional ? '?' : ''}: ${type(prop, depth + 1)};`;
  });
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') lines.push(`${pad(depth + 1)}[key: string]: ${type(extra, depth + 1)};`);
  if (!lines.length) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}

function params(list, where, depth) {
  const own = (list ?? []).filter((p) => p.in === where);
  if (!own.length) return 'Record<string, never>';
  return object({ properties: Object.fromEntries(own.map((p) => [p.name, p.schema])), required: own.filter((p) => p.required).map((p) => p.name) }, depth);
}

/** An operation's request body in openapi-typescript's shape: each media type's schema; `never` when it takes none. */
function requestBody(body) {
  if (!body) return `${pad(3)}requestBody?: never;`;
  const content = Object.entries(body.content ?? {}).map(([media, m]) => `${pad(5)}${JSON.stringify(media)}: ${type(m.schema, 5)};`);
  return `${pad(3)}requestBody${body.required ? '' : '?'}: {\n${pad(4)}content: {\n${content.join('\n')}\n${pad(4)}};\n${pad(3)}};`;
}

// The problem+json reply every operation documents for its 4xx and 5xx statuses, named once.
const PROBLEM_CONTENT = `${pad(6)}"application/problem+json": Schemas["Problem"];`;
const schemas = Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => `  ${key(name)}: ${type(schema, 1)};`);
const operations = [];
const table = [];
const paths = [];
for (const [path, item] of Object.entries(doc.paths)) {
  const methods = [];
  for (const [method, op] of Object.entries(item)) {
    if (!op.operationId) continue;
    const statuses = Object.entries(op.responses ?? {}).map(([status, r]) => {
      const content = Object.entries(r.content ?? {}).map(([media, m]) => `${pad(6)}${JSON.stringify(media)}: ${type(m.schema, 6)};`);
      if (content.length === 1 && content[0] === PROBLEM_CONTENT) return `${pad(4)}${status}: ProblemReply;`;
      return `${pad(4)}${status}: {\n${pad(5)}content: ${content.length ? `{\n${content.join('\n')}\n${pad(5)}}` : 'Record<string, never>'};\n${pad(4)}};`;
    });
    methods.push(`${pad(2)}${method}: {\n${requestBody(op.requestBody)}\n${pad(3)}responses: {\n${statuses.join('\n')}\n${pad(3)}};\n${pad(2)}};`);
    const ok = Object.entries(op.responses ?? {}).find(([status]) => status.startsWith('2'));
    const response = ok?.[1]?.content?.['application/json']?.schema;
    const body = op.requestBody?.content?.['application/json']?.schema;
    operations.push(
      [
        `  /** ${method.toUpperCase()} ${path}: ${op.summary ?? ''} */`,
        `  ${op.operationId}: {`,
        `    path: ${params(op.parameters, 'path', 2)};`,
        `    query: ${params(op.parameters, 'query', 2)};`,
        `    body: ${body ? type(body, 2) : 'never'};`,
        `    response: ${response ? type(response, 2) : 'null'};`,
        '  };',
      ].join('\n'),
    );
    table.push(`  ${op.operationId}: [${JSON.stringify(method)}, ${JSON.stringify(path)}],`);
  }
  if (methods.length) paths.push(`  ${JSON.stringify(path)}: {\n${methods.join('\n')}\n  };`);
}

const header = `// Generated by scripts/gen-api-types.mjs from the OpenAPI document (${doc.info.title} ${doc.info.version}). Do not edit.\n`;
const files = {
  [TYPES]: `${header}\nexport interface Schemas {\n${schemas.join('\n')}\n}\n\nexport interface Operations {\n${operations.join('\n')}\n}\n\n/** A problem+json reply (RFC 9457), as every error status documents it. */\nexport interface ProblemReply {\n  content: {\n    \"application/problem+json\": Schemas[\"Problem\"];\n  };\n}\n\n/** Every operation's request body and documented responses by path template, method and status, in openapi-typescript's shape. */\nexport interface Paths {\n${paths.join('\n')}\n}\n`,
  [OPERATIONS]: `${header}\n/** @type {{ [K in keyof import('./api-types.js').Operations]: [method: string, path: string] }} operationId → method and path template */\nexport const OPERATIONS = {\n${table.join('\n')}\n};\n`,
};

if (process.argv.includes('--check')) {
  const stale = Object.entries(files).filter(([file, text]) => {
    try {
      return readFileSync(file, 'utf8') !== text;
    } catch {
      return true;
    }
  });
  if (stale.length) {
    console.error(`stale: ${stale.map(([f]) => f).join(', ')}; run \`npm run gen:api\` and commit the result`);
    process.exit(1);
  }
  console.log(`API client types match the OpenAPI document (${operations.length} operations)`);
} else {
  for (const [file, text] of Object.entries(files)) writeFileSync(file, text);
  console.log(`wrote ${TYPES} and ${OPERATIONS} (${operations.length} operations, ${schemas.length} schemas)`);
}

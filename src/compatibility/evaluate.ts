/**
 * The requirement evaluator: pure, no I/O. A platform's requirements are flattened into numbered
 * clauses; a server fails some of them. The numbers are what the materialised table stores (short,
 * revision-bound); the texts are rendered from them, for one server or for many.
 */
import type { z } from '@hono/zod-openapi';
import type { PropertyRule, RequirementsT } from '../catalog/schema';
import type { ServerRecord } from '../disclosure/records';
import type { ServerFacts } from '../inventory/facts';
import { describeFailure, describeClause } from './reasons';

type Rule = z.infer<typeof PropertyRule>;

/** What evaluation needs to know about a server: nothing that identifies it. */
export type EvaluableServer = Pick<ServerFacts, 'properties' | 'free'>;

export type Clause =
  | { kind: 'trait'; trait: string }
  | { kind: 'forbidden'; trait: string }
  | { kind: 'anyOf'; traits: string[] }
  | { kind: 'certification'; certification: string }
  | { kind: 'property'; rule: Rule }
  | { kind: 'freeCores'; min: number }
  | { kind: 'freeMemory'; min: number };

export interface Evaluation {
  approved: boolean;
  /** One sentence per failed requirement, for people; never a permanent identifier. */
  reasons: string[];
  /** Sum of the weights of the preferences the server meets (ranking only, never denies). */
  score: number;
  /** Numbers of the failed clauses in `clausesOf(requirements)`. */
  failed: number[];
}

/** The requirements as an ordered list of clauses; a clause's index is its stable code. */
export function clausesOf(r: RequirementsT): Clause[] {
  const clauses: Clause[] = [
    ...r.requiredTraits.map((trait): Clause => ({ kind: 'trait', trait })),
    ...r.forbiddenTraits.map((trait): Clause => ({ kind: 'forbidden', trait })),
    ...r.anyOfTraits.map((traits): Clause => ({ kind: 'anyOf', traits })),
    ...r.requiredCertifications.map((certification): Clause => ({ kind: 'certification', certification })),
    ...r.properties.map((rule): Clause => ({ kind: 'property', rule })),
  ];
  if (r.minFree.cores > 0) clauses.push({ kind: 'freeCores', min: r.minFree.cores });
  if (r.minFree.memoryGib > 0) clauses.push({ kind: 'freeMemory', min: r.minFree.memoryGib });
  return clauses;
}

function propertyValue(server: EvaluableServer, property: Rule['property']): string | number | null {
  return server.properties[property];
}

function ruleHolds(rule: Rule, server: EvaluableServer): boolean {
  const actual = propertyValue(server, rule.property);
  switch (rule.op) {
    case 'eq':
      return actual === rule.value;
    case 'ne':
      return actual !== rule.value;
    case 'in':
      return actual !== null && rule.values.includes(actual);
    case 'gte':
      return typeof actual === 'number' && actual >= rule.value;
    case 'lte':
      return typeof actual === 'number' && actual <= rule.value;
    case 'exists':
      return actual !== null;
  }
}

function clauseHolds(clause: Clause, server: EvaluableServer): boolean {
  const p = server.properties;
  switch (clause.kind) {
    case 'trait':
      return p.traits.includes(clause.trait);
    case 'forbidden':
      return !p.traits.includes(clause.trait);
    case 'anyOf':
      return clause.traits.some((t) => p.traits.includes(t));
    case 'certification':
      return p.certifications.includes(clause.certification);
    case 'property':
      return ruleHolds(clause.rule, server);
    case 'freeCores':
      return server.free.cores >= clause.min;
    case 'freeMemory':
      return server.free.memoryGib >= clause.min;
  }
}

/** Requirements prepared once, evaluated against many servers. */
export interface Compiled {
  clauses: Clause[];
  /** Sum of all preference weights: the best score a server can get. */
  maxScore: number;
  failedClauses(server: EvaluableServer): number[];
  score(server: EvaluableServer): number;
}

export function compile(requirements: RequirementsT): Compiled {
  const clauses = clausesOf(requirements);
  const prefs = requirements.preferences;
  return {
    clauses,
    maxScore: prefs.reduce((sum, p) => sum + p.weight, 0),
    failedClauses(server) {
      const failed: number[] = [];
      clauses.forEach((clause, i) => {
        if (!clauseHolds(clause, server)) failed.push(i);
      });
      return failed;
    },
    score(server) {
      let score = 0;
      for (const pref of prefs) {
        const holds = 'trait' in pref ? server.properties.traits.includes(pref.trait) : ruleHolds(pref.rule, server);
        if (holds) score += pref.weight;
      }
      return score;
    },
  };
}

/**
 * What a server with these properties tells of the requirements whatever its free capacity (judged
 * on classes, elsewhere): the static clauses it fails, and its preference score (null without
 * preferences). What the census of a data center sorts servers by (src/disclosure/census.ts).
 */
export function staticVerdict(compiled: Compiled, properties: EvaluableServer['properties']): { failed: number[]; score: number | null } {
  const server = { properties, free: { cores: Number.MAX_SAFE_INTEGER, memoryGib: Number.MAX_SAFE_INTEGER } };
  return { failed: compiled.failedClauses(server), score: compiled.maxScore ? compiled.score(server) : null };
}

function evaluateCompiled(compiled: Compiled, server: EvaluableServer): Evaluation {
  const failed = compiled.failedClauses(server);
  return {
    approved: failed.length === 0,
    reasons: failed.map((i) => describeFailure(compiled.clauses[i]!, server.properties)),
    score: compiled.score(server),
    failed,
  };
}

/** Approve or deny one server, with a reason for every failed requirement. */
export function evaluate(requirements: RequirementsT, server: EvaluableServer): Evaluation {
  return evaluateCompiled(compile(requirements), server);
}

/** The server-independent text of clause `index`, for reasons aggregated over many servers. */
export function clauseText(clauses: Clause[], index: number): string {
  const clause = clauses[index];
  return clause ? describeClause(clause) : 'a requirement that has since changed';
}

/** Whether a released record withholds what the clause reads (the private network it never shows). */
function withholds(record: ServerRecord, clause: Clause): boolean {
  switch (clause.kind) {
    case 'trait':
    case 'forbidden':
    case 'anyOf':
      return record.traits === null;
    case 'certification':
      return record.certifications === null;
    case 'property':
      return clause.rule.property === 'privateNetworkId' || record[clause.rule.property] === null;
    case 'freeCores':
      return record.free.cores === null;
    case 'freeMemory':
      return record.free.memoryGib === null;
  }
}

/**
 * The clauses a server fails judged on its released record alone (free capacity on the lower bound
 * of the released class): a clause on what the record withholds is not met, so the verdict is a
 * function of the record, shared by at least K servers, whatever the requirement asks.
 */
export function failedOnRecord(compiled: Compiled, record: ServerRecord): { failed: number[]; withheld: Set<number> } {
  const server: EvaluableServer = {
    properties: { ...record, traits: record.traits ?? [], certifications: record.certifications ?? [], privateNetworkId: null } as unknown as EvaluableServer['properties'],
    free: { cores: record.free.cores?.min ?? 0, memoryGib: record.free.memoryGib?.min ?? 0 },
  };
  const withheld = new Set<number>();
  const failed: number[] = [];
  compiled.clauses.forEach((clause, i) => {
    if (withholds(record, clause)) withheld.add(i);
    if (withheld.has(i) || !clauseHolds(clause, server)) failed.push(i);
  });
  return { failed, withheld };
}

/**
 * Reason texts: what a person reads to understand a denial and act on it. They name properties,
 * traits and values, never a server, rack, serial, address or other permanent identifier; a
 * property that itself identifies something (the private network) never shows the server's value.
 * Released reasons show only the values src/disclosure releases (`ShownProperties`), and never a
 * free-capacity value: capacity reasons name the requirement alone.
 */
import type { ShownProperties } from '../inventory/facts';
import type { Clause, EvaluableServer } from './evaluate';

type Property = keyof EvaluableServer['properties'];


const LABELS: Record<Property, string> = {
  cpuArch: 'CPU architecture',
  cpuVendor: 'CPU vendor',
  cpuModel: 'CPU model',
  cores: 'cores',
  memoryGib: 'memory',
  storageKind: 'storage kind',
  storageGib: 'storage',
  gpus: 'GPUs',
  hypervisor: 'hypervisor',
  traits: 'traits',
  certifications: 'certifications',
  privateNetworkId: 'private network',
};

const UNITS: Partial<Record<Property, string>> = { memoryGib: ' GiB', storageGib: ' GiB' };

/** Properties whose server-side value is an identifier in itself. */
const REDACTED: ReadonlySet<Property> = new Set(['privateNetworkId']);

function fmt(property: Property, value: string | number): string {
  return `${value}${UNITS[property] ?? ''}`;
}

function list(property: Property, values: (string | number)[]): string {
  return values.map((v) => fmt(property, v)).join(', ');
}

type RuleClause = Extract<Clause, { kind: 'property' }>['rule'];

function ruleFailure(rule: RuleClause, values: ShownProperties): string {
  const p = rule.property;
  const label = LABELS[p];
  const actual = values[p];
  if (actual === undefined) return ruleGeneric(rule, 'full');
  if (actual === null) return rule.op === 'exists' ? `${label} is not set` : `${label} is not set, ${ruleGeneric(rule, 'required')}`;
  const shown = REDACTED.has(p) ? null : fmt(p, actual);
  switch (rule.op) {
    case 'eq':
      return shown === null ? `${label} is not ${fmt(p, rule.value)}` : `${label} is ${shown}, required ${fmt(p, rule.value)}`;
    case 'ne':
      return `${label} must not be ${fmt(p, rule.value)}`;
    case 'in':
      return shown === null ? `${label} is not one of ${list(p, rule.values)}` : `${label} is ${shown}, required one of ${list(p, rule.values)}`;
    case 'gte':
      return `${label} ${shown} < required ${fmt(p, rule.value)}`;
    case 'lte':
      return `${label} ${shown} > allowed ${fmt(p, rule.value)}`;
    case 'exists':
      return `${label} is not set`;
  }
}

/** The rule's demand without the server's value ("required x86_64", "< required 128 GiB"). */
function ruleGeneric(rule: RuleClause, style: 'required' | 'full'): string {
  const p = rule.property;
  const label = style === 'full' ? `${LABELS[p]} ` : '';
  switch (rule.op) {
    case 'eq':
      return style === 'full' ? `${label}is not ${fmt(p, rule.value)}` : `required ${fmt(p, rule.value)}`;
    case 'ne':
      return `${label}must not be ${fmt(p, rule.value)}`;
    case 'in':
      return style === 'full' ? `${label}is not one of ${list(p, rule.values)}` : `required one of ${list(p, rule.values)}`;
    case 'gte':
      return `${label}< required ${fmt(p, rule.value)}`;
    case 'lte':
      return `${label}> allowed ${fmt(p, rule.value)}`;
    case 'exists':
      return `${label}is not set`;
  }
}

/** Why a server fails this clause, with the server's own value where it may be shown. */
export function describeFailure(clause: Clause, shown: ShownProperties): string {
  return clause.kind === 'property' ? ruleFailure(clause.rule, shown) : describeClause(clause);
}

/** The clause's failure in words that hold for every server failing it (for counts over many). */
export function describeClause(clause: Clause): string {
  switch (clause.kind) {
    case 'trait':
      return `missing trait ${clause.trait}`;
    case 'forbidden':
      return `has forbidden trait ${clause.trait}`;
    case 'anyOf':
      return `missing one of traits ${clause.traits.join(', ')}`;
    case 'certification':
      return `missing certification ${clause.certification}`;
    case 'property':
      return ruleGeneric(clause.rule, 'full');
    case 'freeCores':
      return `free cores below the required ${clause.min}`;
    case 'freeMemory':
      return `free memory below the required ${clause.min} GiB`;
  }
}

/** A requester's own requirement on what the server's released record withholds: not met, and why. */
export function describeWithheld(clause: Clause): string {
  return `${describeClause(clause)} (not released for this server: too few servers share it)`;
}

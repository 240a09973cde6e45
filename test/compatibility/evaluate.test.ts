import type { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { Requirements } from '../../src/catalog/schema';
import { clausesOf, clauseText, evaluate, type EvaluableServer } from '../../src/compatibility/evaluate';

const req = (r: z.input<typeof Requirements>) => Requirements.parse(r);

function host(overrides: Partial<EvaluableServer['properties']> = {}, free = { cores: 32, memoryGib: 128 }): EvaluableServer {
  return {
    properties: {
      cpuArch: 'x86_64',
      cpuVendor: 'AMD',
      cpuModel: 'EPYC 9354',
      cores: 64,
      memoryGib: 64,
      storageKind: 'ssd',
      storageGib: 1920,
      gpus: 0,
      hypervisor: 'kvm',
      traits: ['sev', 'avx512'],
      certifications: ['iso27001'],
      privateNetworkId: 'net-secret-7',
      ...overrides,
    },
    free,
  };
}

describe('traits', () => {
  it('approves when every required trait is present', () => {
    expect(evaluate(req({ requiredTraits: ['sev', 'avx512'] }), host())).toEqual({ approved: true, reasons: [], score: 0, failed: [] });
  });

  it('names each missing required trait', () => {
    const r = evaluate(req({ requiredTraits: ['sev', 'tdx', 'sgx'] }), host());
    expect(r.approved).toBe(false);
    expect(r.reasons).toEqual(['missing trait tdx', 'missing trait sgx']);
    expect(r.failed).toEqual([1, 2]);
  });

  it('denies a forbidden trait that is present and ignores one that is absent', () => {
    expect(evaluate(req({ forbiddenTraits: ['avx512', 'gpu-shared'] }), host()).reasons).toEqual(['has forbidden trait avx512']);
  });

  it('any-of groups: one member is enough, none denies with the whole group named', () => {
    const groups = req({ anyOfTraits: [['tdx', 'sev'], ['sgx', 'cca']] });
    const r = evaluate(groups, host());
    expect(r.reasons).toEqual(['missing one of traits sgx, cca']);
    expect(evaluate(groups, host({ traits: ['sev', 'cca'] })).approved).toBe(true);
  });

  it('certifications', () => {
    const r = evaluate(req({ requiredCertifications: ['iso27001', 'pci-dss'] }), host());
    expect(r.reasons).toEqual(['missing certification pci-dss']);
  });
});

describe('property operators', () => {
  const one = (rule: z.input<typeof Requirements>['properties'], server = host()) => evaluate(req({ properties: rule }), server);

  it('eq on text and on numbers', () => {
    expect(one([{ op: 'eq', property: 'cpuArch', value: 'x86_64' }]).approved).toBe(true);
    expect(one([{ op: 'eq', property: 'cpuArch', value: 'arm64' }]).reasons).toEqual(['CPU architecture is x86_64, required arm64']);
    expect(one([{ op: 'eq', property: 'gpus', value: 2 }]).reasons).toEqual(['GPUs is 0, required 2']);
    expect(one([{ op: 'eq', property: 'memoryGib', value: 64 }]).approved).toBe(true);
  });

  it('ne', () => {
    expect(one([{ op: 'ne', property: 'cpuVendor', value: 'Intel' }]).approved).toBe(true);
    expect(one([{ op: 'ne', property: 'cpuVendor', value: 'AMD' }]).reasons).toEqual(['CPU vendor must not be AMD']);
  });

  it('in', () => {
    expect(one([{ op: 'in', property: 'storageKind', values: ['ssd', 'nvme'] }]).approved).toBe(true);
    expect(one([{ op: 'in', property: 'storageKind', values: ['nvme'] }]).reasons).toEqual(['storage kind is ssd, required one of nvme']);
    expect(one([{ op: 'in', property: 'cores', values: [32, 128] }]).reasons).toEqual(['cores is 64, required one of 32, 128']);
  });

  it('gte with units in the reason', () => {
    expect(one([{ op: 'gte', property: 'memoryGib', value: 64 }]).approved).toBe(true);
    expect(one([{ op: 'gte', property: 'memoryGib', value: 128 }]).reasons).toEqual(['memory 64 GiB < required 128 GiB']);
    expect(one([{ op: 'gte', property: 'storageGib', value: 4000 }]).reasons).toEqual(['storage 1920 GiB < required 4000 GiB']);
  });

  it('lte', () => {
    expect(one([{ op: 'lte', property: 'cores', value: 64 }]).approved).toBe(true);
    expect(one([{ op: 'lte', property: 'cores', value: 48 }]).reasons).toEqual(['cores 64 > allowed 48']);
  });

  it('exists', () => {
    expect(one([{ op: 'exists', property: 'privateNetworkId' }]).approved).toBe(true);
    expect(one([{ op: 'exists', property: 'privateNetworkId' }], host({ privateNetworkId: null })).reasons).toEqual(['private network is not set']);
  });

  it('a rule on an unset property says so', () => {
    const r = one([{ op: 'in', property: 'privateNetworkId', values: ['net-a'] }], host({ privateNetworkId: null }));
    expect(r.reasons).toEqual(['private network is not set, required one of net-a']);
  });

  it('never echoes the server’s own private network', () => {
    const eq = one([{ op: 'eq', property: 'privateNetworkId', value: 'net-a' }]);
    const inList = one([{ op: 'in', property: 'privateNetworkId', values: ['net-a', 'net-b'] }]);
    expect(eq.reasons).toEqual(['private network is not net-a']);
    expect(inList.reasons).toEqual(['private network is not one of net-a, net-b']);
    expect(JSON.stringify([eq, inList])).not.toContain('net-secret-7');
  });
});

describe('free capacity', () => {
  it('denies too few free cores or too little free memory, naming the requirement, never the free value', () => {
    const r = evaluate(req({ minFree: { cores: 16, memoryGib: 256 } }), host({}, { cores: 4, memoryGib: 32 }));
    expect(r.reasons).toEqual(['free cores below the required 16', 'free memory below the required 256 GiB']);
  });

  it('approves exactly at the limit', () => {
    expect(evaluate(req({ minFree: { cores: 4, memoryGib: 32 } }), host({}, { cores: 4, memoryGib: 32 })).approved).toBe(true);
  });
});

describe('preferences rank, never deny', () => {
  const prefs = req({
    requiredTraits: ['sev'],
    preferences: [
      { weight: 10, trait: 'avx512' },
      { weight: 5, rule: { op: 'eq', property: 'storageKind', value: 'nvme' } },
      { weight: 3, rule: { op: 'gte', property: 'cores', value: 32 } },
    ],
  });

  it('adds the weight of each preference that holds', () => {
    expect(evaluate(prefs, host()).score).toBe(13);
    expect(evaluate(prefs, host({ storageKind: 'nvme' })).score).toBe(18);
  });

  it('ranks servers: the one meeting more preferences scores higher, both approved', () => {
    const better = evaluate(prefs, host({ storageKind: 'nvme' }));
    const worse = evaluate(prefs, host({ traits: ['sev'], cores: 16 }));
    expect([better.approved, worse.approved]).toEqual([true, true]);
    expect(worse.score).toBe(0);
    expect(better.score).toBeGreaterThan(worse.score);
  });

  it('still scores a denied server, and unmet preferences add no reason', () => {
    const r = evaluate(prefs, host({ traits: ['avx512'] }));
    expect(r).toEqual({ approved: false, reasons: ['missing trait sev'], score: 13, failed: [0] });
  });
});

describe('reasons', () => {
  const all = req({
    requiredTraits: ['tdx'],
    forbiddenTraits: ['avx512'],
    anyOfTraits: [['sgx', 'cca']],
    requiredCertifications: ['pci-dss'],
    properties: [
      { op: 'eq', property: 'cpuArch', value: 'arm64' },
      { op: 'ne', property: 'hypervisor', value: 'kvm' },
      { op: 'in', property: 'storageKind', values: ['nvme'] },
      { op: 'gte', property: 'memoryGib', value: 128 },
      { op: 'lte', property: 'cores', value: 32 },
      { op: 'exists', property: 'privateNetworkId' },
    ],
    minFree: { cores: 64, memoryGib: 512 },
  });

  it('one reason per failed requirement, in the order the requirements were written', () => {
    const r = evaluate(all, host({ privateNetworkId: null }));
    expect(r.reasons).toEqual([
      'missing trait tdx',
      'has forbidden trait avx512',
      'missing one of traits sgx, cca',
      'missing certification pci-dss',
      'CPU architecture is x86_64, required arm64',
      'hypervisor must not be kvm',
      'storage kind is ssd, required one of nvme',
      'memory 64 GiB < required 128 GiB',
      'cores 64 > allowed 32',
      'private network is not set',
      'free cores below the required 64',
      'free memory below the required 512 GiB',
    ]);
    expect(r.failed).toEqual([...Array(12).keys()]);
  });

  it('has a server-independent text per clause for counts over many servers', () => {
    const clauses = clausesOf(all);
    expect(clauses.map((_, i) => clauseText(clauses, i))).toEqual([
      'missing trait tdx',
      'has forbidden trait avx512',
      'missing one of traits sgx, cca',
      'missing certification pci-dss',
      'CPU architecture is not arm64',
      'hypervisor must not be kvm',
      'storage kind is not one of nvme',
      'memory < required 128 GiB',
      'cores > allowed 32',
      'private network is not set',
      'free cores below the required 64',
      'free memory below the required 512 GiB',
    ]);
    expect(clauseText(clauses, 99)).toBe('a requirement that has since changed');
  });

  it('no minimum free capacity means no capacity clause', () => {
    expect(clausesOf(req({}))).toEqual([]);
    expect(evaluate(req({}), host({}, { cores: 0, memoryGib: 0 })).approved).toBe(true);
  });
});

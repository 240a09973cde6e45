/** The example values of the OpenAPI document's operations (./operation-docs.ts), taken from the local demo. */
import type { OperationDoc } from './operation-docs';

export const CUS = 'cus_29EFcmiwW_B9RrS2';
const PRV_A = 'prv_1XTFUuouxrN0BHa5';
export const PRV_B = 'prv_LVkgNHH8MIWfINyw';
export const PLT_A = 'plt_VGPcB3R4SD6mvwuI';
export const PLT_B = 'plt_A892WKIHBAVHbn2W';
export const MIG = 'mig_p8WRS2qIwB-AgBkf';
export const T = 1796163592936;
export const HWID = 'eyJhbGciOiJFZERTQSIsInR5cCI6Imh3aWQrand0Iiwia2lkIjoiaHdpZC0yMDI2LTEyLTAxLTBhZDgwMDE3In0.eyJpc3MiOiJpbnBsYWNlIiwic2NvcGUiOiJzZXJ2ZXIifQ.c2lnbmF0dXJl';
export const page = (item: unknown, nextCursor: string | null = null) => ({ items: [item], nextCursor });

export const principal = { id: CUS, kind: 'customer', name: 'Acme Retail', organisation: 'Acme Retail GmbH', serviceLevel: 'standard' };
export const issuedKey = { id: 'key_bW7mWYNXRoHuGFNR', name: 'first key', hint: 'Dmbg', createdAt: T, key: 'inp_cus_mnxLUKShD6_Sn311ogFrvHypw5husDlynesQY9WDmbg' };
export const serviceProfile = { supportLevel: 'enterprise', multiSite: true, consulting: true, focus: ['compliance', 'multi-site'], pricing: { currency: 'EUR', monthlyBase: 2500, perCoreMonth: 18 } };
const requirements = { anyOfTraits: [['sev-snp', 'tdx']], requiredCertifications: ['iso27001'], properties: [{ op: 'gte', property: 'memoryGib', value: 256 }], minFree: { cores: 8, memoryGib: 64 } };
export const modules = [{ name: 'atlas-control', version: '7.1.0', artifactUrl: 'https://artifacts.example/atlas-control-7.1.0.tar.gz', sha256: '61746c61732d636f6e74726f6c40372e312e302e2e2e2e2e2e2e2e2e2e2e2e2e' }];
export const platformBody = { name: 'Atlas Confidential Cloud', description: 'Enterprise multi-site platform on confidential-computing hardware.', serviceProfile, requirements, modules, upstreamUrl: 'https://atlas.example/ingress', autoAccept: false };
export const platform = {
  id: PLT_B,
  providerId: PRV_B,
  ...platformBody,
  requirements: { requiredTraits: [], forbiddenTraits: [], anyOfTraits: [['sev-snp', 'tdx']], requiredCertifications: ['iso27001'], properties: requirements.properties, minFree: requirements.minFree, preferences: [] },
  revision: 1,
  createdAt: T,
  updatedAt: T,
};
export const catalogEntry = { ...platform, providerName: 'Atlas Enterprise' };
export const identity = { serial: 'SN10030557', mac: '02:1b:00:00:19:2a', dom0Ip: '10.0.0.25', internalIp: '100.64.0.25' };
export const properties = { cpuArch: 'x86_64', cpuVendor: 'AMD', cpuModel: 'EPYC 9354', cores: 64, memoryGib: 512, storageKind: 'nvme', storageGib: 7680, gpus: 0, hypervisor: 'kvm', traits: ['sev-snp', 'avx512'], certifications: ['iso27001'] };
export const migration = (state: string, history: [string | null, string, string, string][]) => ({
  id: MIG,
  customerId: CUS,
  state,
  scope: 'server',
  source: { platformId: PLT_A, providerId: PRV_A },
  target: { platformId: PLT_B, providerId: PRV_B },
  initiatedBy: { id: CUS, kind: 'customer' },
  progress: state === 'migrating' ? { segmentsDone: 3, segmentsTotal: 8, percent: 37.5 } : { segmentsDone: 0, segmentsTotal: null, percent: 0 },
  deployment: state === 'migrating' ? { tasks: 12, succeeded: 12, pending: 0, failed: 0 } : { tasks: 12, succeeded: 0, pending: 12, failed: 0 },
  history: history.map(([from, to, id, kind], i) => ({ seq: i + 1, from, to, at: T + i * 500, by: { id, kind }, reason: kind === 'system' ? 'platform modules deployed on every target server' : null })),
  createdAt: T,
  updatedAt: T + (history.length - 1) * 500,
  lastProgressAt: T + (history.length - 1) * 500,
});
export const requested: [string | null, string, string, string][] = [
  [null, 'requested', CUS, 'customer'],
  ['requested', 'awaiting_consent', CUS, 'customer'],
];
export const deploying = migration('deploying', [...requested, ['awaiting_consent', 'deploying', PRV_B, 'provider']]);
export const migrating = migration('migrating', [...requested, ['awaiting_consent', 'deploying', PRV_B, 'provider'], ['deploying', 'migrating', 'system', 'system']]);
export const paused = migration('paused', [...requested, ['awaiting_consent', 'deploying', PRV_B, 'provider'], ['deploying', 'paused', CUS, 'customer']]);
export const traffic = {
  customerId: CUS,
  epoch: 1,
  weightB: 2500,
  percentB: 25,
  a: { platformId: PLT_A, providerId: PRV_A, upstreamUrl: 'https://launchpad.example/ingress' },
  b: { platformId: PLT_B, providerId: PRV_B, upstreamUrl: 'https://atlas.example/ingress' },
  migrationId: MIG,
  mode: 'progress',
  schedule: null,
  totals: { [PLT_A]: { requests: 4240, errors: 3, upstreamFailures: 0, latencyMsSum: 41590 }, [PLT_B]: { requests: 1460, errors: 1, upstreamFailures: 0, latencyMsSum: 14490 } },
  window: { [PLT_A]: { requests: 212, errors: 0, upstreamFailures: 0, latencyMsSum: 2080 }, [PLT_B]: { requests: 71, errors: 0, upstreamFailures: 0, latencyMsSum: 700 } },
};
const usageLine = (operation: string, unit: string, quantity: number, unitPriceMicros: number) => ({
  operation,
  unit,
  quantity,
  unitPriceMicros,
  amountMicros: quantity * unitPriceMicros,
  amount: ((quantity * unitPriceMicros) / 1e6).toFixed(6),
});
export const usagePeriod = (period: string) => ({ period, lines: [usageLine('hardware-ids', 'request', 4, 2000), usageLine('migrations', 'migration', 1, 25_000_000)], totalMicros: 25_008_000, total: '25.008000' });
export const hardwareId = { id: HWID, scope: 'server', coverage: 1, expiresAt: T + 600_000, usesLeft: 3 };
export const delivery = {
  id: 'dlv_uccAO4ECqOK8AiQX',
  customerId: CUS,
  migrationId: MIG,
  eventId: 'msg_VSDBFuDrnEir7a40',
  eventType: 'traffic.shifted',
  state: 'succeeded',
  attempts: 1,
  lastStatus: 204,
  lastError: null,
  nextAttemptAt: null,
  createdAt: T,
  updatedAt: T + 260,
};
export const analysis = {
  migrationId: MIG,
  settings: { threshold: 0.05, windowSeconds: 60, minCalls: 50, minClients: 20, action: 'rollback' },
  defaults: true,
  setBy: null,
  setAt: null,
  verdict: {
    kind: 'healthy',
    reason: 'B fails no more often than A over the last 60 s',
    b: { calls: 71, failures: 0, failureRate: 0, clients: 64, failingClients: 0, failingSessions: 0 },
    a: { calls: 212, failures: 1, failureRate: 0.0047, clients: 180, failingClients: 1 },
    baseline: 'A',
    excess: -0.0047,
    z: -0.73,
  },
};
export const steer = (what: string, result: unknown) => ({ description: `${what} Answers the migration after the transition; a step the current state does not allow is a 409, one the caller may not take a 403.`, response: result });

export const sbc: OperationDoc = { parameters: { customerId: CUS, path: 'shop/cart' } };

// A generated, realistic data center for the demo and the benchmarks: deterministic for a seed,
// from ~200 servers (the demo) to 100,000 (benchmarks). Pure data; scripts/lib/seed.mjs sends it
// through the API.
import { UPSTREAM_BASE_PORT, upstreamUrl } from './demo-upstreams.mjs';

/** Small, fast, seedable PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hardware generations found in a real fleet; rows tend to be bought one generation at a time. */
const HARDWARE = {
  'epyc-genoa': { cpuArch: 'x86_64', cpuVendor: 'AMD', cpuModel: 'EPYC 9354', cores: 64, memoryGib: 512, storageKind: 'nvme', storageGib: 7680, gpus: 0, hypervisor: 'kvm', traits: ['avx2', 'avx512', 'sev', 'sev-snp'], certifications: ['iso27001'] },
  'xeon-sapphire': { cpuArch: 'x86_64', cpuVendor: 'Intel', cpuModel: 'Xeon Gold 6430', cores: 64, memoryGib: 256, storageKind: 'ssd', storageGib: 3840, gpus: 0, hypervisor: 'kvm', traits: ['avx2', 'avx512', 'sgx', 'tdx'], certifications: ['iso27001', 'pci-dss'] },
  'ampere-altra': { cpuArch: 'arm64', cpuVendor: 'Ampere', cpuModel: 'Altra Q80-30', cores: 80, memoryGib: 256, storageKind: 'nvme', storageGib: 3840, gpus: 0, hypervisor: 'kvm', traits: ['sve'], certifications: ['iso27001'] },
  'epyc-gpu': { cpuArch: 'x86_64', cpuVendor: 'AMD', cpuModel: 'EPYC 7763', cores: 128, memoryGib: 1024, storageKind: 'nvme', storageGib: 15360, gpus: 4, hypervisor: 'kvm', traits: ['avx2', 'sev', 'gpu-a100'], certifications: ['iso27001'] },
  'xeon-broadwell': { cpuArch: 'x86_64', cpuVendor: 'Intel', cpuModel: 'Xeon E5-2680 v4', cores: 28, memoryGib: 128, storageKind: 'hdd', storageGib: 8000, gpus: 0, hypervisor: 'xen', traits: ['avx2'], certifications: [] },
};
const GENERATIONS = Object.keys(HARDWARE);

const SITES = [
  { id: 'fra1', name: 'Frankfurt 1', region: 'eu-central' },
  { id: 'ams1', name: 'Amsterdam 1', region: 'eu-west' },
  { id: 'par1', name: 'Paris 1', region: 'eu-west' },
  { id: 'waw1', name: 'Warsaw 1', region: 'eu-central' },
];

const hex2 = (n) => (n & 0xff).toString(16).padStart(2, '0');

/**
 * How a row's racks get their hardware generation (the function returned, for its k-th rack). At
 * benchmark sizes a row is bought one generation at a time, with the odd refreshed rack. At the
 * demo's size (fewer than 2,000 servers: 4 rows of 5 racks per site) racks are bought a generation
 * at a time and each row holds one rack of every generation, in its own order, as rows filled over
 * the years do: every kind of hardware then sits in 4 racks and 4 rows of each site, so no rack or
 * row is of a kind of its own, which the census of racks and rows would rightly withhold
 * (src/disclosure/census.ts: a kind must be shared by 3 racks, and by 3 rows). The benchmarks'
 * inventories are as before, draw for draw.
 */
function rowPlan(rand, mixedRows) {
  if (mixedRows) {
    const order = [...GENERATIONS];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return (k) => order[k % order.length];
  }
  const rowGeneration = GENERATIONS[Math.floor(rand() * GENERATIONS.length)];
  return () => (rand() < 0.2 ? GENERATIONS[Math.floor(rand() * GENERATIONS.length)] : rowGeneration);
}

/** Sites → rows → racks → servers. `servers` is rounded up to whole racks. */
export function generateInventory({ servers = 200, seed = 42 } = {}) {
  const rand = rng(seed);
  const perRack = servers >= 2000 ? 20 : 5;
  const racksPerRow = servers >= 2000 ? 10 : GENERATIONS.length;
  const siteCount = servers >= 2000 ? 4 : 2;
  const totalRacks = Math.ceil(servers / perRack);
  const rowsTotal = Math.ceil(totalRacks / racksPerRow);
  const inv = { sites: [], rows: [], racks: [], servers: [] };
  for (const site of SITES.slice(0, siteCount)) inv.sites.push(site);
  let n = 0;
  for (let r = 0; r < rowsTotal && n < servers; r++) {
    const site = SITES[r % siteCount];
    const rowId = `${site.id}-row${String(Math.floor(r / siteCount) + 1).padStart(3, '0')}`;
    inv.rows.push({ id: rowId, siteId: site.id, name: `Row ${Math.floor(r / siteCount) + 1}` });
    const rackGeneration = rowPlan(rand, servers < 2000);
    for (let k = 0; k < racksPerRow && n < servers; k++) {
      const rackId = `${rowId}-rack${String(k + 1).padStart(2, '0')}`;
      inv.racks.push({ id: rackId, rowId, name: `Rack ${k + 1}` });
      const generation = rackGeneration(k);
      for (let s = 0; s < perRack && n < servers; s++, n++) {
        const hw = HARDWARE[generation];
        const coresAllocated = Math.floor(hw.cores * (0.1 + rand() * 0.6));
        const memoryAllocatedGib = Math.floor(hw.memoryGib * (0.1 + rand() * 0.6));
        inv.servers.push({
          id: `${rackId}-srv${String(s + 1).padStart(2, '0')}`,
          rackId,
          identity: {
            serial: `SN${(0x10000000 + n * 7919).toString(16).toUpperCase()}`,
            mac: `02:1b:${hex2(n >> 16)}:${hex2(n >> 8)}:${hex2(n)}:${hex2(seed)}`,
            dom0Ip: `10.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`,
            internalIp: `100.${64 + ((n >> 16) & 0x3f)}.${(n >> 8) & 0xff}.${n & 0xff}`,
          },
          properties: { ...hw, traits: [...hw.traits], certifications: [...hw.certifications], privateNetworkId: `pn-${site.id}` },
          capacity: { coresAllocated, memoryAllocatedGib },
        });
      }
    }
  }
  return inv;
}

/** A platform module; its artifact is built and served at start (scripts/lib/artifacts.mjs), which gives it its URL and sha256. */
const MODULE = (name, version) => ({ name, version });

/** The three providers of the patent's example, with distinct profiles, and their platforms. */
export const PROVIDERS = [
  {
    name: 'Nimbus Launch',
    organisation: 'Nimbus Launch Oy',
    serviceLevel: 'basic',
    platforms: [
      {
        name: 'Launchpad Containers',
        description: 'Startup-friendly: fine-grained control of every knob, community support, low prices.',
        serviceProfile: { supportLevel: 'community', multiSite: false, consulting: false, focus: ['fine-control', 'cost'], pricing: { currency: 'EUR', monthlyBase: 0, perCoreMonth: 6 } },
        requirements: { anyOfTraits: [['avx2', 'sve']], minFree: { cores: 4, memoryGib: 16 }, preferences: [{ weight: 20, rule: { op: 'eq', property: 'cpuArch', value: 'arm64' } }] },
        modules: [MODULE('launchpad-runtime', '3.2.0'), MODULE('launchpad-router', '1.9.4')],
        autoAccept: true,
      },
      {
        name: 'Launchpad Classic VMs',
        description: 'Plain virtual machines on any hypervisor, self-service only.',
        serviceProfile: { supportLevel: 'community', multiSite: false, consulting: false, focus: ['cost'], pricing: { currency: 'EUR', monthlyBase: 0, perCoreMonth: 4 } },
        requirements: { properties: [{ op: 'in', property: 'hypervisor', values: ['kvm', 'xen'] }] },
        modules: [MODULE('classic-vm-agent', '2.0.1')],
        autoAccept: true,
      },
    ],
  },
  {
    name: 'Atlas Enterprise',
    organisation: 'Atlas Enterprise Cloud AG',
    serviceLevel: 'enterprise',
    platforms: [
      {
        name: 'Atlas Confidential Cloud',
        description: 'Enterprise multi-site platform on confidential-computing hardware, with consulting.',
        serviceProfile: { supportLevel: 'enterprise', multiSite: true, consulting: true, focus: ['compliance', 'multi-site'], pricing: { currency: 'EUR', monthlyBase: 2500, perCoreMonth: 18 } },
        requirements: { anyOfTraits: [['sev-snp', 'tdx']], requiredCertifications: ['iso27001'], properties: [{ op: 'gte', property: 'memoryGib', value: 256 }], minFree: { cores: 8, memoryGib: 64 } },
        modules: [MODULE('atlas-control', '7.1.0'), MODULE('atlas-attestation', '2.4.2'), MODULE('atlas-sql', '15.6.0')],
        autoAccept: false,
      },
      {
        name: 'Atlas Regulated Payments',
        description: 'PCI-DSS certified hosting for card payments, Intel TDX only.',
        serviceProfile: { supportLevel: 'enterprise', multiSite: true, consulting: true, focus: ['compliance'], pricing: { currency: 'EUR', monthlyBase: 4000, perCoreMonth: 25 } },
        requirements: { requiredTraits: ['tdx'], requiredCertifications: ['pci-dss'], minFree: { cores: 8, memoryGib: 32 } },
        modules: [MODULE('atlas-control', '7.1.0'), MODULE('atlas-hsm-bridge', '1.3.0')],
        autoAccept: false,
      },
    ],
  },
  {
    name: 'Meridian Commerce',
    organisation: 'Meridian Commerce Ltd',
    serviceLevel: 'premium',
    platforms: [
      {
        name: 'Meridian Storefront Edge',
        description: 'Commerce platform tuned for low latency with built-in load balancing.',
        serviceProfile: { supportLevel: 'business', multiSite: true, consulting: false, focus: ['low-latency', 'load-balancing'], pricing: { currency: 'EUR', monthlyBase: 900, perCoreMonth: 11 } },
        requirements: { properties: [{ op: 'eq', property: 'storageKind', value: 'nvme' }, { op: 'gte', property: 'cores', value: 64 }], forbiddenTraits: ['gpu-a100'], minFree: { cores: 8, memoryGib: 32 }, preferences: [{ weight: 10, trait: 'avx512' }] },
        modules: [MODULE('meridian-storefront', '12.0.3'), MODULE('meridian-lb', '4.2.0')],
        autoAccept: true,
      },
      {
        name: 'Meridian Search GPU',
        description: 'Product search and recommendations on GPUs.',
        serviceProfile: { supportLevel: 'business', multiSite: false, consulting: false, focus: ['low-latency'], pricing: { currency: 'EUR', monthlyBase: 1500, perCoreMonth: 14 } },
        requirements: { properties: [{ op: 'gte', property: 'gpus', value: 1 }], minFree: { cores: 16, memoryGib: 128 } },
        modules: [MODULE('meridian-search', '5.5.0')],
        autoAccept: false,
      },
    ],
  },
];

/** Every platform, in catalog order; its index picks its local demo upstream (see upstreamUrl). */
export const PLATFORMS = PROVIDERS.flatMap((p) => p.platforms);

/** Customers and where their data sits: `platform` is the one they run on today. */
export const CUSTOMERS = [
  { name: 'Acme Retail', organisation: 'Acme Retail GmbH', serviceLevel: 'standard', platform: 'Launchpad Containers', generations: ['epyc-genoa', 'xeon-sapphire'], servers: 12 },
  { name: 'Globex Analytics', organisation: 'Globex Analytics BV', serviceLevel: 'premium', platform: 'Launchpad Classic VMs', generations: ['xeon-broadwell', 'epyc-genoa'], servers: 8 },
  { name: 'Initech Payments', organisation: 'Initech Payments SA', serviceLevel: 'enterprise', platform: 'Atlas Confidential Cloud', generations: ['xeon-sapphire'], servers: 6 },
  { name: 'Umbrella Media', organisation: 'Umbrella Media Sp. z o.o.', serviceLevel: 'standard', platform: 'Meridian Storefront Edge', generations: ['epyc-genoa'], servers: 8 },
];

/** Picks each customer's servers: matching generations, spread over several racks. */
export function planPlacements(inventory, customers = CUSTOMERS) {
  const used = new Set();
  const plan = [];
  for (const customer of customers) {
    const wanted = new Set(customer.generations.map((g) => HARDWARE[g].cpuModel));
    const byRack = new Map();
    for (const s of inventory.servers) {
      if (!wanted.has(s.properties.cpuModel) || used.has(s.id)) continue;
      if (!byRack.has(s.rackId)) byRack.set(s.rackId, []);
      byRack.get(s.rackId).push(s);
    }
    const picked = [];
    // Two servers per rack until the customer has enough: data spread the way real tenants are.
    for (const list of byRack.values()) {
      for (const s of list.slice(0, 2)) if (picked.length < customer.servers) picked.push(s);
      if (picked.length >= customer.servers) break;
    }
    for (const s of picked) used.add(s.id);
    plan.push({ customer, servers: picked });
  }
  return plan;
}

/**
 * A benchmark catalog: `count` platforms over ten providers, with requirements of every kind and
 * thresholds spread so that each platform approves a different part of the fleet.
 */
export function benchCatalog(count = 50, { seed = 7, upstreamPort = UPSTREAM_BASE_PORT } = {}) {
  const rand = rng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const templates = [
    () => ({ properties: [{ op: 'gte', property: 'memoryGib', value: pick([128, 256, 512]) }] }),
    () => ({ anyOfTraits: [['sev-snp', 'tdx']], requiredCertifications: ['iso27001'] }),
    () => ({ requiredTraits: [pick(['avx512', 'sev', 'tdx', 'sve'])], minFree: { cores: pick([4, 8, 16]), memoryGib: pick([16, 32, 64]) } }),
    () => ({ properties: [{ op: 'eq', property: 'storageKind', value: 'nvme' }, { op: 'gte', property: 'cores', value: pick([32, 64]) }] }),
    () => ({ forbiddenTraits: ['gpu-a100'], properties: [{ op: 'in', property: 'cpuArch', values: ['x86_64'] }] }),
    () => ({ properties: [{ op: 'gte', property: 'gpus', value: 1 }], minFree: { cores: 16, memoryGib: 128 } }),
    () => ({ requiredCertifications: ['pci-dss'], preferences: [{ weight: 10, trait: 'avx512' }] }),
  ];
  const platforms = [];
  for (let i = 0; i < count; i++) {
    platforms.push({
      provider: i % 10,
      body: {
        name: `Bench Platform ${String(i + 1).padStart(2, '0')}`,
        description: 'Generated for benchmarks.',
        serviceProfile: { supportLevel: pick(['community', 'business', 'enterprise']), multiSite: rand() < 0.5, consulting: rand() < 0.3, focus: [pick(['cost', 'low-latency', 'compliance'])], pricing: { currency: 'EUR', monthlyBase: Math.floor(rand() * 3000), perCoreMonth: 2 + Math.floor(rand() * 20) } },
        requirements: i === 0 ? {} : templates[i % templates.length](),
        modules: [MODULE(`bench-runtime-${i}`, '1.0.0')],
        upstreamUrl: upstreamUrl(i % 6, upstreamPort),
        autoAccept: true,
      },
    });
  }
  return platforms;
}

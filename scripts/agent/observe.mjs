// @ts-check
// What the agent observes of its host, in the shape of POST /v1/agent/report: identity (DMI serial,
// the MAC and address of the interface holding the default route) and properties (CPU, memory,
// storage, hypervisor, CPU flags mapped to traits). Whatever cannot be read is left out, so the
// service keeps what it has on record for it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU flags (x86 `flags`, arm `Features` in /proc/cpuinfo) → InPlace traits. */
const FLAG_TRAITS = {
  avx2: 'avx2',
  avx512f: 'avx512',
  sev: 'sev',
  sev_snp: 'sev-snp',
  tdx_host_platform: 'tdx',
  tdx_guest: 'tdx',
  sgx: 'sgx',
  sve: 'sve',
  sve2: 'sve2',
};
/** @type {Record<string, string>} */
const VENDORS = { GenuineIntel: 'Intel', AuthenticAMD: 'AMD' };
/** Arm "CPU implementer" codes → vendor. */
/** @type {Record<string, string>} */
const ARM_IMPLEMENTERS = { '0x41': 'Arm', '0xc0': 'Ampere', '0x48': 'HiSilicon', '0x61': 'Apple', '0x51': 'Qualcomm' };
const VIRTUAL_INTERFACE = /^(lo|docker|veth|br-|virbr|vnet|tap|tun|cni|flannel|cali|kube|wg)/;

/** @param {string} path @returns {string | null} */
function read(path) {
  try {
    return readFileSync(path, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** @param {string} text @param {string} key @returns {string | null} */
function cpuinfoField(text, key) {
  const line = text.split('\n').find((l) => l.split(':')[0]?.trim() === key);
  return line ? line.slice(line.indexOf(':') + 1).trim() : null;
}

/** The interface holding the IPv4 default route (/proc/net/route), else the first physical one. */
function primaryInterface() {
  const routes = read('/proc/net/route')?.split('\n').slice(1) ?? [];
  const viaDefault = routes.map((l) => l.trim().split(/\s+/)).find((f) => f[1] === '00000000')?.[0];
  const names = Object.keys(os.networkInterfaces()).filter((n) => !VIRTUAL_INTERFACE.test(n));
  return viaDefault && names.includes(viaDefault) ? viaDefault : names.sort()[0];
}

function observeIdentity() {
  /** @type {Record<string, string>} */
  const identity = {};
  const serial = read('/sys/class/dmi/id/product_serial') ?? read('/sys/class/dmi/id/board_serial');
  if (serial && !/^(0+|none|not specified|to be filled.*|default string)$/i.test(serial)) identity.serial = serial;
  const name = primaryInterface();
  const addrs = name ? (os.networkInterfaces()[name] ?? []) : [];
  const mac = addrs.find((a) => a.mac && a.mac !== '00:00:00:00:00:00')?.mac;
  if (mac) identity.mac = mac.toLowerCase();
  const v4 = addrs.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  if (v4) identity.dom0Ip = v4;
  return identity;
}

/** Block devices that hold data (no loop, ram, device-mapper, zram, optical), by size. */
function observeStorage() {
  let disks = [];
  try {
    disks = readdirSync('/sys/block').filter((d) => !/^(loop|ram|dm-|zram|sr|fd|md|nbd)/.test(d));
  } catch {
    return {};
  }
  let largest = { bytes: 0, kind: /** @type {'nvme' | 'ssd' | 'hdd' | null} */ (null) };
  let total = 0;
  for (const d of disks) {
    const bytes = Number(read(`/sys/block/${d}/size`) ?? 0) * 512;
    if (!bytes) continue;
    total += bytes;
    const kind = d.startsWith('nvme') ? 'nvme' : read(`/sys/block/${d}/queue/rotational`) === '1' ? 'hdd' : 'ssd';
    if (bytes > largest.bytes) largest = { bytes, kind };
  }
  return largest.kind ? { storageKind: largest.kind, storageGib: Math.floor(total / 2 ** 30) } : {};
}

/** What the host runs guests with: KVM (/dev/kvm) or Xen (/sys/hypervisor, /proc/xen). */
function observeHypervisor() {
  if (read('/sys/hypervisor/type') === 'xen' || existsSync('/proc/xen/capabilities')) return 'xen';
  if (existsSync('/dev/kvm')) return 'kvm';
  return null;
}

function observeProperties() {
  const cpuinfo = read('/proc/cpuinfo') ?? '';
  /** @type {Record<string, unknown>} */
  const props = {};
  const arch = { x64: 'x86_64', arm64: 'arm64' }[os.arch()];
  if (arch) props.cpuArch = arch;
  const vendorId = cpuinfoField(cpuinfo, 'vendor_id');
  const implementer = cpuinfoField(cpuinfo, 'CPU implementer');
  const vendor = (vendorId && VENDORS[vendorId]) ?? (implementer && ARM_IMPLEMENTERS[implementer.toLowerCase()]) ?? vendorId;
  if (vendor) props.cpuVendor = vendor;
  const model = cpuinfoField(cpuinfo, 'model name') ?? os.cpus()[0]?.model;
  if (model) props.cpuModel = model.replace(/\s+/g, ' ').slice(0, 100);
  props.cores = os.cpus().length;
  props.memoryGib = Math.max(1, Math.round(os.totalmem() / 2 ** 30));
  Object.assign(props, observeStorage());
  const hypervisor = observeHypervisor();
  if (hypervisor) props.hypervisor = hypervisor;
  const flags = new Set((cpuinfoField(cpuinfo, 'flags') ?? cpuinfoField(cpuinfo, 'Features') ?? '').split(/\s+/));
  props.traits = [...new Set(Object.entries(FLAG_TRAITS).flatMap(([flag, trait]) => (flags.has(flag) ? [trait] : [])))].sort();
  return props;
}

/** The report body; also every MAC and address seen, for the log (the service takes one of each). */
export function observeHost() {
  const interfaces = Object.entries(os.networkInterfaces())
    .filter(([name]) => !VIRTUAL_INTERFACE.test(name))
    .map(([name, addrs]) => ({ name, mac: addrs?.[0]?.mac, addresses: (addrs ?? []).map((a) => a.address) }));
  return { report: { identity: observeIdentity(), properties: observeProperties() }, interfaces };
}

/**
 * A facts file (`{identity, properties}`), reported instead of observing the host.
 * @param {string} file
 */
export function readFacts(file) {
  const facts = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof facts !== 'object' || facts === null || Array.isArray(facts)) throw new Error('the facts file must hold a JSON object {identity, properties}');
  const { identity = {}, properties = {} } = facts;
  return { identity, properties };
}

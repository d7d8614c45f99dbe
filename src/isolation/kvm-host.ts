import { accessSync, constants, existsSync, readFileSync } from 'node:fs';

/** KVM_DEVICE is the device a microVM monitor (libkrun) opens. */
const KVM_DEVICE = '/dev/kvm';

/** KVM_PVM_MODULE exists when /dev/kvm is served by the paravirtualised nested "kvm-pvm" module. */
const KVM_PVM_MODULE = '/sys/module/kvm_pvm';

/** KvmHostFs is what inspectKvmHost reads; tests pass a fake one. */
export interface KvmHostFs {
  exists: (path: string) => boolean;
  /** canReadWrite says whether this process may open path read-write (the VMM does). */
  canReadWrite: (path: string) => boolean;
  readFile: (path: string) => string;
}

/** realKvmHostFs is this machine's filesystem. */
export const realKvmHostFs: KvmHostFs = {
  exists: (path) => existsSync(path),
  canReadWrite: (path) => {
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
  readFile: (path) => readFileSync(path, 'utf8'),
};

/** KvmHostKind names the verdict: only "usable" can boot a libkrun guest. */
type KvmHostKind = 'usable' | 'missing' | 'inaccessible' | 'kvm-pvm';

/** KvmHostVerdict is inspectKvmHost's answer: whether microVMs can run here, and why not. */
export interface KvmHostVerdict {
  kind: KvmHostKind;
  /** reason is one sentence for an operator or a create error. */
  reason: string;
  device: string;
  /** cpuVirtualization is the CPU's own flag (vmx, svm) or undefined when /proc/cpuinfo shows neither. */
  cpuVirtualization?: 'vmx' | 'svm';
  /** kvmPvm is true when the kvm_pvm module is loaded. */
  kvmPvm: boolean;
}

/** cpuVirtualizationFlag reads the first "flags" line of /proc/cpuinfo for vmx (Intel) or svm (AMD). */
export function cpuVirtualizationFlag(cpuinfo: string): 'vmx' | 'svm' | undefined {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? [];
  if (flags.includes('vmx')) return 'vmx';
  if (flags.includes('svm')) return 'svm';
  return undefined;
}

/**
 * inspectKvmHost says whether this host can boot libkrun microVMs. Besides a missing or
 * unopenable /dev/kvm it recognises the paravirtualised nested "kvm-pvm" device (module kvm_pvm
 * loaded, no vmx/svm in the CPU flags): trivial guests run there, but libkrun's guest kernel dies
 * with KVM_EXIT_INTERNAL_ERROR about 12 s after "entering VM" (seen on the msb build host), so a
 * microVM must not be promised there.
 */
export function inspectKvmHost(fs: KvmHostFs = realKvmHostFs): KvmHostVerdict {
  const kvmPvm = fs.exists(KVM_PVM_MODULE);
  let cpuinfo = '';
  try {
    cpuinfo = fs.readFile('/proc/cpuinfo');
  } catch {
    // No /proc/cpuinfo: no flag, which the kvm-pvm rule below only uses together with the module.
  }
  const cpuVirtualization = cpuVirtualizationFlag(cpuinfo);
  const base = { device: KVM_DEVICE, kvmPvm, ...(cpuVirtualization ? { cpuVirtualization } : {}) };
  if (!fs.exists(KVM_DEVICE)) {
    return {
      ...base,
      kind: 'missing',
      reason: `${KVM_DEVICE} does not exist: the kernel has no KVM (module kvm_intel/kvm_amd not loaded, or virtualisation not exposed to this VM)`,
    };
  }
  if (!fs.canReadWrite(KVM_DEVICE)) {
    return { ...base, kind: 'inaccessible', reason: `${KVM_DEVICE} exists but this user cannot open it read-write` };
  }
  if (kvmPvm && cpuVirtualization === undefined) {
    return {
      ...base,
      kind: 'kvm-pvm',
      reason: `${KVM_DEVICE} is the paravirtualised nested kvm-pvm device (${KVM_PVM_MODULE} present, no vmx/svm CPU flag): libkrun guests fail with KVM_EXIT_INTERNAL_ERROR about 12 s after "entering VM"`,
    };
  }
  return { ...base, kind: 'usable', reason: `${KVM_DEVICE} is usable${cpuVirtualization ? ` (CPU flag ${cpuVirtualization})` : ''}` };
}

import { MsbError } from '../../base/errors.js';
import type { Spec } from '../../base/spec.js';
import { KRUN_CPUS_ANNOTATION, KRUN_MEMORY_ANNOTATION } from '../annotations.js';
import type { KrunPolicy } from '../policy.js';

/** MIN_GUEST_MEMORY_MIB is the least guest RAM msb boots: libkrunfw's kernel plus agentd need about this much. */
const MIN_GUEST_MEMORY_MIB = 64;

const MIB = 1024 * 1024;

/** VmResources is the microVM's size: boot RAM, the hotplug ceiling, and vCPUs (undefined = msb's default). */
export interface VmResources {
  memoryMiB?: number;
  maxMemoryMiB?: number;
  cpus?: number;
  /** Why each number is what it is, for msbctl translate and --debug. */
  notes: string[];
}

interface LinuxResources {
  memory?: { limit?: number; reservation?: number };
  cpu?: { quota?: number; period?: number; cpus?: string };
}

function resourcesOf(spec: Spec): LinuxResources {
  return ((spec.linux as { resources?: LinuxResources } | undefined)?.resources ?? {}) as LinuxResources;
}

/** cpusetSize counts the CPUs of a cpuset list such as "0-3,6" (0 when empty or malformed). */
export function cpusetSize(cpus: string | undefined): number {
  if (!cpus?.trim()) return 0;
  let n = 0;
  for (const part of cpus.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) return 0;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return 0;
    n += hi - lo + 1;
  }
  return n;
}

/**
 * guestMemory sizes guest RAM. With a cgroup limit the VMM (msb's process, its network stack and
 * virtio-fs buffers) lives in the same cgroup as the guest's RAM, so the guest gets the limit
 * minus policy krun.vmmHeadroomMiB (crun's krun handler gives the guest the whole limit, and the
 * VMM is OOM-killed first). A reservation becomes the boot size and the limit the hotplug ceiling
 * (--max-memory), so `docker update` can grow the guest later.
 */
function guestMemory(res: LinuxResources, krun: KrunPolicy, override: number | undefined, notes: string[]): Pick<VmResources, 'memoryMiB' | 'maxMemoryMiB'> {
  const requested = override ?? (krun.memoryMiB > 0 ? krun.memoryMiB : undefined);
  const from = override !== undefined ? `annotation ${KRUN_MEMORY_ANNOTATION}` : 'policy krun.memoryMiB';
  const limit = res.memory?.limit;
  if (limit === undefined || limit <= 0) {
    const reservation = res.memory?.reservation;
    const boot = requested ?? (reservation && reservation > 0 ? Math.floor(reservation / MIB) : undefined);
    notes.push(
      boot === undefined
        ? "memory: no limit, msb's default guest RAM"
        : `memory: no limit, ${boot} MiB from ${requested !== undefined ? from : 'the reservation'}`,
    );
    return boot === undefined ? {} : { memoryMiB: Math.max(boot, MIN_GUEST_MEMORY_MIB) };
  }
  const limitMiB = Math.floor(limit / MIB);
  const ceiling = limitMiB - krun.vmmHeadroomMiB;
  if (ceiling < MIN_GUEST_MEMORY_MIB) {
    throw new MsbError(
      'invalid-spec',
      `krun: a memory limit of ${limitMiB} MiB leaves ${ceiling} MiB for the guest after the VMM's ${krun.vmmHeadroomMiB} MiB (policy krun.vmmHeadroomMiB); give the container at least ${MIN_GUEST_MEMORY_MIB + krun.vmmHeadroomMiB} MiB`,
    );
  }
  if (requested !== undefined && requested > ceiling) {
    throw new MsbError(
      'invalid-spec',
      `krun: guest RAM ${requested} MiB (${from}) exceeds the container's memory limit ${limitMiB} MiB minus the VMM's ${krun.vmmHeadroomMiB} MiB headroom (${ceiling} MiB)`,
    );
  }
  const reservation = res.memory?.reservation;
  const reservedMiB = reservation && reservation > 0 ? Math.floor(reservation / MIB) : undefined;
  const boot = Math.max(MIN_GUEST_MEMORY_MIB, Math.min(requested ?? reservedMiB ?? ceiling, ceiling));
  notes.push(
    `memory: limit ${limitMiB} MiB - VMM headroom ${krun.vmmHeadroomMiB} MiB = ${ceiling} MiB ceiling; boot ${boot} MiB${requested !== undefined ? ` (${from})` : reservedMiB !== undefined ? ' (reservation)' : ''}`,
  );
  return boot < ceiling ? { memoryMiB: boot, maxMemoryMiB: ceiling } : { memoryMiB: boot };
}

/** guestCpus takes ceil(quota/period), else the cpuset's size, else the policy or annotation. */
function guestCpus(res: LinuxResources, krun: KrunPolicy, override: number | undefined, notes: string[]): number | undefined {
  const quota = res.cpu?.quota;
  const period = res.cpu?.period;
  const fromQuota = quota !== undefined && quota > 0 && period !== undefined && period > 0 ? Math.ceil(quota / period) : undefined;
  const fromCpuset = cpusetSize(res.cpu?.cpus) || undefined;
  const derived = fromQuota ?? fromCpuset;
  if (override !== undefined) {
    notes.push(
      `cpus: ${override} from annotation ${KRUN_CPUS_ANNOTATION}${derived !== undefined ? ` (the cgroup allows ${derived}; extra vCPUs share that time)` : ''}`,
    );
    return override;
  }
  if (derived !== undefined) {
    notes.push(fromQuota !== undefined ? `cpus: ceil(quota ${quota} / period ${period}) = ${fromQuota}` : `cpus: cpuset ${res.cpu?.cpus} has ${fromCpuset}`);
    return Math.min(derived, 255);
  }
  if (krun.vcpus > 0) {
    notes.push(`cpus: ${krun.vcpus} from policy krun.vcpus`);
    return krun.vcpus;
  }
  notes.push("cpus: no quota or cpuset, msb's default vCPU count");
  return undefined;
}

/** sizeVm computes the microVM's RAM and vCPUs from the container's cgroup settings, policy and annotations. */
export function sizeVm(spec: Spec, krun: KrunPolicy): VmResources {
  const res = resourcesOf(spec);
  const ann = spec.annotations ?? {};
  const mem = ann[KRUN_MEMORY_ANNOTATION];
  const cpu = ann[KRUN_CPUS_ANNOTATION];
  const notes: string[] = [];
  const memory = guestMemory(res, krun, mem === undefined ? undefined : Number(mem), notes);
  const cpus = guestCpus(res, krun, cpu === undefined ? undefined : Number(cpu), notes);
  return { ...memory, ...(cpus === undefined ? {} : { cpus }), notes };
}

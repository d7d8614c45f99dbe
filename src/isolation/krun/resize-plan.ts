import { MsbError } from '../../base/errors.js';

/** MemoryState is msb's control-socket memory_state reply, in MiB (microsandbox crates/runtime/lib/control.rs). */
export interface MemoryState {
  boot_mib: number;
  target_mib: number;
  current_mib: number;
  max_mib: number;
}

/** ResizeStep is one action of a live resize, in the order they must run. */
export type ResizeStep = { kind: 'cgroup' } | { kind: 'memory'; totalMiB: number; waitForRelease: boolean } | { kind: 'cpus'; online: number };

const MIB = 1024 * 1024;

/**
 * planResize orders a `docker update` for a running microVM. Growing: the cgroup first, then the
 * guest (so the guest never holds more than the cgroup allows). Shrinking: the guest first, wait
 * until it has released the memory, then the cgroup (else the cgroup OOM-kills the VMM). A target
 * outside what the VM booted with ([boot, --max-memory], vCPUs up to the boot count) is refused
 * with the reason: msb cannot hotplug beyond its boot-time maximum.
 */
export function planResize(
  memory: MemoryState,
  headroomMiB: number,
  possibleCpus: number | undefined,
  update: { memoryLimit?: number; cpuQuota?: number; cpuPeriod?: number },
): ResizeStep[] {
  const steps: ResizeStep[] = [];
  let memoryStep: ResizeStep | undefined;
  let shrink = false;
  if (update.memoryLimit !== undefined && update.memoryLimit > 0) {
    const limitMiB = Math.floor(update.memoryLimit / MIB);
    const target = limitMiB - headroomMiB;
    if (target > memory.max_mib) {
      throw new MsbError(
        'unsupported',
        `krun: cannot grow the guest to ${target} MiB (--memory ${limitMiB} MiB minus the VMM's ${headroomMiB} MiB): it booted with a maximum of ${memory.max_mib} MiB; give the container a --memory-reservation below its limit at create, or recreate it`,
      );
    }
    if (target < memory.boot_mib) {
      throw new MsbError(
        'unsupported',
        `krun: cannot shrink the guest to ${target} MiB (--memory ${limitMiB} MiB minus the VMM's ${headroomMiB} MiB): it cannot go below its boot memory of ${memory.boot_mib} MiB`,
      );
    }
    shrink = target < memory.current_mib;
    if (target !== memory.target_mib || shrink) memoryStep = { kind: 'memory', totalMiB: target, waitForRelease: shrink };
  }
  if (update.cpuQuota !== undefined && update.cpuQuota > 0 && update.cpuPeriod !== undefined && update.cpuPeriod > 0) {
    const online = Math.ceil(update.cpuQuota / update.cpuPeriod);
    if (possibleCpus !== undefined && online > possibleCpus) {
      throw new MsbError('unsupported', `krun: cannot bring ${online} vCPUs online: the guest booted with ${possibleCpus} possible vCPUs`);
    }
    steps.push({ kind: 'cpus', online });
  }
  if (memoryStep && shrink) return [memoryStep, { kind: 'cgroup' }, ...steps];
  return [{ kind: 'cgroup' }, ...(memoryStep ? [memoryStep] : []), ...steps];
}

import { MsbError } from '../../base/errors.js';
import type { CgroupDirs } from './cgroup-dirs.js';

/** LinuxResources is the part of the OCI linux.resources object `runc update --resources` takes (containerd sends it as JSON). */
export interface LinuxResources {
  memory?: { limit?: number; reservation?: number; swap?: number; kernel?: number; kernelTCP?: number; swappiness?: number };
  cpu?: { shares?: number; quota?: number; period?: number; realtimeRuntime?: number; realtimePeriod?: number; cpus?: string; mems?: string };
  pids?: { limit?: number };
  blockIO?: { weight?: number; leafWeight?: number };
  [other: string]: unknown;
}

/** CgroupWrite is one value written to one cgroup control file. */
export interface CgroupWrite {
  controller: string;
  file: string;
  value: string;
  /** The write may be skipped when the host lacks the file (memsw without swap accounting), as runc does. */
  optional?: boolean;
}

/** PlanOptions carry what msb adds to the user's values. */
export interface PlanOptions {
  /** The host pids.max for a user's limit (gVisor adds the sandbox's own threads; docs/gvisor.md). */
  pidsHostLimit?: (userLimit: number) => number;
  /** The current v1 memsw limit, to order limit and swap writes as the kernel requires. */
  currentMemswLimit?: number;
}

// Like runc (libcontainer/cgroups/fs), zero and empty values mean "leave as it is": Docker sends
// zeros for every resource the user did not name, also for `docker update --restart` alone.
const set = (n: number | undefined): n is number => n !== undefined && n !== 0;
const limitText = (n: number): string => (n < 0 ? '-1' : String(n));
const maxText = (n: number): string => (n < 0 ? 'max' : String(n));

function pidsValue(limit: number, host: ((n: number) => number) | undefined): string {
  return limit <= 0 ? 'max' : String(host ? host(limit) : limit);
}

/** planV1 lists the cgroup v1 writes for resources, in an order the kernel accepts. */
export function planV1(r: LinuxResources, o: PlanOptions = {}): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const m = r.memory;
  if (m) {
    const limit = set(m.limit) ? { controller: 'memory', file: 'memory.limit_in_bytes', value: limitText(m.limit) } : undefined;
    const swap = set(m.swap) ? { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: limitText(m.swap), optional: true } : undefined;
    // memory.limit_in_bytes must stay ≤ memsw: raise memsw first when the new limit exceeds the current memsw.
    const cur = o.currentMemswLimit;
    const swapFirst =
      swap !== undefined && ((m.swap as number) < 0 || (limit !== undefined && cur !== undefined && ((m.limit as number) < 0 || (m.limit as number) > cur)));
    if (swapFirst && swap) w.push(swap);
    if (limit) w.push(limit);
    if (!swapFirst && swap) w.push(swap);
    if (set(m.reservation)) w.push({ controller: 'memory', file: 'memory.soft_limit_in_bytes', value: limitText(m.reservation) });
    if (m.swappiness !== undefined && m.swappiness >= 0 && m.swappiness <= 100)
      w.push({ controller: 'memory', file: 'memory.swappiness', value: String(m.swappiness) });
  }
  const c = r.cpu;
  if (c) {
    if (set(c.shares)) w.push({ controller: 'cpu', file: 'cpu.shares', value: String(c.shares) });
    if (set(c.period)) w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(c.period) });
    if (set(c.quota)) w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: limitText(c.quota) });
    if (c.cpus) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: c.cpus });
    if (c.mems) w.push({ controller: 'cpuset', file: 'cpuset.mems', value: c.mems });
  }
  if (r.pids && set(r.pids.limit)) w.push({ controller: 'pids', file: 'pids.max', value: pidsValue(r.pids.limit, o.pidsHostLimit) });
  if (r.blockIO && set(r.blockIO.weight)) w.push({ controller: 'blkio', file: 'blkio.weight', value: String(r.blockIO.weight) });
  return w;
}

/** planV2 lists the cgroup v2 writes for resources, with runc's v1→v2 conversions (libcontainer/cgroups/utils.go). */
export function planV2(r: LinuxResources, o: PlanOptions = {}): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const m = r.memory;
  if (m) {
    if (set(m.limit)) w.push({ controller: 'memory', file: 'memory.max', value: maxText(m.limit) });
    // v1's memsw is memory+swap; v2's swap.max is swap alone.
    if (set(m.swap)) {
      const swap = m.swap < 0 ? 'max' : set(m.limit) && m.limit > 0 ? String(Math.max(0, m.swap - m.limit)) : undefined;
      if (swap !== undefined) w.push({ controller: 'memory', file: 'memory.swap.max', value: swap, optional: true });
    }
    if (set(m.reservation)) w.push({ controller: 'memory', file: 'memory.low', value: maxText(m.reservation) });
  }
  const c = r.cpu;
  if (c) {
    if (set(c.shares)) w.push({ controller: 'cpu', file: 'cpu.weight', value: String(1 + Math.floor(((c.shares - 2) * 9999) / 262142)) });
    if (set(c.quota) || set(c.period)) {
      // cpu.max takes "quota period"; runc writes "max" for an unset or negative quota.
      const quota = set(c.quota) && c.quota > 0 ? String(c.quota) : 'max';
      w.push({ controller: 'cpu', file: 'cpu.max', value: set(c.period) ? `${quota} ${c.period}` : quota });
    }
    if (c.cpus) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: c.cpus });
    if (c.mems) w.push({ controller: 'cpuset', file: 'cpuset.mems', value: c.mems });
  }
  if (r.pids && set(r.pids.limit)) w.push({ controller: 'pids', file: 'pids.max', value: pidsValue(r.pids.limit, o.pidsHostLimit) });
  if (r.blockIO && set(r.blockIO.weight)) w.push({ controller: 'io', file: 'io.bfq.weight', value: String(r.blockIO.weight) });
  return w;
}

/** unsupportedResources names resources msb cannot apply to a running sandbox, for a clear refusal. */
export function unsupportedResources(r: LinuxResources): string[] {
  const out: string[] = [];
  if (r.cpu && (set(r.cpu.realtimeRuntime) || set(r.cpu.realtimePeriod))) out.push('cpu realtime period/runtime');
  if (r.memory && (set(r.memory.kernel) || set(r.memory.kernelTCP))) out.push('kernel memory limits');
  if (r.blockIO && set(r.blockIO.leafWeight)) out.push('blkio leaf weight');
  return out;
}

/** CgroupFs is the file access applyCgroupWrites needs (injected in tests). */
export interface CgroupFs {
  exists(path: string): boolean;
  write(path: string, value: string): void;
}

/**
 * applyCgroupWrites writes each value into the container's cgroup; a file the host lacks fails
 * with the controller's name, except optional ones (skipped and reported back).
 */
export function applyCgroupWrites(dirs: CgroupDirs, writes: readonly CgroupWrite[], fs: CgroupFs): { skipped: CgroupWrite[] } {
  const skipped: CgroupWrite[] = [];
  for (const x of writes) {
    const dir = dirs.version === 1 ? dirs.dirs[x.controller] : dirs.dir;
    const path = dir ? `${dir}/${x.file}` : undefined;
    if (!path || !fs.exists(path)) {
      if (x.optional) {
        skipped.push(x);
        continue;
      }
      throw new MsbError(
        'host-unsupported',
        `update: this host's cgroup ${dirs.version === 1 ? `v1 ${x.controller} controller` : 'v2'} has no ${x.file}${dir ? ` in ${dir}` : ''}, so ${x.file} ${x.value} cannot be applied`,
      );
    }
    try {
      fs.write(path, x.value);
    } catch (err) {
      throw new MsbError('backend', `update: writing ${x.value} to ${path} failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        cause: err,
      });
    }
  }
  return { skipped };
}

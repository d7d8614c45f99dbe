import { posix } from 'node:path';
import { MsbError } from '../../base/errors.js';
import type { Mount } from '../../base/spec.js';
import { isBindMount } from '../mount-facts.js';

/** MountKind is what a bind source is on the host; missing sources are refused. */
export type MountKind = 'directory' | 'file' | 'socket' | 'missing';

/** GuestMount is one mount msb makes inside the guest: a host directory or file over virtio-fs, or a guest tmpfs. */
export type GuestMount =
  | { kind: 'dir' | 'file'; source: string; destination: string; readonly: boolean; flags?: string[] }
  | { kind: 'tmpfs'; destination: string; sizeMiB?: number; options: string[] };

/** MountPlan splits the container's mounts between the VMM's container (runc) and the guest (msb). */
export interface MountPlan {
  /** Mounts runc makes for the VMM process: the kernel filesystems msb needs, Docker's /etc files, bind sources. */
  vmm: Mount[];
  guest: GuestMount[];
  notes: string[];
}

/** VMM_MOUNTS_DIR is where the VMM's container sees bind sources that go on into the guest. */
const VMM_MOUNTS_DIR = '/msb/mounts';

/** KERNEL_FS_TYPES are mounts the guest kernel makes for itself; they stay only in the VMM's container. */
const KERNEL_FS_TYPES: readonly string[] = ['proc', 'sysfs', 'cgroup', 'cgroup2', 'mqueue', 'devpts'];

/** GUEST_TMPFS_OPTIONS are the tmpfs options passed on to msb; others (mode=, uid=...) are dropped. */
export const GUEST_TMPFS_OPTIONS: readonly string[] = ['ro', 'noexec', 'nosuid', 'nodev'];

/** GUEST_BIND_FLAGS are the bind options msb's --mount-dir/--mount-file also take (besides ro). */
export const GUEST_BIND_FLAGS: readonly string[] = ['nosuid', 'nodev', 'noexec'];

function bindFlags(options: readonly string[]): { flags?: string[] } {
  const flags = options.filter((o) => GUEST_BIND_FLAGS.includes(o));
  return flags.length > 0 ? { flags } : {};
}

/** NETWORK_FILES are Docker's per-container files: msb reads resolv.conf in the VMM; hosts and hostname go on to the guest. */
const NETWORK_FILES = ['/etc/resolv.conf', '/etc/hosts', '/etc/hostname'];

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** tmpfsSizeMiB reads size=N[kmg] (bytes without a suffix) as whole MiB, rounded up. */
export function tmpfsSizeMiB(options: readonly string[]): number | undefined {
  const size = options.find((o) => o.startsWith('size='))?.slice(5);
  const m = size === undefined ? undefined : /^(\d+)([kmgKMG]?)$/.exec(size);
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.max(1, Math.ceil((Number(m[1]) * unit) / 1024 ** 2));
}

function checkPath(what: string, path: string): void {
  // msb's --mount-dir/--mount-file/--tmpfs take SOURCE:DEST[:OPTIONS].
  if (path.includes(':') || path.includes(','))
    throw new MsbError('invalid-spec', `krun: ${what} ${path} contains ':' or ',', which msb's mount syntax cannot carry`);
}

/**
 * planMounts maps every OCI mount: kernel filesystems and anything under /dev stay with the VMM
 * only (the guest kernel has its own); tmpfs becomes a guest tmpfs; bind mounts of directories
 * and files are bound into the VMM's container under /msb/mounts/N and passed to msb, read-only
 * when the mount is; Docker's /etc/resolv.conf stays with the VMM (msb forwards DNS to its
 * servers, so 127.0.0.11 keeps working); sockets, missing sources, /proc and /sys targets and
 * other filesystem types are refused.
 */
export function planMounts(mounts: readonly Mount[], kindOf: (source: string) => MountKind): MountPlan {
  const plan: MountPlan = { vmm: [], guest: [], notes: [] };
  let n = 0;
  for (const m of mounts) {
    const dest = posix.normalize(m.destination);
    const options = m.options ?? [];
    const type = m.type ?? (isBindMount(m) ? 'bind' : 'none');
    if (KERNEL_FS_TYPES.includes(type) || under(dest, '/dev')) {
      plan.vmm.push(m);
      continue;
    }
    if (under(dest, '/proc') || under(dest, '/sys')) {
      throw new MsbError('unsupported', `krun: a mount at ${dest} cannot reach the guest: it has its own kernel, /proc and /sys`);
    }
    if (type === 'tmpfs') {
      checkPath('tmpfs', dest);
      const sizeMiB = tmpfsSizeMiB(options);
      plan.guest.push({
        kind: 'tmpfs',
        destination: dest,
        ...(sizeMiB === undefined ? {} : { sizeMiB }),
        options: options.filter((o) => GUEST_TMPFS_OPTIONS.includes(o)),
      });
      continue;
    }
    if (!isBindMount(m))
      throw new MsbError('unsupported', `krun: mount type ${type} at ${dest} is not supported in a microVM (bind, tmpfs and the kernel filesystems are)`);
    const source = m.source ?? '';
    if (NETWORK_FILES.includes(dest)) {
      plan.vmm.push(m);
      if (dest !== '/etc/resolv.conf') plan.guest.push({ kind: 'file', source: dest, destination: dest, readonly: options.includes('ro') });
      continue;
    }
    const kind = kindOf(source);
    if (kind === 'missing') throw new MsbError('invalid-spec', `krun: bind mount source ${source} (for ${dest}) does not exist`);
    if (kind === 'socket') {
      // Reached only when policy allowed the socket (host-socket-policy.ts decides first).
      throw new MsbError(
        'unsupported',
        `krun: socket ${source} (bind-mounted at ${dest}) cannot be served in a microVM: virtio-fs does not carry Unix sockets into the guest, and msb's --vsock exposes a host socket only as a guest vsock port, not at a path (docs/control-sockets.md)`,
      );
    }
    checkPath('bind mount destination', dest);
    const at = `${VMM_MOUNTS_DIR}/${n++}`;
    plan.vmm.push({ ...m, destination: at });
    plan.guest.push({ kind: kind === 'directory' ? 'dir' : 'file', source: at, destination: dest, readonly: options.includes('ro'), ...bindFlags(options) });
    const ignored = options.filter((o) => /^r?(shared|slave|private|unbindable)$/.test(o) && o !== 'rprivate' && o !== 'private');
    if (ignored.length > 0) plan.notes.push(`mount ${dest}: propagation ${ignored.join(',')} does not cross into the guest`);
  }
  return plan;
}

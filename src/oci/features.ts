import { HONOURED_GVISOR_FLAGS, KNOWN_ANNOTATIONS } from '../isolation/annotations.js';
import { BACKENDS } from '../isolation/backends.js';
import { CHECKPOINT_FLAGS } from '../isolation/checkpoint-flags.js';
import { krunFields } from '../isolation/krun/krun-support.js';

/** NAMESPACES are the namespace types the gVisor backend accepts in config.json. */
export const NAMESPACES: readonly string[] = ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'];

/** HOOKS are the OCI hook kinds msb keeps in the spec for the backend to run. */
export const HOOKS: readonly string[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** MOUNT_OPTIONS are the bind/tmpfs options runsc understands (runsc/specutils/fs.go). */
export const MOUNT_OPTIONS: readonly string[] = [
  'bind', 'rbind', 'ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'private', 'rprivate', 'slave', 'rslave',
  'shared', 'rshared', 'unbindable', 'runbindable', 'noatime', 'atime', 'relatime', 'norelatime', 'strictatime',
  'nostrictatime', 'mode', 'size', 'uid', 'gid', 'nr_inodes',
];

/** checkpointFlags lists runc checkpoint/restore flags by what gVisor does with them; a flag refused but for some values is a no-op as name=values. */
function checkpointFlags(disposition: 'passed' | 'no-op' | 'refused'): string {
  const out: string[] = [];
  for (const f of CHECKPOINT_FLAGS) {
    const kind = f.gvisor.kind;
    if (disposition === 'passed' && (kind === 'runsc' || kind === 'msb')) out.push(f.name);
    if (disposition === 'no-op' && kind === 'no-op') out.push(f.name);
    if (disposition === 'no-op' && f.noOpValues) out.push(`${f.name}=${f.noOpValues.join('|')}`);
    if (disposition === 'refused' && kind === 'refused') out.push(f.noOpValues ? `${f.name} (other values)` : f.name);
  }
  return out.join(',');
}

/**
 * features prints the OCI features document (runtime-spec features.md) from the same lists
 * create uses, with msb's annotations and backends under org.* keys as the spec suggests.
 */
export function features(version: string): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.1.0',
    hooks: [...HOOKS],
    mountOptions: [...MOUNT_OPTIONS],
    linux: {
      namespaces: [...NAMESPACES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
    },
    annotations: {
      'io.msb.version': version,
      'io.msb.backends': Object.keys(BACKENDS).join(','),
      'io.msb.annotations': [...Object.keys(KNOWN_ANNOTATIONS), ...Object.keys(HONOURED_GVISOR_FLAGS)].join(','),
      // The krun backend's translation table (krun-support.ts, docs/krun.md), field names joined by "; ".
      'io.msb.krun.mapped': krunFields('mapped').join('; '),
      'io.msb.krun.approximated': krunFields('approximated').join('; '),
      'io.msb.krun.refused': krunFields('refused').join('; '),
      // runc checkpoint/restore (checkpoint-flags.ts, docs/checkpoint.md): which backends can, and
      // what the gVisor backend does with each runc flag.
      'io.msb.checkpoint.backends': Object.entries(BACKENDS).filter(([, b]) => b.checkpointing.supported).map(([n]) => n).join(','),
      'io.msb.checkpoint.gvisor.passed': checkpointFlags('passed'),
      'io.msb.checkpoint.gvisor.no-op': checkpointFlags('no-op'),
      'io.msb.checkpoint.gvisor.refused': checkpointFlags('refused'),
    },
  };
}
